//! Catalogs, the resources in them (with their roles and scopes), and resource requests.

use super::views::{RoleView, ScopeView};
use super::{em_rules, Set, EM};
use crate::render;
use crate::reply::{GraphError, Outcome, Reply};
use crate::schema::Workload;
use crate::store::*;
use crate::tenant::{bool_prop, guid_ref, obj_prop, position, str_prop, Ctx, Tenant};

pub(crate) const EM_ADMINS: &[&str] = &[GLOBAL_ADMIN, IDENTITY_GOVERNANCE_ADMIN];
pub(crate) const EM_READERS: &[&str] = &[GLOBAL_ADMIN, IDENTITY_GOVERNANCE_ADMIN, GLOBAL_READER];

// Entitlement management's catalog roles, per "Delegation and roles in entitlement management" and the
// role tips of each API page: who may read a catalog, manage its access packages, manage their
// assignments, and add resources to it or delete it.
pub(crate) const CATALOG_READ: &[&str] = &[
    CATALOG_OWNER,
    CATALOG_READER,
    ACCESS_PACKAGE_MANAGER,
    ACCESS_PACKAGE_ASSIGNMENT_MANAGER,
];
pub(crate) const CATALOG_PACKAGES: &[&str] = &[CATALOG_OWNER, ACCESS_PACKAGE_MANAGER];
pub(crate) const CATALOG_ASSIGNMENTS: &[&str] = &[
    CATALOG_OWNER,
    ACCESS_PACKAGE_MANAGER,
    ACCESS_PACKAGE_ASSIGNMENT_MANAGER,
];
pub(crate) const CATALOG_OWNERS: &[&str] = &[CATALOG_OWNER];

/// The catalogs whose objects the caller may list: all of them for a directory role in `roles`, else
/// those they hold one of `catalog_roles` in (403 when none).
pub(crate) fn listable(
    t: &Tenant,
    cx: &Ctx,
    roles: &[&str],
    catalog_roles: &[&str],
) -> Result<Option<Vec<String>>, GraphError> {
    if t.caller_has_role(&cx.caller, roles) {
        return Ok(None);
    }
    let mine = t.catalogs_with_role(&cx.caller, catalog_roles);
    if mine.is_empty() {
        return Err(GraphError::insufficient_privileges());
    }
    Ok(Some(mine))
}

/// 403 at once, before the body is read, for a caller who holds none of `roles` and none of `catalog_roles`
/// on any catalog: what catalog the body names cannot matter then.
pub(crate) fn may_try(
    t: &Tenant,
    cx: &Ctx,
    roles: &[&str],
    catalog_roles: &[&str],
) -> Result<(), GraphError> {
    if t.caller_has_role(&cx.caller, roles)
        || !t.catalogs_with_role(&cx.caller, catalog_roles).is_empty()
    {
        Ok(())
    } else {
        Err(GraphError::insufficient_privileges())
    }
}

/// Whether a catalog is among `allowed` (`None`: all).
pub(crate) fn allowed(allowed: &Option<Vec<String>>, catalog_id: &str) -> bool {
    allowed
        .as_ref()
        .is_none_or(|ids| ids.iter().any(|c| c.eq_ignore_ascii_case(catalog_id)))
}

/// Entitlement-management ids in the path must be GUIDs.
pub(crate) fn check_key(id: &str) -> Result<(), GraphError> {
    if crate::ids::is_guid(id) {
        Ok(())
    } else {
        Err(GraphError::bad_request(format!(
            "Invalid key '{id}': Unrecognized Guid format."
        )))
    }
}

pub(crate) fn list(t: &Tenant, cx: &Ctx) -> Outcome {
    let mine = listable(t, cx, EM_READERS, CATALOG_READ)?;
    render::list(
        t,
        cx,
        t.visible(&t.store.catalogs)
            .filter(|c| allowed(&mine, &c.meta.id)),
        &Set::Catalogs.path(cx.v),
        em_rules(),
    )
}

pub(crate) fn find<'t>(t: &'t Tenant, id: &str) -> Result<&'t Catalog, GraphError> {
    check_key(id)?;
    t.find(&t.store.catalogs, id)
}

pub(crate) fn get(t: &Tenant, cx: &Ctx, id: &str) -> Outcome {
    let c = find(t, id)?;
    t.require_em(&cx.caller, EM_READERS, Some(&c.meta.id), CATALOG_READ)?;
    Ok(Reply::ok(render::entity(
        t,
        cx,
        c,
        &Set::Catalogs.path(cx.v),
    )?))
}

