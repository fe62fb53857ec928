//! Access packages, the resource roles they grant, and their assignment policies.

use super::catalogs::{
    allowed, check_key, listable, may_try, resolve_resource, CATALOG_PACKAGES, CATALOG_READ,
    EM_ADMINS, EM_READERS,
};
use super::views::parse_scope;
use super::{em_rules, grant, grants, revoke_pairs, Set, EM};
use crate::render::{self, ListRules};
use crate::reply::{GraphError, Outcome, Reply};
use crate::schema::Workload;
use crate::store::*;
use crate::target::Version;
use crate::tenant::{bool_prop, get_ci, guid_ref, obj_prop, str_prop, Ctx, Tenant};
use serde_json::{Map, Value};

pub(crate) fn list(t: &Tenant, cx: &Ctx) -> Outcome {
    let mine = listable(t, cx, EM_READERS, CATALOG_READ)?;
    render::list(
        t,
        cx,
        t.visible(&t.store.packages)
            .filter(|p| allowed(&mine, &p.catalog_id)),
        &Set::AccessPackages.path(cx.v),
        em_rules(),
    )
}

/// The catalog an access package is in.
pub(crate) fn catalog_of<'t>(t: &'t Tenant, package_id: &str) -> Option<&'t str> {
    t.store
        .packages
        .iter()
        .find(|p| p.meta.id == package_id)
        .map(|p| p.catalog_id.as_str())
}

pub(crate) fn find<'t>(t: &'t Tenant, id: &str) -> Result<&'t AccessPackage, GraphError> {
    check_key(id)?;
    t.find(&t.store.packages, id)
}

pub(crate) fn get(t: &Tenant, cx: &Ctx, id: &str) -> Outcome {
    let p = find(t, id)?;
    t.require_em(&cx.caller, EM_READERS, Some(&p.catalog_id), CATALOG_READ)?;
    Ok(Reply::ok(render::entity(
        t,
        cx,
        p,
        &Set::AccessPackages.path(cx.v),
    )?))
}

/// `catalogId` (beta, and tolerated on v1.0) or `catalog: {id}` (v1.0).
fn nav_id(b: &Map<String, Value>, flat: &str, nav: &str) -> Result<Option<String>, GraphError> {
    if let Some(id) = str_prop(b, flat)? {
        return Ok(Some(id));
    }
    match obj_prop(b, nav)? {
        Some(o) => str_prop(o, "id"),
        None => Ok(None),
    }
}

pub(crate) fn create(t: &mut Tenant, cx: &Ctx) -> Outcome {
    may_try(t, cx, EM_ADMINS, CATALOG_PACKAGES)?;
    let b = cx.body_as(t, "accessPackage", Workload::Entitlement)?;
    let display_name = str_prop(&b, "displayName")?
        .ok_or_else(|| GraphError::bad_request("The displayName property is required."))?;
    let catalog_id = nav_id(&b, "catalogId", "catalog")?.ok_or_else(|| {
        GraphError::bad_request(
            "The catalog of the access package is required (catalogId or catalog.id).",
        )
    })?;
    guid_ref(&catalog_id)?;
    let catalog_id = t.find(&t.store.catalogs, &catalog_id)?.meta.id.clone();
    t.require_em(&cx.caller, EM_ADMINS, Some(&catalog_id), CATALOG_PACKAGES)?;
    let p = AccessPackage {
        meta: Meta {
            id: t.new_id(),
            created_ms: t.now,
            seeded: false,
        },
        catalog_id,
        display_name,
        description: str_prop(&b, "description")?,
        is_hidden: bool_prop(&b, "isHidden")?.unwrap_or(false),
        created_by: cx.caller.upn.clone(),
    };
    let body = render::created(t, cx.v, &p, &Set::AccessPackages.path(cx.v))?;
    t.store.packages.push(p);
    Ok(Reply::created(body))
}

pub(crate) fn delete(t: &mut Tenant, cx: &Ctx, id: &str) -> Outcome {
    let p = find(t, id)?;
    t.require_em(&cx.caller, EM_ADMINS, Some(&p.catalog_id), CATALOG_PACKAGES)?;
    let pid = p.meta.id.clone();
    let s = &mut t.store;
    if s.assignments.iter().any(|a| a.access_package_id == pid) {
        return Err(GraphError::bad_request(format!(
            "The access package '{pid}' can not be deleted because it has active assignments. Remove its assignments first."
        )));
    }
    s.packages.retain(|p| p.meta.id != pid);
    s.policies.retain(|p| p.access_package_id != pid);
    s.role_scopes.retain(|r| r.access_package_id != pid);
    s.requests.retain(|r| r.access_package_id != pid);
    Ok(Reply::NoContent)
}

