//! Which handler answers a method and path, and which permissions it needs.

use crate::auth::{self, need};
use crate::deleted;
use crate::directory as dir;
use crate::entitlement::roles as em_roles;
use crate::entitlement::{catalogs, packages, requests, Set};
use crate::reply::{GraphError, Outcome};
use crate::target::Version;
use crate::tenant::{Ctx, Tenant};
use http::Method;

pub(crate) fn route(t: &mut Tenant, cx: &Ctx, method: &Method) -> Outcome {
    let orig = &cx.target.segments;
    let lower: Vec<String> = orig.iter().map(|s| s.to_ascii_lowercase()).collect();
    let l: Vec<&str> = lower.iter().map(String::as_str).collect();
    let c = &cx.caller;
    let m = method.clone();
    let get = Method::GET;
    let post = Method::POST;
    let del = Method::DELETE;
    let patch = Method::PATCH;
    match l.as_slice() {
        [] => Err(GraphError::bad_request(
            "Invalid request: the path names no resource.",
        )),
        ["me"] => match m {
            _ if m == get => need(c, auth::ME).and_then(|_| dir::me(t, cx)),
            _ => Err(GraphError::method_not_allowed("GET")),
        },
        ["organization"] => only_get(&m, || {
            need(c, auth::ORGANIZATION).and_then(|_| dir::organization(t, cx))
        }),
        ["domains"] => only_get(&m, || {
            need(c, auth::DOMAINS).and_then(|_| dir::domains(t, cx))
        }),
        ["domains", _] => only_get(&m, || {
            need(c, auth::DOMAINS).and_then(|_| dir::domain(t, cx, &orig[1]))
        }),
        ["users"] => {
            if m == get {
                need(c, auth::USER_READ).and_then(|_| dir::list_users(t, cx))
            } else if m == post {
                need(c, auth::USER_WRITE).and_then(|_| dir::create_user(t, cx))
            } else {
                Err(GraphError::method_not_allowed("GET, POST"))
            }
        }
        ["users", _] => {
            let id = &orig[1];
            if m == get {
                need(c, auth::USER_READ).and_then(|_| dir::get_user(t, cx, id))
            } else if m == patch {
                need(c, auth::USER_WRITE).and_then(|_| dir::update_user(t, cx, id))
            } else if m == del {
                need(c, auth::USER_WRITE).and_then(|_| dir::delete_user(t, cx, id))
            } else {
                Err(GraphError::method_not_allowed("GET, PATCH, DELETE"))
            }
        }
        ["groups"] => {
            if m == get {
                need(c, auth::GROUP_READ).and_then(|_| dir::list_groups(t, cx))
            } else if m == post {
                need(c, auth::GROUP_CREATE).and_then(|_| dir::create_group(t, cx))
            } else {
                Err(GraphError::method_not_allowed("GET, POST"))
            }
        }
        ["groups", _] => {
            let id = &orig[1];
            if m == get {
                need(c, auth::GROUP_READ).and_then(|_| dir::get_group(t, cx, id))
            } else if m == patch {
                need(c, auth::GROUP_WRITE).and_then(|_| dir::update_group(t, cx, id))
            } else if m == del {
                need(c, auth::GROUP_WRITE).and_then(|_| dir::delete_group(t, cx, id))
            } else {
                Err(GraphError::method_not_allowed("GET, PATCH, DELETE"))
            }
        }
        ["groups", _, list @ ("members" | "owners")] => only_get(&m, || {
            need(c, auth::GROUP_READ)
                .and_then(|_| dir::list_members(t, cx, &orig[1], *list == "owners"))
        }),
        ["groups", _, "members", "$ref"] => {
            if m == post {
                need(c, auth::MEMBER_WRITE).and_then(|_| dir::add_member(t, cx, &orig[1]))
            } else {
                Err(GraphError::method_not_allowed("POST"))
            }
        }
        ["groups", _, "members", _, "$ref"] => {
            if m == del {
                need(c, auth::MEMBER_WRITE)
                    .and_then(|_| dir::remove_member(t, cx, &orig[1], &orig[3]))
            } else {
                Err(GraphError::method_not_allowed("DELETE"))
            }
        }
        ["rolemanagement", "entitlementmanagement", "roledefinitions"] => only_get(&m, || {
            need(c, auth::EM_READ).and_then(|_| em_roles::list_definitions(t, cx))
        }),
        ["rolemanagement", "entitlementmanagement", "roledefinitions", _] => only_get(&m, || {
            need(c, auth::EM_READ).and_then(|_| em_roles::get_definition(t, cx, &orig[3]))
        }),
        ["rolemanagement", "entitlementmanagement", "roleassignments"] => {
            if m == get {
                need(c, auth::EM_READ).and_then(|_| em_roles::list_assignments(t, cx))
            } else if m == post {
                need(c, auth::EM_WRITE).and_then(|_| em_roles::create_assignment(t, cx))
            } else {
                Err(GraphError::method_not_allowed("GET, POST"))
            }
        }
        ["rolemanagement", "entitlementmanagement", "roleassignments", _] => {
            if m == get {
                need(c, auth::EM_READ).and_then(|_| em_roles::get_assignment(t, cx, &orig[3]))
            } else if m == del {
                need(c, auth::EM_WRITE).and_then(|_| em_roles::delete_assignment(t, cx, &orig[3]))
            } else {
                Err(GraphError::method_not_allowed("GET, DELETE"))
            }
        }
        ["rolemanagement", "directory", "roledefinitions"] => only_get(&m, || {
            need(c, auth::ROLE_READ).and_then(|_| dir::list_role_definitions(t, cx))
        }),
        ["rolemanagement", "directory", "roledefinitions", _] => only_get(&m, || {
            need(c, auth::ROLE_READ).and_then(|_| dir::get_role_definition(t, cx, &orig[3]))
        }),
        ["rolemanagement", "directory", "roleassignments"] => {
            if m == get {
                need(c, auth::ROLE_READ).and_then(|_| dir::list_role_assignments(t, cx))
            } else if m == post {
                need(c, auth::ROLE_WRITE).and_then(|_| dir::create_role_assignment(t, cx))
            } else {
                Err(GraphError::method_not_allowed("GET, POST"))
            }
        }
        ["rolemanagement", "directory", "roleassignments", _] => {
            if m == get {
                need(c, auth::ROLE_READ).and_then(|_| dir::get_role_assignment(t, cx, &orig[3]))
            } else if m == del {
                need(c, auth::ROLE_WRITE).and_then(|_| dir::delete_role_assignment(t, cx, &orig[3]))
            } else {
                Err(GraphError::method_not_allowed("GET, DELETE"))
            }
        }
        ["directory", "deleteditems"] => only_get(&m, || deleted::list(t, cx, None)),
        ["directory", "deleteditems", cast] if cast.starts_with("microsoft.graph.") => {
            only_get(&m, || deleted::list(t, cx, Some(cast)))
        }
        ["directory", "deleteditems", _] => {
            if m == get {
                deleted::get(t, cx, &orig[2])
            } else if m == del {
                deleted::delete(t, cx, &orig[2])
            } else {
                Err(GraphError::method_not_allowed("GET, DELETE"))
            }
        }
        ["directory", "deleteditems", _, "restore"] => {
            if m == post {
                deleted::restore(t, cx, &orig[2])
            } else {
                Err(GraphError::method_not_allowed("POST"))
            }
        }
        ["identitygovernance", "entitlementmanagement", ..] => {
            entitlement(t, cx, &m, &l[2..], &orig[2..]).map_err(GraphError::in_entitlement)
        }
        _ => Err(GraphError::segment(unknown_segment(&l, orig))),
    }
}