pub(crate) fn create(t: &mut Tenant, cx: &Ctx) -> Outcome {
    t.require_em(&cx.caller, EM_ADMINS, None, &[CATALOG_CREATOR])?;
    let b = cx.body_as(t, "accessPackageCatalog", Workload::Entitlement)?;
    let display_name = str_prop(&b, "displayName")?
        .ok_or_else(|| GraphError::bad_request("The displayName property is required."))?;
    if t.store
        .catalogs
        .iter()
        .any(|c| c.display_name.eq_ignore_ascii_case(&display_name))
    {
        return Err(GraphError::bad_request(format!(
            "A catalog with the name '{display_name}' already exists."
        )));
    }
    let state = str_prop(&b, "catalogStatus")?.or(str_prop(&b, "state")?);
    let c = Catalog {
        meta: Meta {
            id: t.new_id(),
            created_ms: t.now,
            seeded: false,
        },
        display_name,
        description: str_prop(&b, "description")?,
        built_in: false,
        published: state.is_none_or(|s| s.eq_ignore_ascii_case("published")),
        externally_visible: bool_prop(&b, "isExternallyVisible")?.unwrap_or(true),
        created_by: cx.caller.upn.clone(),
    };
    let body = render::created(t, cx.v, &c, &Set::Catalogs.path(cx.v))?;
    // A catalog creator who is no administrator becomes the new catalog's first owner, as entitlement
    // management does, or they could not manage what they made.
    if !t.caller_has_role(&cx.caller, EM_ADMINS) {
        let owner = RoleAssignment {
            meta: Meta {
                id: t.new_id(),
                created_ms: t.now,
                seeded: false,
            },
            role_definition_id: CATALOG_OWNER.into(),
            principal_id: cx.caller.user_id.clone(),
            directory_scope_id: "/".into(),
            app_scope_id: Some(format!("/AccessPackageCatalog/{}", c.meta.id)),
        };
        t.store.em_role_assignments.push(owner);
    }
    t.store.catalogs.push(c);
    Ok(Reply::created(body))
}

pub(crate) fn delete(t: &mut Tenant, cx: &Ctx, id: &str) -> Outcome {
    let c = find(t, id)?;
    t.require_em(&cx.caller, EM_ADMINS, Some(&c.meta.id), CATALOG_OWNERS)?;
    if c.built_in {
        return Err(GraphError::bad_request(
            "The built-in catalog can not be deleted.",
        ));
    }
    let cid = c.meta.id.clone();
    if t.store.packages.iter().any(|p| p.catalog_id == cid) {
        return Err(GraphError::bad_request(format!(
            "The catalog '{}' can not be deleted because it still contains access packages.",
            c.display_name
        )));
    }
    t.store.catalogs.retain(|c| c.meta.id != cid);
    let scope = format!("/AccessPackageCatalog/{cid}");
    t.store
        .em_role_assignments
        .retain(|a| a.app_scope_id.as_deref() != Some(scope.as_str()));
    t.store.resources.retain(|r| r.catalog_id != cid);
    t.store.resource_requests.retain(|r| r.catalog_id != cid);
    Ok(Reply::NoContent)
}

fn catalog_path(cx: &Ctx, catalog_id: &str, set: Set) -> String {
    format!(
        "{EM}/{}('{catalog_id}')/{}",
        Set::Catalogs.name(cx.v),
        set.name(cx.v)
    )
}

pub(crate) fn list_resources(t: &Tenant, cx: &Ctx, catalog_id: &str) -> Outcome {
    let cid = find(t, catalog_id)?.meta.id.clone();
    t.require_em(&cx.caller, EM_READERS, Some(&cid), CATALOG_READ)?;
    let items = t
        .visible(&t.store.resources)
        .filter(|r| r.catalog_id == cid);
    render::list(
        t,
        cx,
        items,
        &catalog_path(cx, &cid, Set::Resources),
        em_rules(),
    )
}

pub(crate) fn list_roles(t: &Tenant, cx: &Ctx, catalog_id: &str) -> Outcome {
    let cid = find(t, catalog_id)?.meta.id.clone();
    t.require_em(&cx.caller, EM_READERS, Some(&cid), CATALOG_READ)?;
    // A catalog's roles are listed per origin system: the filter must name one.
    let names_origin = cx.query.filter.as_ref().is_some_and(|f| {
        f.comparisons()
            .iter()
            .any(|(path, _)| path.len() == 1 && path[0].eq_ignore_ascii_case("originSystem"))
    });
    if !names_origin {
        return Err(GraphError::bad_request("Origin system is required."));
    }
    let roles: Vec<RoleView> = t
        .visible(&t.store.resources)
        .filter(|r| r.catalog_id == cid)
        .flat_map(|r| RoleView::both(r, true))
        .collect();
    render::list(
        t,
        cx,
        roles.iter(),
        &catalog_path(cx, &cid, Set::ResourceRoles),
        em_rules(),
    )
}

