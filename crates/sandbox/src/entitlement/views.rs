//! How entitlement-management objects look on beta and on v1.0.

use crate::clock::{em_time, DAY_MS};
use crate::ids::EMPTY_GUID;
use crate::odata::Expand;
use crate::render::{nav_list, nav_one, Entity};
use crate::reply::GraphError;
use crate::store::*;
use crate::target::Version::{self, Beta, V1};
use crate::tenant::Tenant;
use serde_json::{json, Map, Value};

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

fn opt(s: &Option<String>) -> Value {
    s.as_ref().map_or(Value::Null, |s| Value::String(s.clone()))
}

fn pick(
    v: Version,
    beta: &'static [&'static str],
    v1: &'static [&'static str],
) -> &'static [&'static str] {
    if v == Beta {
        beta
    } else {
        v1
    }
}

impl Entity for Catalog {
    fn type_name(_: Version) -> &'static str {
        "accessPackageCatalog"
    }
    fn navs(v: Version) -> &'static [&'static str] {
        pick(
            v,
            &[
                "accessPackages",
                "accessPackageResources",
                "accessPackageResourceRoles",
                "accessPackageResourceScopes",
            ],
            &[
                "accessPackages",
                "resources",
                "resourceRoles",
                "resourceScopes",
            ],
        )
    }
    fn props(&self, _: &Tenant, v: Version) -> Map<String, Value> {
        let t = em_time(self.meta.created_ms);
        match v {
            Beta => obj(json!({
                "id": self.meta.id,
                "displayName": self.display_name,
                "description": opt(&self.description),
                "catalogType": if self.built_in { "ServiceDefault" } else { "UserManaged" },
                "catalogStatus": if self.published { "Published" } else { "Unpublished" },
                "isExternallyVisible": self.externally_visible,
                "createdBy": self.created_by,
                "createdDateTime": t,
                "modifiedBy": self.created_by,
                "modifiedDateTime": t,
            })),
            V1 => obj(json!({
                "id": self.meta.id,
                "displayName": self.display_name,
                "description": opt(&self.description),
                "catalogType": if self.built_in { "serviceDefault" } else { "userManaged" },
                "state": if self.published { "published" } else { "unpublished" },
                "isExternallyVisible": self.externally_visible,
                "createdDateTime": t,
                "modifiedDateTime": t,
            })),
        }
    }
    fn nav(&self, t: &Tenant, v: Version, name: &str, sub: &Expand) -> Result<Value, GraphError> {
        let id = &self.meta.id;
        let resources = || {
            t.store
                .resources
                .iter()
                .filter(move |r| &r.catalog_id == id)
        };
        match name {
            "accessPackages" => nav_list(
                t.store.packages.iter().filter(|p| &p.catalog_id == id),
                t,
                v,
                sub,
            ),
            "accessPackageResources" | "resources" => nav_list(resources(), t, v, sub),
            "accessPackageResourceRoles" | "resourceRoles" => {
                let roles: Vec<RoleView> =
                    resources().flat_map(|r| RoleView::both(r, true)).collect();
                nav_list(roles.iter(), t, v, sub)
            }
            _ => {
                let scopes: Vec<ScopeView> =
                    resources().map(|r| ScopeView { resource: r }).collect();
                nav_list(scopes.iter(), t, v, sub)
            }
        }
    }
}

fn resource_url(t: &Tenant, r: &Resource) -> String {
    format!(
        "https://account.activedirectory.windowsazure.com/r?tenantId={}#/manageMembership?objectType=Group&objectId={}",
        t.tenant_id, r.origin_id
    )
}

fn resource_type(t: &Tenant, r: &Resource) -> &'static str {
    let unified = t
        .store
        .groups
        .iter()
        .find(|g| g.meta.id == r.origin_id)
        .is_some_and(|g| {
            g.group_types
                .iter()
                .any(|x| x.eq_ignore_ascii_case("Unified"))
        });
    if unified {
        "O365 Group"
    } else {
        "Security Group"
    }
}

