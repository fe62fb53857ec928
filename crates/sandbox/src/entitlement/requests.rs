//! Assignment requests (add and remove access) and the assignments they produce.

use super::catalogs::{
    allowed, check_key, listable, CATALOG_ASSIGNMENTS, CATALOG_READ, EM_ADMINS, EM_READERS,
};
use super::packages::catalog_of;
use super::{em_rules, Set};
use crate::render;
use crate::reply::{GraphError, Outcome, Reply};
use crate::schema::Workload;
use crate::store::*;
use crate::target::Version;
use crate::tenant::{get_ci, guid_ref, obj_prop, str_prop, Ctx, Tenant};
use serde_json::Value;

pub(crate) fn list(t: &Tenant, cx: &Ctx) -> Outcome {
    let mine = listable(t, cx, EM_READERS, CATALOG_READ)?;
    render::list(
        t,
        cx,
        t.visible(&t.store.requests)
            .filter(|r| catalog_of(t, &r.access_package_id).is_some_and(|c| allowed(&mine, c))),
        &Set::Requests.path(cx.v),
        em_rules(),
    )
}

/// `filterByCurrentUser(on='target')` (or `'createdBy'`, `'approver'` for requests): the caller's own. `on`
/// arrives lowercased, as Graph matches it without regard to case.
pub(crate) fn list_mine(t: &Tenant, cx: &Ctx, on: &str, assignments: bool) -> Outcome {
    let me = cx.caller.user_id.as_str();
    let path = format!(
        "Collection(microsoft.graph.{})",
        if assignments {
            "accessPackageAssignment"
        } else {
            "accessPackageAssignmentRequest"
        }
    );
    match (on, assignments) {
        ("target", true) => render::list(
            t,
            cx,
            t.visible(&t.store.assignments)
                .filter(|a| a.target_id == me),
            &path,
            em_rules(),
        ),
        ("target", false) => render::list(
            t,
            cx,
            t.visible(&t.store.requests).filter(|r| r.target_id == me),
            &path,
            em_rules(),
        ),
        // The options Graph documents for requests: target, createdBy, approver (the sandbox models no
        // approvers, so that list is empty); for assignments: target.
        ("createdby", false) => render::list(
            t,
            cx,
            t.visible(&t.store.requests)
                .filter(|r| r.requestor_id == me),
            &path,
            em_rules(),
        ),
        ("approver", false) => render::list(
            t,
            cx,
            t.visible(&t.store.requests).filter(|_| false),
            &path,
            em_rules(),
        ),
        _ => Err(GraphError::bad_request(format!(
            "The value '{on}' of parameter 'on' is not supported."
        ))),
    }
}

/// `accessPackages/filterByCurrentUser(on='allowedRequestor')`: the packages the caller may ask for
/// themselves, those with a policy that accepts self-service requests from them. No administrator role is
/// needed: the list is the caller's own.
pub(crate) fn list_requestable(t: &Tenant, cx: &Ctx, on: &str) -> Outcome {
    if !on.eq_ignore_ascii_case("allowedRequestor") {
        return Err(GraphError::bad_request(format!(
            "The value '{on}' of parameter 'on' is not supported."
        )));
    }
    let me = cx.caller.user_id.as_str();
    let mine = |p: &&AccessPackage| {
        t.visible(&t.store.policies).any(|policy| {
            policy.access_package_id == p.meta.id && policy.self_add && in_scope(t, policy, me)
        })
    };
    render::list(
        t,
        cx,
        t.visible(&t.store.packages).filter(mine),
        "Collection(microsoft.graph.accessPackage)",
        em_rules(),
    )
}

pub(crate) fn get(t: &Tenant, cx: &Ctx, id: &str) -> Outcome {
    check_key(id)?;
    let r = t.find(&t.store.requests, id)?;
    // Requestors may read their own requests without an administrator role.
    if r.requestor_id != cx.caller.user_id && r.target_id != cx.caller.user_id {
        let catalog = catalog_of(t, &r.access_package_id);
        t.require_em(&cx.caller, EM_READERS, catalog, CATALOG_READ)?;
    }
    Ok(Reply::ok(render::entity(
        t,
        cx,
        r,
        &Set::Requests.path(cx.v),
    )?))
}