fn role_scopes_path(cx: &Ctx, pid: &str) -> String {
    format!(
        "{EM}/accessPackages('{pid}')/{}",
        Set::RoleScopes.name(cx.v)
    )
}

pub(crate) fn list_role_scopes(t: &Tenant, cx: &Ctx, package_id: &str) -> Outcome {
    let p = find(t, package_id)?;
    t.require_em(&cx.caller, EM_READERS, Some(&p.catalog_id), CATALOG_READ)?;
    let pid = p.meta.id.clone();
    let items = t
        .visible(&t.store.role_scopes)
        .filter(|r| r.access_package_id == pid);
    render::list(t, cx, items, &role_scopes_path(cx, &pid), em_rules())
}

pub(crate) fn get_role_scope(t: &Tenant, cx: &Ctx, package_id: &str, id: &str) -> Outcome {
    let p = find(t, package_id)?;
    t.require_em(&cx.caller, EM_READERS, Some(&p.catalog_id), CATALOG_READ)?;
    let pid = p.meta.id.clone();
    let rs = t.find(&t.store.role_scopes, id)?;
    if rs.access_package_id != pid {
        return Err(GraphError::not_found(id));
    }
    Ok(Reply::ok(render::entity(
        t,
        cx,
        rs,
        &role_scopes_path(cx, &pid),
    )?))
}

pub(crate) fn create_role_scope(t: &mut Tenant, cx: &Ctx, package_id: &str) -> Outcome {
    let p = find(t, package_id)?;
    t.require_em(&cx.caller, EM_ADMINS, Some(&p.catalog_id), CATALOG_PACKAGES)?;
    let (pid, catalog_id) = (p.meta.id.clone(), p.catalog_id.clone());
    let b = cx.body_as(t, "accessPackageResourceRoleScope", Workload::Entitlement)?;
    let role = match obj_prop(&b, "accessPackageResourceRole")? {
        Some(r) => r,
        None => obj_prop(&b, "role")?.ok_or_else(|| {
            GraphError::bad_request("The role is required (accessPackageResourceRole or role).")
        })?,
    };
    let role_origin = str_prop(role, "originId")?;
    let role_name = str_prop(role, "displayName")?;
    let res = match obj_prop(role, "accessPackageResource")? {
        Some(r) => Some(r),
        None => obj_prop(role, "resource")?,
    };
    let res_id = res.map(|r| str_prop(r, "id")).transpose()?.flatten();
    let mut res_origin = res.map(|r| str_prop(r, "originId")).transpose()?.flatten();
    let kind_text = role_origin.clone().or(role_name).unwrap_or_default();
    let kind = if kind_text.to_ascii_lowercase().starts_with("owner") {
        RoleKind::Owner
    } else if kind_text.to_ascii_lowercase().starts_with("member") {
        RoleKind::Member
    } else {
        return Err(GraphError::bad_request(format!(
            "The role '{kind_text}' is not a role of an AadGroup resource (Member or Owner)."
        )));
    };
    if res_origin.is_none() {
        res_origin = role_origin
            .as_deref()
            .and_then(|o| o.split_once('_'))
            .map(|(_, g)| g.to_string());
    }
    let pos = resolve_resource(t, &catalog_id, res_id.as_deref(), res_origin.as_deref())?;
    let r = &t.store.resources[pos];
    if let Some(o) = &role_origin {
        if !o.eq_ignore_ascii_case(&format!("{}_{}", kind.name(), r.origin_id)) {
            return Err(GraphError::not_found(o));
        }
    }
    let id = format!("{}_{}", r.role_id(kind), r.scope_id);
    let rid = r.meta.id.clone();
    if t.store
        .role_scopes
        .iter()
        .any(|rs| rs.meta.id == id && rs.access_package_id == pid)
    {
        return Err(GraphError::bad_request(
            "The access package already has this resource role.",
        ));
    }
    let rs = RoleScope {
        meta: Meta {
            id,
            created_ms: t.now,
            seeded: false,
        },
        access_package_id: pid.clone(),
        resource_id: rid,
        role: kind,
        created_by: cx.caller.upn.clone(),
    };
    let body = render::created(t, cx.v, &rs, &role_scopes_path(cx, &pid))?;
    t.store.role_scopes.push(rs);
    // Existing assignments get the new role at once.
    let targets: Vec<String> = t
        .store
        .assignments
        .iter()
        .filter(|a| a.access_package_id == pid && a.state == AssignmentState::Delivered)
        .map(|a| a.target_id.clone())
        .collect();
    for target in targets {
        grant(&mut t.store, &pid, &target);
    }
    Ok(Reply::created(body))
}