fn only_get(m: &Method, f: impl FnOnce() -> Outcome) -> Outcome {
    if m == Method::GET {
        f()
    } else {
        Err(GraphError::method_not_allowed("GET"))
    }
}

/// The first segment that names nothing, as Graph reports it.
fn unknown_segment<'a>(l: &[&str], orig: &'a [String]) -> &'a str {
    let known = [
        "me",
        "users",
        "groups",
        "organization",
        "domains",
        "rolemanagement",
        "identitygovernance",
        "directory",
    ];
    match l.first() {
        Some(first) if !known.contains(first) => &orig[0],
        _ => orig.last().map_or("", String::as_str),
    }
}

fn set_of(v: Version, name: &str) -> Option<Set> {
    use Set::*;
    let all = [
        Catalogs,
        Resources,
        ResourceRoles,
        ResourceScopes,
        ResourceRequests,
        AccessPackages,
        RoleScopes,
        Policies,
        Requests,
        Assignments,
    ];
    all.into_iter()
        .find(|s| s.name(v).eq_ignore_ascii_case(name))
}

/// `filterByCurrentUser(on='target')` → `target`.
fn current_user_filter(seg: &str) -> Option<String> {
    let inner = seg
        .strip_prefix("filterbycurrentuser(")?
        .strip_suffix(')')?;
    let (k, v) = inner.split_once('=')?;
    (k.trim() == "on").then(|| v.trim().trim_matches('\'').to_string())
}