pub(crate) fn list_assignments(t: &Tenant, cx: &Ctx) -> Outcome {
    let mine = listable(t, cx, EM_READERS, CATALOG_READ)?;
    render::list(
        t,
        cx,
        t.visible(&t.store.assignments)
            .filter(|a| allowed(&mine, &a.catalog_id)),
        &Set::Assignments.path(cx.v),
        em_rules(),
    )
}

pub(crate) fn get_assignment(t: &Tenant, cx: &Ctx, id: &str) -> Outcome {
    check_key(id)?;
    let a = t.find(&t.store.assignments, id)?;
    if a.target_id != cx.caller.user_id {
        t.require_em(&cx.caller, EM_READERS, Some(&a.catalog_id), CATALOG_READ)?;
    }
    Ok(Reply::ok(render::entity(
        t,
        cx,
        a,
        &Set::Assignments.path(cx.v),
    )?))
}

/// The catalog an administrator's request is about: its package's (adding) or its assignment's (removing).
fn admin_catalog(t: &Tenant, assignment: &serde_json::Map<String, Value>) -> Option<String> {
    let text = |name: &str| {
        get_ci(assignment, name)
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    if let Some(package) = text("accessPackageId") {
        return catalog_of(t, &package).map(str::to_string);
    }
    let id = text("id")?;
    t.store
        .assignments
        .iter()
        .find(|a| a.meta.id.eq_ignore_ascii_case(&id))
        .map(|a| a.catalog_id.clone())
}

fn refused() -> GraphError {
    GraphError::bad_request("You don't meet policy requirements to request this entitlement.")
}

/// Whether `user` is among the people `p` lets in.
fn in_scope(t: &Tenant, p: &Policy, user: &str) -> bool {
    match &p.scope {
        Scope::AdminOnly | Scope::External(..) => false,
        Scope::AllMembers | Scope::AllDirectory => true,
        Scope::Specific => p.targets.iter().any(|a| {
            if a.group {
                t.store
                    .groups
                    .iter()
                    .any(|g| g.meta.id == a.id && g.members.iter().any(|m| m == user))
            } else {
                a.id == user
            }
        }),
    }
}

pub(crate) fn create(t: &mut Tenant, cx: &Ctx) -> Outcome {
    let b = cx.body_as(t, "accessPackageAssignmentRequest", Workload::Entitlement)?;
    let text = str_prop(&b, "requestType")?
        .ok_or_else(|| GraphError::bad_request("The requestType property is required."))?;
    let request_type = RequestType::parse(&text).ok_or_else(|| {
        GraphError::bad_request(format!("The request type '{text}' is not supported."))
    })?;
    if matches!(
        request_type,
        RequestType::AdminAdd | RequestType::AdminRemove
    ) {
        // EntitlementMgmt-SubjectAccess.ReadWrite is for a user's own requests only.
        crate::auth::need(&cx.caller, crate::auth::EM_WRITE)?;
        super::catalogs::may_try(t, cx, EM_ADMINS, CATALOG_ASSIGNMENTS)?;
    }
    let assignment = match obj_prop(&b, "accessPackageAssignment")? {
        Some(a) => a,
        None => obj_prop(&b, "assignment")?
            .ok_or_else(|| GraphError::bad_request("The assignment of the request is required (accessPackageAssignment or assignment)."))?,
    };
    let justification = str_prop(&b, "justification")?;
    let admin = matches!(
        request_type,
        RequestType::AdminAdd | RequestType::AdminRemove
    );
    if admin {
        // An administrator's request is for an administrator role, or for the assignment managers of the
        // package's catalog.
        let catalog = admin_catalog(t, assignment);
        t.require_em(
            &cx.caller,
            EM_ADMINS,
            catalog.as_deref(),
            CATALOG_ASSIGNMENTS,
        )?;
    }
    let req = if request_type.is_add() {
        let package_id = str_prop(assignment, "accessPackageId")?.ok_or_else(|| {
            GraphError::bad_request("The accessPackageId of the assignment is required.")
        })?;
        let policy_id = str_prop(assignment, "assignmentPolicyId")?.ok_or_else(|| {
            GraphError::bad_request("The assignmentPolicyId of the assignment is required.")
        })?;
        let target_id = match (str_prop(assignment, "targetId")?, request_type) {
            (Some(id), _) => id,
            (None, RequestType::UserAdd) => cx.caller.user_id.clone(),
            (None, _) => {
                if get_ci(assignment, "target").is_some() {
                    return Err(GraphError::bad_request("The sandbox assigns only users already in the directory; give their targetId."));
                }
                return Err(GraphError::bad_request(
                    "The targetId of the assignment is required.",
                ));
            }
        };
        for id in [&package_id, &policy_id, &target_id] {
            guid_ref(id)?;
        }
        let package_id = t.find(&t.store.packages, &package_id)?.meta.id.clone();
        let policy = t.find(&t.store.policies, &policy_id)?;
        let target_id = t.find(&t.store.users, &target_id)?.meta.id.clone();
        if policy.access_package_id != package_id {
            return Err(GraphError::bad_request(format!(
                "The policy '{}' does not belong to the access package '{package_id}'.",
                policy.meta.id
            )));
        }
        if request_type == RequestType::UserAdd {
            if target_id != cx.caller.user_id {
                return Err(GraphError::forbidden(
                    "A UserAdd request can only be made for the signed-in user.",
                ));
            }
            if !policy.self_add || !in_scope(t, policy, &target_id) {
                return Err(refused());
            }
        } else if policy.scope != Scope::AdminOnly && !in_scope(t, policy, &target_id) {
            return Err(refused());
        }
        let pending = t.store.requests.iter().any(|r| {
            r.request_type.is_add()
                && r.target_id == target_id
                && r.access_package_id == package_id
                && (r.state.in_progress() || r.state == RequestState::PendingApproval)
        });
        let assigned = t.store.assignments.iter().any(|a| {
            a.target_id == target_id
                && a.access_package_id == package_id
                && a.state == AssignmentState::Delivered
        });
        if pending || assigned {
            return Err(GraphError::bad_request(
                "There is already an existing open request or assignment for this target and access package.",
            ));
        }
        let state = if policy.approval_required {
            RequestState::PendingApproval
        } else {
            RequestState::Submitted
        };
        let policy_id = policy.meta.id.clone();
        AssignmentRequest {
            meta: Meta {
                id: t.new_id(),
                created_ms: t.now,
                seeded: false,
            },
            request_type,
            state,
            access_package_id: package_id,
            policy_id: Some(policy_id),
            target_id,
            assignment_id: None,
            requestor_id: cx.caller.user_id.clone(),
            justification,
            delivering_ms: t.now.saturating_add(t.delivery_delay_ms / 4),
            due_ms: t.now.saturating_add(t.delivery_delay_ms),
            completed_ms: None,
        }
    } else {
        let id = str_prop(assignment, "id")?.ok_or_else(|| {
            GraphError::bad_request("The id of the assignment to remove is required.")
        })?;
        guid_ref(&id)?;
        let a = t.find(&t.store.assignments, &id)?;
        if request_type == RequestType::UserRemove && a.target_id != cx.caller.user_id {
            return Err(GraphError::forbidden(
                "A UserRemove request can only remove the signed-in user's assignment.",
            ));
        }
        if a.state != AssignmentState::Delivered {
            return Err(GraphError::bad_request(
                "The assignment is not active and can not be removed.",
            ));
        }
        // A removal already on its way does not refuse another: a client that lost the answer to
        // the first (a reload, a timeout) may send it again, and both end delivered.
        AssignmentRequest {
            meta: Meta {
                id: String::new(),
                created_ms: t.now,
                seeded: false,
            },
            request_type,
            state: RequestState::Submitted,
            access_package_id: a.access_package_id.clone(),
            policy_id: Some(a.policy_id.clone()),
            target_id: a.target_id.clone(),
            assignment_id: Some(a.meta.id.clone()),
            requestor_id: cx.caller.user_id.clone(),
            justification,
            delivering_ms: t.now.saturating_add(t.delivery_delay_ms / 4),
            due_ms: t.now.saturating_add(t.delivery_delay_ms),
            completed_ms: None,
        }
    };
    let mut req = req;
    if req.meta.id.is_empty() {
        req.meta.id = t.new_id();
    }
    let mut body = render::created(t, cx.v, &req, &Set::Requests.path(cx.v))?;
    // The create answer precedes persistence: Graph shows no dates yet.
    body["createdDateTime"] = Value::Null;
    let completed = if cx.v == Version::Beta {
        "completedDate"
    } else {
        "completedDateTime"
    };
    body[completed] = Value::Null;
    t.store.requests.push(req);
    Ok(Reply::created(body))
}