impl Entity for Resource {
    fn type_name(_: Version) -> &'static str {
        "accessPackageResource"
    }
    fn navs(v: Version) -> &'static [&'static str] {
        pick(
            v,
            &[
                "accessPackageResourceScopes",
                "accessPackageResourceRoles",
                "accessPackageResourceEnvironment",
            ],
            &["roles", "scopes", "environment"],
        )
    }
    fn props(&self, t: &Tenant, v: Version) -> Map<String, Value> {
        let added = em_time(self.meta.created_ms);
        match v {
            Beta => obj(json!({
                "id": self.meta.id,
                "displayName": self.display_name,
                "description": opt(&self.description),
                "url": resource_url(t, self),
                "resourceType": resource_type(t, self),
                "originId": self.origin_id,
                "originSystem": "AadGroup",
                "isPendingOnboarding": false,
                "addedBy": self.added_by,
                "addedOn": added,
                "attributes": [],
            })),
            V1 => obj(json!({
                "id": self.meta.id,
                "displayName": self.display_name,
                "description": opt(&self.description),
                "originId": self.origin_id,
                "originSystem": "AadGroup",
                "createdDateTime": added,
                "modifiedDateTime": added,
                "attributes": [],
            })),
        }
    }
    fn nav(&self, t: &Tenant, v: Version, name: &str, sub: &Expand) -> Result<Value, GraphError> {
        match name {
            "accessPackageResourceRoles" | "roles" => {
                nav_list(RoleView::both(self, false).iter(), t, v, sub)
            }
            "accessPackageResourceScopes" | "scopes" => {
                nav_list([ScopeView { resource: self }].iter(), t, v, sub)
            }
            _ => Ok(Value::Null),
        }
    }
}

/// A resource's Member or Owner role. Listed through a catalog's resourceRoles Graph shows
/// the empty GUID as its id; expanded from the resource it shows the real one.
pub(crate) struct RoleView<'a> {
    pub resource: &'a Resource,
    pub kind: RoleKind,
    pub empty_id: bool,
}

impl<'a> RoleView<'a> {
    pub(crate) fn both(resource: &'a Resource, empty_id: bool) -> [RoleView<'a>; 2] {
        [
            RoleView {
                resource,
                kind: RoleKind::Member,
                empty_id,
            },
            RoleView {
                resource,
                kind: RoleKind::Owner,
                empty_id,
            },
        ]
    }
}

impl Entity for RoleView<'_> {
    fn type_name(_: Version) -> &'static str {
        "accessPackageResourceRole"
    }
    fn navs(v: Version) -> &'static [&'static str] {
        pick(v, &["accessPackageResource"], &["resource"])
    }
    fn props(&self, _: &Tenant, _: Version) -> Map<String, Value> {
        let id = if self.empty_id {
            EMPTY_GUID
        } else {
            self.resource.role_id(self.kind)
        };
        obj(json!({
            "id": id,
            "displayName": self.kind.name(),
            "description": null,
            "originSystem": "AadGroup",
            "originId": format!("{}_{}", self.kind.name(), self.resource.origin_id),
        }))
    }
    fn nav(&self, t: &Tenant, v: Version, _: &str, sub: &Expand) -> Result<Value, GraphError> {
        nav_one(Some(self.resource), t, v, sub)
    }
}

/// A resource's root scope.
pub(crate) struct ScopeView<'a> {
    pub resource: &'a Resource,
}