pub(crate) fn list_scopes(t: &Tenant, cx: &Ctx, catalog_id: &str) -> Outcome {
    let cid = find(t, catalog_id)?.meta.id.clone();
    t.require_em(&cx.caller, EM_READERS, Some(&cid), CATALOG_READ)?;
    let scopes: Vec<ScopeView> = t
        .visible(&t.store.resources)
        .filter(|r| r.catalog_id == cid)
        .map(|r| ScopeView { resource: r })
        .collect();
    render::list(
        t,
        cx,
        scopes.iter(),
        &catalog_path(cx, &cid, Set::ResourceScopes),
        em_rules(),
    )
}

pub(crate) fn list_resource_requests(t: &Tenant, cx: &Ctx) -> Outcome {
    t.require_role(&cx.caller, EM_READERS)?;
    render::list(
        t,
        cx,
        t.visible(&t.store.resource_requests),
        &Set::ResourceRequests.path(cx.v),
        em_rules(),
    )
}

pub(crate) fn get_resource_request(t: &Tenant, cx: &Ctx, id: &str) -> Outcome {
    t.require_role(&cx.caller, EM_READERS)?;
    check_key(id)?;
    let r = t.find(&t.store.resource_requests, id)?;
    Ok(Reply::ok(render::entity(
        t,
        cx,
        r,
        &Set::ResourceRequests.path(cx.v),
    )?))
}

/// Add a group to a catalog (`AdminAdd`) or take it out (`AdminRemove`). Synchronous, as in Graph.
pub(crate) fn create_resource_request(t: &mut Tenant, cx: &Ctx) -> Outcome {
    may_try(t, cx, EM_ADMINS, CATALOG_OWNERS)?;
    let b = cx.body_as(t, "accessPackageResourceRequest", Workload::Entitlement)?;
    let request_type = str_prop(&b, "requestType")?
        .ok_or_else(|| GraphError::bad_request("The requestType property is required."))?;
    let remove = match request_type.to_ascii_lowercase().as_str() {
        "adminadd" => false,
        "adminremove" => true,
        _ => {
            return Err(GraphError::bad_request(format!(
                "The request type '{request_type}' is not supported for resource requests."
            )))
        }
    };
    let catalog_id = match str_prop(&b, "catalogId")? {
        Some(id) => id,
        None => obj_prop(&b, "catalog")?
            .map(|c| str_prop(c, "id"))
            .transpose()?
            .flatten()
            .ok_or_else(|| {
                GraphError::bad_request(
                    "The catalog of the request is required (catalogId or catalog.id).",
                )
            })?,
    };
    guid_ref(&catalog_id)?;
    let catalog_id = t.find(&t.store.catalogs, &catalog_id)?.meta.id.clone();
    // Adding or removing a catalog's resources is its owners' (or an administrator's) business.
    t.require_em(&cx.caller, EM_ADMINS, Some(&catalog_id), CATALOG_OWNERS)?;
    let res = match obj_prop(&b, "accessPackageResource")? {
        Some(r) => r,
        None => obj_prop(&b, "resource")?.ok_or_else(|| {
            GraphError::bad_request(
                "The resource of the request is required (accessPackageResource or resource).",
            )
        })?,
    };
    let origin_system = str_prop(res, "originSystem")?;
    let origin_id = str_prop(res, "originId")?;
    let resource_id = str_prop(res, "id")?;
    if let Some(sys) = &origin_system {
        if !sys.eq_ignore_ascii_case("AadGroup") {
            return Err(GraphError::bad_request(format!(
                "The origin system '{sys}' is not available in the sandbox; it supports AadGroup resources."
            )));
        }
    }
    let justification = str_prop(&b, "justification")?;
    if remove {
        return remove_resource(t, cx, catalog_id, origin_id, resource_id, justification);
    }
    if origin_system.is_none() {
        return Err(GraphError::bad_request(
            "The originSystem of the resource is required.",
        ));
    }
    let origin_id = origin_id
        .ok_or_else(|| GraphError::bad_request("The originId of the resource is required."))?;
    guid_ref(&origin_id)?;
    let group = t.find(&t.store.groups, &origin_id)?;
    let gid = group.meta.id.clone();
    // Adding a group needs ownership of it or a role that can manage groups.
    if !group.owners.contains(&cx.caller.user_id)
        && !t.caller_has_role(&cx.caller, &[GLOBAL_ADMIN, GROUPS_ADMIN, USER_ADMIN])
    {
        return Err(GraphError::forbidden(
            "Insufficient privileges to complete the operation. To add a group to a catalog the signed-in user must own the group or be a Groups Administrator, User Administrator or Global Administrator.",
        ));
    }
    if t.store
        .resources
        .iter()
        .any(|r| r.catalog_id == catalog_id && r.origin_id == gid)
    {
        return Err(GraphError::bad_request(format!(
            "The resource '{gid}' is already part of the catalog '{catalog_id}'."
        )));
    }
    let (display_name, description) = (group.display_name.clone(), group.description.clone());
    let meta = |t: &mut Tenant| Meta {
        id: t.new_id(),
        created_ms: t.now,
        seeded: false,
    };
    let resource = Resource {
        meta: meta(t),
        catalog_id: catalog_id.clone(),
        origin_id: gid.clone(),
        display_name,
        description,
        added_by: cx.caller.upn.clone(),
        member_role_id: t.new_id(),
        owner_role_id: t.new_id(),
        scope_id: t.new_id(),
    };
    let request = ResourceRequest {
        meta: meta(t),
        catalog_id,
        resource_id: Some(resource.meta.id.clone()),
        origin_id: gid,
        remove: false,
        justification,
    };
    t.store.resources.push(resource);
    let body = render::created(t, cx.v, &request, &Set::ResourceRequests.path(cx.v))?;
    t.store.resource_requests.push(request);
    Ok(Reply::created(body))
}