pub(crate) fn delete_role_scope(t: &mut Tenant, cx: &Ctx, package_id: &str, id: &str) -> Outcome {
    let p = find(t, package_id)?;
    t.require_em(&cx.caller, EM_ADMINS, Some(&p.catalog_id), CATALOG_PACKAGES)?;
    let pid = p.meta.id.clone();
    let rs = t.find(&t.store.role_scopes, id)?;
    if rs.access_package_id != pid {
        return Err(GraphError::not_found(id));
    }
    let before = grants(&t.store, &pid);
    let rsid = rs.meta.id.clone();
    t.store
        .role_scopes
        .retain(|r| !(r.meta.id == rsid && r.access_package_id == pid));
    let after = grants(&t.store, &pid);
    let lost: Vec<_> = before.into_iter().filter(|g| !after.contains(g)).collect();
    let targets: Vec<String> = t
        .store
        .assignments
        .iter()
        .filter(|a| a.access_package_id == pid)
        .map(|a| a.target_id.clone())
        .collect();
    for target in targets {
        revoke_pairs(&mut t.store, &lost, &target);
    }
    Ok(Reply::NoContent)
}

pub(crate) fn list_policies(t: &Tenant, cx: &Ctx) -> Outcome {
    let mine = listable(t, cx, EM_READERS, CATALOG_READ)?;
    // Beta refuses to filter policies by their package id (use the package's $expand instead).
    let refused: &'static [&'static str] = if cx.v == Version::Beta {
        &["accesspackageid"]
    } else {
        &[]
    };
    let rules = ListRules {
        refused,
        ..em_rules()
    };
    render::list(
        t,
        cx,
        t.visible(&t.store.policies)
            .filter(|p| catalog_of(t, &p.access_package_id).is_some_and(|c| allowed(&mine, c))),
        &Set::Policies.path(cx.v),
        rules,
    )
}

pub(crate) fn find_policy<'t>(t: &'t Tenant, id: &str) -> Result<&'t Policy, GraphError> {
    check_key(id)?;
    t.find(&t.store.policies, id)
}

pub(crate) fn get_policy(t: &Tenant, cx: &Ctx, id: &str) -> Outcome {
    let p = find_policy(t, id)?;
    t.require_em(
        &cx.caller,
        EM_READERS,
        catalog_of(t, &p.access_package_id),
        CATALOG_READ,
    )?;
    Ok(Reply::ok(render::entity(
        t,
        cx,
        p,
        &Set::Policies.path(cx.v),
    )?))
}

/// Allowed requestors (beta) or specific allowed targets (v1.0).
fn parse_targets(t: &Tenant, list: Option<&Value>) -> Result<Vec<AllowedTarget>, GraphError> {
    let mut out = Vec::new();
    let items = match list {
        None | Some(Value::Null) => return Ok(out),
        Some(Value::Array(items)) => items,
        Some(_) => {
            return Err(GraphError::bad_request(
                "The allowed requestors must be a list.",
            ))
        }
    };
    for item in items {
        let Value::Object(o) = item else {
            return Err(GraphError::bad_request(
                "Each allowed requestor must be an object.",
            ));
        };
        let ty = str_prop(o, "@odata.type")?
            .unwrap_or_default()
            .to_ascii_lowercase();
        let group = if ty.ends_with("groupmembers") {
            true
        } else if ty.ends_with("singleuser") {
            false
        } else {
            return Err(GraphError::bad_request(format!(
                "The requestor type '{ty}' is not available in the sandbox; use singleUser or groupMembers."
            )));
        };
        let id = str_prop(o, "id")?
            .or(str_prop(o, if group { "groupId" } else { "userId" })?)
            .ok_or_else(|| GraphError::bad_request("Each allowed requestor needs an id."))?;
        guid_ref(&id)?;
        let id = if group {
            t.find(&t.store.groups, &id)?.meta.id.clone()
        } else {
            t.find(&t.store.users, &id)?.meta.id.clone()
        };
        out.push(AllowedTarget {
            group,
            id,
            description: str_prop(o, "description")?,
        });
    }
    Ok(out)
}

/// ISO-8601 `P30D` → 30 (whole days only, which is all policies use).
fn parse_days(s: &str) -> Option<u64> {
    s.strip_prefix('P')?.strip_suffix('D')?.parse().ok()
}