impl Entity for ScopeView<'_> {
    fn type_name(_: Version) -> &'static str {
        "accessPackageResourceScope"
    }
    fn navs(v: Version) -> &'static [&'static str] {
        pick(v, &["accessPackageResource"], &["resource"])
    }
    fn props(&self, _: &Tenant, _: Version) -> Map<String, Value> {
        obj(json!({
            "id": self.resource.scope_id,
            "displayName": "Root",
            "description": "Root Scope",
            "originId": self.resource.origin_id,
            "originSystem": "AadGroup",
            "isRootScope": true,
        }))
    }
    fn nav(&self, t: &Tenant, v: Version, _: &str, sub: &Expand) -> Result<Value, GraphError> {
        nav_one(Some(self.resource), t, v, sub)
    }
}

impl Entity for ResourceRequest {
    fn type_name(_: Version) -> &'static str {
        "accessPackageResourceRequest"
    }
    fn navs(v: Version) -> &'static [&'static str] {
        pick(v, &["accessPackageResource"], &["resource", "catalog"])
    }
    fn props(&self, _: &Tenant, v: Version) -> Map<String, Value> {
        match v {
            Beta => obj(json!({
                "id": self.meta.id,
                "catalogId": self.catalog_id,
                "executeImmediately": false,
                "requestType": if self.remove { "AdminRemove" } else { "AdminAdd" },
                "requestState": "Delivered",
                "requestStatus": "Fulfilled",
                "isValidationOnly": false,
                "expirationDateTime": null,
                "justification": opt(&self.justification),
            })),
            V1 => obj(json!({
                "id": self.meta.id,
                "requestType": if self.remove { "adminRemove" } else { "adminAdd" },
                "state": "delivered",
                "createdDateTime": em_time(self.meta.created_ms),
            })),
        }
    }
    fn nav(&self, t: &Tenant, v: Version, name: &str, sub: &Expand) -> Result<Value, GraphError> {
        if name == "catalog" {
            return nav_one(
                t.store
                    .catalogs
                    .iter()
                    .find(|c| c.meta.id == self.catalog_id),
                t,
                v,
                sub,
            );
        }
        let r = self
            .resource_id
            .as_ref()
            .and_then(|id| t.store.resources.iter().find(|r| &r.meta.id == id));
        nav_one(r, t, v, sub)
    }
}

impl Entity for AccessPackage {
    fn type_name(_: Version) -> &'static str {
        "accessPackage"
    }
    fn navs(v: Version) -> &'static [&'static str] {
        pick(
            v,
            &[
                "accessPackageCatalog",
                "accessPackageResourceRoleScopes",
                "accessPackageAssignmentPolicies",
            ],
            &["catalog", "resourceRoleScopes", "assignmentPolicies"],
        )
    }
    fn props(&self, _: &Tenant, v: Version) -> Map<String, Value> {
        let t = em_time(self.meta.created_ms);
        match v {
            Beta => obj(json!({
                "id": self.meta.id,
                "catalogId": self.catalog_id,
                "displayName": self.display_name,
                "description": opt(&self.description),
                "isHidden": self.is_hidden,
                "isRoleScopesVisible": false,
                "createdBy": self.created_by,
                "createdDateTime": t,
                "modifiedBy": self.created_by,
                "modifiedDateTime": t,
            })),
            V1 => obj(json!({
                "id": self.meta.id,
                "displayName": self.display_name,
                "description": opt(&self.description),
                "isHidden": self.is_hidden,
                "createdDateTime": t,
                "modifiedDateTime": t,
            })),
        }
    }
    fn nav(&self, t: &Tenant, v: Version, name: &str, sub: &Expand) -> Result<Value, GraphError> {
        let id = &self.meta.id;
        match name {
            "accessPackageCatalog" | "catalog" => nav_one(
                t.store
                    .catalogs
                    .iter()
                    .find(|c| c.meta.id == self.catalog_id),
                t,
                v,
                sub,
            ),
            "accessPackageResourceRoleScopes" | "resourceRoleScopes" => nav_list(
                t.store
                    .role_scopes
                    .iter()
                    .filter(|r| &r.access_package_id == id),
                t,
                v,
                sub,
            ),
            _ => nav_list(
                t.store
                    .policies
                    .iter()
                    .filter(|p| &p.access_package_id == id),
                t,
                v,
                sub,
            ),
        }
    }
}