fn remove_resource(
    t: &mut Tenant,
    cx: &Ctx,
    catalog_id: String,
    origin_id: Option<String>,
    resource_id: Option<String>,
    justification: Option<String>,
) -> Outcome {
    let pos = t.store.resources.iter().position(|r| {
        r.catalog_id == catalog_id
            && (resource_id
                .as_deref()
                .is_some_and(|id| r.meta.id.eq_ignore_ascii_case(id))
                || origin_id
                    .as_deref()
                    .is_some_and(|id| r.origin_id.eq_ignore_ascii_case(id)))
    });
    let key = resource_id.or(origin_id).unwrap_or_default();
    let pos = pos.ok_or_else(|| GraphError::not_found(&key))?;
    let r = &t.store.resources[pos];
    if t.lagging(r) {
        return Err(GraphError::not_found(&key).lagged());
    }
    if t.store
        .role_scopes
        .iter()
        .any(|rs| rs.resource_id == r.meta.id)
    {
        return Err(GraphError::new(
            400,
            "InvalidDeleteResourceHasEntitlements",
            format!(
                "The resource: {} can not be deleted because there are active entitlements.",
                r.display_name
            ),
        ));
    }
    let r = t.store.resources.remove(pos);
    let request = ResourceRequest {
        meta: Meta {
            id: t.new_id(),
            created_ms: t.now,
            seeded: false,
        },
        catalog_id,
        resource_id: None,
        origin_id: r.origin_id.clone(),
        remove: true,
        justification,
    };
    // The add request's record goes with the resource it created.
    t.store
        .resource_requests
        .retain(|q| q.resource_id.as_deref() != Some(r.meta.id.as_str()));
    let body = render::created(t, cx.v, &request, &Set::ResourceRequests.path(cx.v))?;
    t.store.resource_requests.push(request);
    Ok(Reply::created(body))
}

/// The resource in `catalog_id` a role-scope body points at.
pub(crate) fn resolve_resource(
    t: &Tenant,
    catalog_id: &str,
    id: Option<&str>,
    origin_id: Option<&str>,
) -> Result<usize, GraphError> {
    let by_id = id.filter(|i| *i != crate::ids::EMPTY_GUID);
    let pos = match (by_id, origin_id) {
        (Some(id), _) => {
            guid_ref(id)?;
            position(&t.store.resources, id).ok_or_else(|| GraphError::not_found(id))?
        }
        (None, Some(o)) => t
            .store
            .resources
            .iter()
            .position(|r| r.origin_id.eq_ignore_ascii_case(o) && r.catalog_id == catalog_id)
            .ok_or_else(|| GraphError::not_found(o))?,
        (None, None) => {
            return Err(GraphError::bad_request(
                "The resource of the role is required (its id or originId).",
            ))
        }
    };
    let r = &t.store.resources[pos];
    if t.lagging(r) {
        return Err(GraphError::not_found(&r.meta.id).lagged());
    }
    if r.catalog_id != catalog_id {
        return Err(GraphError::bad_request(format!(
            "The resource '{}' is not in the access package's catalog.",
            r.meta.id
        )));
    }
    Ok(pos)
}