pub(crate) fn create_policy(t: &mut Tenant, cx: &Ctx) -> Outcome {
    may_try(t, cx, EM_ADMINS, CATALOG_PACKAGES)?;
    let b = cx.body_as(t, "accessPackageAssignmentPolicy", Workload::Entitlement)?;
    let display_name = str_prop(&b, "displayName")?
        .ok_or_else(|| GraphError::bad_request("The displayName property is required."))?;
    let package_id = nav_id(&b, "accessPackageId", "accessPackage")?.ok_or_else(|| {
        GraphError::bad_request(
            "The access package of the policy is required (accessPackageId or accessPackage.id).",
        )
    })?;
    guid_ref(&package_id)?;
    let package_id = t.find(&t.store.packages, &package_id)?.meta.id.clone();
    t.require_em(
        &cx.caller,
        EM_ADMINS,
        catalog_of(t, &package_id),
        CATALOG_PACKAGES,
    )?;
    let requestor = obj_prop(&b, "requestorSettings")?;
    let (scope, targets, self_add, self_remove);
    if let Some(text) = str_prop(&b, "allowedTargetScope")? {
        scope = parse_scope(&text).ok_or_else(|| {
            GraphError::bad_request(format!("Unknown allowedTargetScope '{text}'."))
        })?;
        targets = parse_targets(t, get_ci(&b, "specificAllowedTargets"))?;
        self_add = requestor
            .map(|r| bool_prop(r, "enableTargetsToSelfAddAccess"))
            .transpose()?
            .flatten()
            .unwrap_or(false);
        self_remove = requestor
            .map(|r| bool_prop(r, "enableTargetsToSelfRemoveAccess"))
            .transpose()?
            .flatten()
            .unwrap_or(false);
    } else {
        let text = requestor
            .map(|r| str_prop(r, "scopeType"))
            .transpose()?
            .flatten()
            .unwrap_or_else(|| "NoSubjects".into());
        scope = parse_scope(&text)
            .ok_or_else(|| GraphError::bad_request(format!("Unknown scopeType '{text}'.")))?;
        targets = parse_targets(t, requestor.and_then(|r| get_ci(r, "allowedRequestors")))?;
        self_add = requestor
            .map(|r| bool_prop(r, "acceptRequests"))
            .transpose()?
            .flatten()
            .unwrap_or(scope != Scope::AdminOnly);
        self_remove = self_add;
    }
    if scope == Scope::Specific && targets.is_empty() {
        return Err(GraphError::bad_request(
            "A policy scoped to specific users needs at least one allowed requestor.",
        ));
    }
    let approval = obj_prop(&b, "requestApprovalSettings")?;
    let approval_required = approval
        .map(|a| {
            Ok::<_, GraphError>(
                bool_prop(a, "isApprovalRequired")?.or(bool_prop(a, "isApprovalRequiredForAdd")?),
            )
        })
        .transpose()?
        .flatten()
        .unwrap_or(false);
    let duration_days = match get_ci(&b, "durationInDays") {
        Some(Value::Number(n)) => Some(n.as_u64().ok_or_else(|| {
            GraphError::bad_request("durationInDays must be a whole number of days.")
        })?),
        Some(Value::Null) | None => obj_prop(&b, "expiration")?
            .map(|e| str_prop(e, "duration"))
            .transpose()?
            .flatten()
            .map(|d| {
                parse_days(&d).ok_or_else(|| {
                    GraphError::bad_request(format!(
                        "Unsupported expiration duration '{d}'; use whole days such as P30D."
                    ))
                })
            })
            .transpose()?,
        Some(_) => {
            return Err(GraphError::bad_request(
                "durationInDays must be a whole number of days.",
            ))
        }
    };
    let p = Policy {
        meta: Meta {
            id: t.new_id(),
            created_ms: t.now,
            seeded: false,
        },
        access_package_id: package_id,
        display_name,
        description: str_prop(&b, "description")?,
        scope,
        targets,
        self_add,
        self_remove,
        approval_required,
        duration_days,
        can_extend: bool_prop(&b, "canExtend")?.unwrap_or(false),
        created_by: cx.caller.upn.clone(),
        beta_approval: if cx.v == Version::Beta {
            approval.map(|a| Value::Object(a.clone()))
        } else {
            None
        },
        beta_review: get_ci(&b, "accessReviewSettings")
            .cloned()
            .unwrap_or(Value::Null),
    };
    let body = render::created(t, cx.v, &p, &Set::Policies.path(cx.v))?;
    t.store.policies.push(p);
    Ok(Reply::created(body))
}

pub(crate) fn delete_policy(t: &mut Tenant, cx: &Ctx, id: &str) -> Outcome {
    let p = find_policy(t, id)?;
    t.require_em(
        &cx.caller,
        EM_ADMINS,
        catalog_of(t, &p.access_package_id),
        CATALOG_PACKAGES,
    )?;
    let pid = p.meta.id.clone();
    if t.store
        .assignments
        .iter()
        .any(|a| a.policy_id == pid && a.state == AssignmentState::Delivered)
    {
        return Err(GraphError::bad_request(format!(
            "The policy '{pid}' can not be deleted because there are active assignments. Remove them first."
        )));
    }
    t.store.policies.retain(|p| p.meta.id != pid);
    Ok(Reply::NoContent)
}