impl Entity for RoleScope {
    fn type_name(_: Version) -> &'static str {
        "accessPackageResourceRoleScope"
    }
    fn navs(v: Version) -> &'static [&'static str] {
        pick(
            v,
            &["accessPackageResourceRole", "accessPackageResourceScope"],
            &["role", "scope"],
        )
    }
    fn props(&self, _: &Tenant, v: Version) -> Map<String, Value> {
        let t = em_time(self.meta.created_ms);
        match v {
            Beta => obj(json!({
                "id": self.meta.id,
                "createdBy": self.created_by,
                "createdDateTime": t,
                "modifiedBy": self.created_by,
                "modifiedDateTime": t,
            })),
            V1 => obj(json!({"id": self.meta.id, "createdDateTime": t})),
        }
    }
    fn nav(&self, t: &Tenant, v: Version, name: &str, sub: &Expand) -> Result<Value, GraphError> {
        let Some(r) = t
            .store
            .resources
            .iter()
            .find(|r| r.meta.id == self.resource_id)
        else {
            return Ok(Value::Null);
        };
        if name.ends_with("ole") {
            nav_one(
                Some(&RoleView {
                    resource: r,
                    kind: self.role,
                    empty_id: false,
                }),
                t,
                v,
                sub,
            )
        } else {
            nav_one(Some(&ScopeView { resource: r }), t, v, sub)
        }
    }
}

fn scope_names(s: &Scope) -> (&str, &str) {
    match s {
        Scope::AdminOnly => ("NoSubjects", "notSpecified"),
        Scope::Specific => ("SpecificDirectorySubjects", "specificDirectoryUsers"),
        Scope::AllMembers => ("AllExistingDirectoryMemberUsers", "allMemberUsers"),
        Scope::AllDirectory => ("AllExistingDirectorySubjects", "allDirectoryUsers"),
        Scope::External(b, v) => (b, v),
    }
}

pub(crate) fn parse_scope(s: &str) -> Option<Scope> {
    Some(match s.to_ascii_lowercase().as_str() {
        "nosubjects" | "notspecified" => Scope::AdminOnly,
        "specificdirectorysubjects" | "specificdirectoryusers" => Scope::Specific,
        "allexistingdirectorymemberusers" | "allmemberusers" => Scope::AllMembers,
        "allexistingdirectorysubjects" | "alldirectoryusers" => Scope::AllDirectory,
        "specificconnectedorganizationsubjects" | "specificconnectedorganizationusers" => {
            Scope::External(
                "SpecificConnectedOrganizationSubjects".into(),
                "specificConnectedOrganizationUsers".into(),
            )
        }
        "allconfiguredconnectedorganizationsubjects"
        | "allconfiguredconnectedorganizationusers" => Scope::External(
            "AllConfiguredConnectedOrganizationSubjects".into(),
            "allConfiguredConnectedOrganizationUsers".into(),
        ),
        "allexternalsubjects" | "allexternalusers" | "allexistingconnectedorganizationsubjects" => {
            Scope::External("AllExternalSubjects".into(), "allExternalUsers".into())
        }
        _ => return None,
    })
}