fn entitlement(t: &mut Tenant, cx: &Ctx, m: &Method, l: &[&str], orig: &[String]) -> Outcome {
    use Set::*;
    let c = &cx.caller;
    let v = cx.v;
    let Some(first) = l.first() else {
        return Err(GraphError::bad_request(
            "Invalid request: the path names no entitlement-management resource.",
        ));
    };
    let set = set_of(v, first).ok_or_else(|| GraphError::segment(&orig[0]))?;
    let sub = l.get(2).map(|s| set_of(v, s));
    let is = |x: &Method| m == x;
    let (get, post, del) = (Method::GET, Method::POST, Method::DELETE);
    let write = |f: &mut dyn FnMut() -> Outcome| need(c, auth::EM_WRITE).and_then(|_| f());
    match (set, l.len(), sub) {
        (Catalogs, 1, _) if is(&get) => need(c, auth::EM_READ).and_then(|_| catalogs::list(t, cx)),
        (Catalogs, 1, _) if is(&post) => write(&mut || catalogs::create(t, cx)),
        (Catalogs, 1, _) => Err(GraphError::method_not_allowed("GET, POST")),
        (Catalogs, 2, _) if is(&get) => {
            need(c, auth::EM_READ).and_then(|_| catalogs::get(t, cx, &orig[1]))
        }
        (Catalogs, 2, _) if is(&del) => write(&mut || catalogs::delete(t, cx, &orig[1])),
        (Catalogs, 2, _) => Err(GraphError::method_not_allowed("GET, DELETE")),
        (Catalogs, 3, Some(Some(s @ (Resources | ResourceRoles | ResourceScopes)))) => {
            only_get(m, || {
                need(c, auth::EM_READ)?;
                match s {
                    Resources => catalogs::list_resources(t, cx, &orig[1]),
                    ResourceRoles => catalogs::list_roles(t, cx, &orig[1]),
                    _ => catalogs::list_scopes(t, cx, &orig[1]),
                }
            })
        }
        // Graph's metadata has this path but entitlement management does not serve it.
        (Catalogs, 4, Some(Some(Resources))) => Err(GraphError::no_http_resource(&cx.target.url())),
        (ResourceRequests, 1, _) if is(&get) => {
            need(c, auth::EM_READ).and_then(|_| catalogs::list_resource_requests(t, cx))
        }
        (ResourceRequests, 1, _) if is(&post) => {
            write(&mut || catalogs::create_resource_request(t, cx))
        }
        (ResourceRequests, 1, _) => Err(GraphError::method_not_allowed("GET, POST")),
        (ResourceRequests, 2, _) => only_get(m, || {
            need(c, auth::EM_READ).and_then(|_| catalogs::get_resource_request(t, cx, &orig[1]))
        }),
        (AccessPackages, 1, _) if is(&get) => {
            need(c, auth::EM_READ).and_then(|_| packages::list(t, cx))
        }
        (AccessPackages, 1, _) if is(&post) => write(&mut || packages::create(t, cx)),
        (AccessPackages, 1, _) => Err(GraphError::method_not_allowed("GET, POST")),
        (AccessPackages, 2, _) if is(&get) => match current_user_filter(l[1]) {
            Some(on) => need(c, auth::EM_MINE).and_then(|_| requests::list_requestable(t, cx, &on)),
            None => need(c, auth::EM_READ).and_then(|_| packages::get(t, cx, &orig[1])),
        },
        (AccessPackages, 2, _) if is(&del) => write(&mut || packages::delete(t, cx, &orig[1])),
        (AccessPackages, 2, _) => Err(GraphError::method_not_allowed("GET, DELETE")),
        (AccessPackages, 3, Some(Some(RoleScopes))) if is(&get) => {
            need(c, auth::EM_READ).and_then(|_| packages::list_role_scopes(t, cx, &orig[1]))
        }
        (AccessPackages, 3, Some(Some(RoleScopes))) if is(&post) => {
            write(&mut || packages::create_role_scope(t, cx, &orig[1]))
        }
        (AccessPackages, 3, Some(Some(RoleScopes))) => {
            Err(GraphError::method_not_allowed("GET, POST"))
        }
        (AccessPackages, 4, Some(Some(RoleScopes))) if is(&get) => {
            need(c, auth::EM_READ).and_then(|_| packages::get_role_scope(t, cx, &orig[1], &orig[3]))
        }
        (AccessPackages, 4, Some(Some(RoleScopes))) if is(&del) => {
            write(&mut || packages::delete_role_scope(t, cx, &orig[1], &orig[3]))
        }
        (AccessPackages, 4, Some(Some(RoleScopes))) => {
            Err(GraphError::method_not_allowed("GET, DELETE"))
        }
        (Policies, 1, _) if is(&get) => {
            need(c, auth::EM_READ).and_then(|_| packages::list_policies(t, cx))
        }
        (Policies, 1, _) if is(&post) => write(&mut || packages::create_policy(t, cx)),
        (Policies, 1, _) => Err(GraphError::method_not_allowed("GET, POST")),
        (Policies, 2, _) if is(&get) => {
            need(c, auth::EM_READ).and_then(|_| packages::get_policy(t, cx, &orig[1]))
        }
        (Policies, 2, _) if is(&del) => write(&mut || packages::delete_policy(t, cx, &orig[1])),
        (Policies, 2, _) => Err(GraphError::method_not_allowed("GET, DELETE")),
        (Requests, 1, _) if is(&get) => need(c, auth::EM_READ).and_then(|_| requests::list(t, cx)),
        (Requests, 1, _) if is(&post) => {
            need(c, auth::EM_REQUEST).and_then(|_| requests::create(t, cx))
        }
        (Requests, 1, _) => Err(GraphError::method_not_allowed("GET, POST")),
        (Requests | Assignments, 2, _) => {
            let assignments = matches!(set, Assignments);
            only_get(m, || match current_user_filter(l[1]) {
                Some(on) => need(c, auth::EM_MINE)
                    .and_then(|_| requests::list_mine(t, cx, &on, assignments)),
                None if assignments => {
                    need(c, auth::EM_MINE).and_then(|_| requests::get_assignment(t, cx, &orig[1]))
                }
                None => need(c, auth::EM_MINE).and_then(|_| requests::get(t, cx, &orig[1])),
            })
        }
        (Assignments, 1, _) => only_get(m, || {
            need(c, auth::EM_READ).and_then(|_| requests::list_assignments(t, cx))
        }),
        _ => Err(GraphError::segment(orig.last().map_or("", String::as_str))),
    }
}