impl Entity for Policy {
    fn type_name(_: Version) -> &'static str {
        "accessPackageAssignmentPolicy"
    }
    fn navs(v: Version) -> &'static [&'static str] {
        pick(
            v,
            &["accessPackage", "accessPackageCatalog"],
            &["accessPackage", "catalog"],
        )
    }
    fn props(&self, _: &Tenant, v: Version) -> Map<String, Value> {
        let t = em_time(self.meta.created_ms);
        let (beta_scope, v1_scope) = scope_names(&self.scope);
        match v {
            Beta => {
                let requestors: Vec<Value> = self
                    .targets
                    .iter()
                    .map(|a| {
                        json!({
                            "@odata.type": if a.group { "#microsoft.graph.groupMembers" } else { "#microsoft.graph.singleUser" },
                            "isBackup": false,
                            "id": a.id,
                            "description": opt(&a.description),
                        })
                    })
                    .collect();
                let approval = self.beta_approval.clone().unwrap_or_else(|| {
                    json!({
                        "isApprovalRequired": self.approval_required,
                        "isApprovalRequiredForExtension": false,
                        "isRequestorJustificationRequired": false,
                        "approvalMode": if self.approval_required { "SingleStage" } else { "NoApproval" },
                        "approvalStages": [],
                    })
                });
                obj(json!({
                    "id": self.meta.id,
                    "accessPackageId": self.access_package_id,
                    "displayName": self.display_name,
                    "description": opt(&self.description),
                    "canExtend": self.can_extend,
                    "durationInDays": self.duration_days.unwrap_or(0),
                    "expirationDateTime": null,
                    "createdBy": self.created_by,
                    "createdDateTime": t,
                    "modifiedBy": self.created_by,
                    "modifiedDateTime": t,
                    "accessReviewSettings": self.beta_review,
                    "requestorSettings": {
                        "scopeType": beta_scope,
                        "acceptRequests": self.self_add,
                        "allowedRequestors": requestors,
                    },
                    "requestApprovalSettings": approval,
                    "questions": [],
                }))
            }
            V1 => {
                let targets: Vec<Value> = self
                    .targets
                    .iter()
                    .map(|a| {
                        if a.group {
                            json!({"@odata.type": "#microsoft.graph.groupMembers", "groupId": a.id, "description": opt(&a.description)})
                        } else {
                            json!({"@odata.type": "#microsoft.graph.singleUser", "userId": a.id, "description": opt(&a.description)})
                        }
                    })
                    .collect();
                let expiration = match self.duration_days {
                    Some(d) if d > 0 => {
                        json!({"endDateTime": null, "duration": format!("P{d}D"), "type": "afterDuration"})
                    }
                    _ => json!({"endDateTime": null, "duration": null, "type": "noExpiration"}),
                };
                obj(json!({
                    "id": self.meta.id,
                    "displayName": self.display_name,
                    "description": opt(&self.description),
                    "allowedTargetScope": v1_scope,
                    "specificAllowedTargets": targets,
                    "expiration": expiration,
                    "requestorSettings": {
                        "enableTargetsToSelfAddAccess": self.self_add,
                        "enableTargetsToSelfUpdateAccess": false,
                        "enableTargetsToSelfRemoveAccess": self.self_remove,
                        "allowCustomAssignmentSchedule": false,
                        "enableOnBehalfRequestorsToAddAccess": false,
                        "enableOnBehalfRequestorsToUpdateAccess": false,
                        "enableOnBehalfRequestorsToRemoveAccess": false,
                        "onBehalfRequestors": [],
                    },
                    "requestApprovalSettings": {
                        "isApprovalRequiredForAdd": self.approval_required,
                        "isApprovalRequiredForUpdate": false,
                        "stages": [],
                    },
                    "automaticRequestSettings": null,
                    "reviewSettings": null,
                    "createdDateTime": t,
                    "modifiedDateTime": t,
                }))
            }
        }
    }
    fn nav(&self, t: &Tenant, v: Version, name: &str, sub: &Expand) -> Result<Value, GraphError> {
        let p = t
            .store
            .packages
            .iter()
            .find(|p| p.meta.id == self.access_package_id);
        if name == "accessPackage" {
            return nav_one(p, t, v, sub);
        }
        let c = p.and_then(|p| t.store.catalogs.iter().find(|c| c.meta.id == p.catalog_id));
        nav_one(c, t, v, sub)
    }
}

/// A user as entitlement management sees it (accessPackageSubject).
pub(crate) struct Subject<'a>(pub &'a User);

impl Entity for Subject<'_> {
    fn type_name(_: Version) -> &'static str {
        "accessPackageSubject"
    }
    fn navs(_: Version) -> &'static [&'static str] {
        &[]
    }
    fn props(&self, _: &Tenant, v: Version) -> Map<String, Value> {
        let u = self.0;
        obj(json!({
            "id": u.subject_id,
            "objectId": u.meta.id,
            "displayName": u.display_name,
            "principalName": u.upn,
            "email": opt(&u.mail),
            "onPremisesSecurityIdentifier": null,
            "subjectType": if v == Beta { "User" } else { "user" },
        }))
    }
    fn nav(&self, _: &Tenant, _: Version, _: &str, _: &Expand) -> Result<Value, GraphError> {
        Ok(Value::Null)
    }
}

fn subject<'a>(t: &'a Tenant, user_id: &str) -> Option<Subject<'a>> {
    t.store
        .users
        .iter()
        .find(|u| u.meta.id == user_id)
        .map(Subject)
}

fn state_names(s: RequestState) -> (&'static str, &'static str, &'static str, &'static str) {
    // (beta requestState, beta requestStatus, v1.0 state, v1.0 status)
    match s {
        RequestState::Submitted => ("Submitted", "Accepted", "submitted", "Accepted"),
        RequestState::PendingApproval => (
            "PendingApproval",
            "PendingApproval",
            "pendingApproval",
            "PendingApproval",
        ),
        RequestState::Delivering => ("Delivering", "Delivering", "delivering", "Delivering"),
        RequestState::Delivered => ("Delivered", "Fulfilled", "delivered", "Delivered"),
        RequestState::DeliveryFailed => (
            "DeliveryFailed",
            "DeliveryFailed",
            "deliveryFailed",
            "DeliveryFailed",
        ),
    }
}

fn schedule(start: Option<u64>, end: Option<u64>) -> Value {
    json!({
        "startDateTime": start.map(em_time),
        "recurrence": null,
        "expiration": match end {
            Some(e) => json!({"endDateTime": em_time(e), "duration": null, "type": "afterDateTime"}),
            None => json!({"endDateTime": null, "duration": null, "type": "noExpiration"}),
        },
    })
}

impl Entity for AssignmentRequest {
    fn type_name(_: Version) -> &'static str {
        "accessPackageAssignmentRequest"
    }
    fn navs(v: Version) -> &'static [&'static str] {
        pick(
            v,
            &["accessPackage", "accessPackageAssignment", "requestor"],
            &["accessPackage", "assignment", "requestor"],
        )
    }
    fn props(&self, _: &Tenant, v: Version) -> Map<String, Value> {
        let (bs, bst, vs, vst) = state_names(self.state);
        let created = em_time(self.meta.created_ms);
        let completed = self.completed_ms.map(em_time);
        match v {
            Beta => obj(json!({
                "id": self.meta.id,
                "requestType": self.request_type.beta(),
                "requestState": bs,
                "requestStatus": bst,
                "createdDateTime": created,
                "completedDate": completed,
                "isValidationOnly": false,
                "expirationDateTime": null,
                "justification": opt(&self.justification),
                "answers": [],
                "customExtensionHandlerInstances": [],
            })),
            V1 => obj(json!({
                "id": self.meta.id,
                "requestType": self.request_type.v1(),
                "state": vs,
                "status": vst,
                "createdDateTime": created,
                "completedDateTime": completed,
                "justification": opt(&self.justification),
                "schedule": schedule(None, None),
                "answers": [],
                "customExtensionCalloutInstances": [],
            })),
        }
    }
    fn nav(&self, t: &Tenant, v: Version, name: &str, sub: &Expand) -> Result<Value, GraphError> {
        match name {
            "accessPackage" => nav_one(
                t.store
                    .packages
                    .iter()
                    .find(|p| p.meta.id == self.access_package_id),
                t,
                v,
                sub,
            ),
            "requestor" => nav_one(subject(t, &self.requestor_id).as_ref(), t, v, sub),
            _ => {
                let a = self
                    .assignment_id
                    .as_ref()
                    .and_then(|id| t.store.assignments.iter().find(|a| &a.meta.id == id));
                nav_one(a, t, v, sub)
            }
        }
    }
}

impl Entity for Assignment {
    fn type_name(_: Version) -> &'static str {
        "accessPackageAssignment"
    }
    fn navs(v: Version) -> &'static [&'static str] {
        pick(
            v,
            &[
                "accessPackage",
                "accessPackageAssignmentPolicy",
                "target",
                "accessPackageAssignmentResourceRoles",
                "accessPackageAssignmentRequests",
            ],
            &["accessPackage", "assignmentPolicy", "target"],
        )
    }
    fn props(&self, _: &Tenant, v: Version) -> Map<String, Value> {
        let expired = self.state == AssignmentState::Expired;
        let expired_at = if expired {
            self.end_ms.map(em_time)
        } else {
            None
        };
        let sched = schedule(Some(self.meta.created_ms), self.end_ms);
        match v {
            Beta => obj(json!({
                "id": self.meta.id,
                "catalogId": self.catalog_id,
                "accessPackageId": self.access_package_id,
                "assignmentPolicyId": self.policy_id,
                "targetId": self.target_id,
                "assignmentStatus": if expired { "ExpiredNotificationTriggered" } else { "Delivered" },
                "assignmentState": if expired { "Expired" } else { "Delivered" },
                "isExtended": false,
                "expiredDateTime": expired_at,
                "schedule": sched,
            })),
            V1 => obj(json!({
                "id": self.meta.id,
                "state": if expired { "expired" } else { "delivered" },
                "status": if expired { "ExpiredNotificationTriggered" } else { "Delivered" },
                "expiredDateTime": expired_at,
                "schedule": sched,
                "customExtensionCalloutInstances": [],
            })),
        }
    }
    fn nav(&self, t: &Tenant, v: Version, name: &str, sub: &Expand) -> Result<Value, GraphError> {
        match name {
            "accessPackage" => nav_one(
                t.store
                    .packages
                    .iter()
                    .find(|p| p.meta.id == self.access_package_id),
                t,
                v,
                sub,
            ),
            "accessPackageAssignmentPolicy" | "assignmentPolicy" => nav_one(
                t.store
                    .policies
                    .iter()
                    .find(|p| p.meta.id == self.policy_id),
                t,
                v,
                sub,
            ),
            "target" => nav_one(subject(t, &self.target_id).as_ref(), t, v, sub),
            "accessPackageAssignmentRequests" => nav_list(
                t.store
                    .requests
                    .iter()
                    .filter(|r| r.assignment_id.as_deref() == Some(self.meta.id.as_str())),
                t,
                v,
                sub,
            ),
            _ => {
                let roles: Vec<Value> = t
                    .store
                    .role_scopes
                    .iter()
                    .filter(|rs| rs.access_package_id == self.access_package_id)
                    .filter_map(|rs| t.store.resources.iter().find(|r| r.meta.id == rs.resource_id).map(|r| (rs, r)))
                    .map(|(rs, r)| {
                        json!({
                            "id": r.role_id(rs.role),
                            "originId": format!("{}_{}", rs.role.name(), r.origin_id),
                            "originSystem": "AadGroup",
                            "status": if self.state == AssignmentState::Delivered { "Fulfilled" } else { "Removed" },
                        })
                    })
                    .collect();
                Ok(Value::Array(roles))
            }
        }
    }
}

/// When an assignment made under `p` at `start` ends.
pub(crate) fn end_of(p: &Policy, start: u64) -> Option<u64> {
    p.duration_days
        .filter(|d| *d > 0)
        .map(|d| start.saturating_add(d.saturating_mul(DAY_MS)))
}
