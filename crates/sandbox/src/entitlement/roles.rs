//! Entitlement management's own roles (`roleManagement/entitlementManagement`): Catalog creator at the
//! root, and the catalog roles (owner, reader, access package manager, access package assignment manager)
//! scoped to one catalog with `appScopeId: /AccessPackageCatalog/{id}`. The catalog roles let a user with no
//! directory role manage one catalog; `Tenant::require_em` checks them beside the directory roles.
//! Source: rbacapplication-post-roleassignments (its entitlement management example) and "Delegation and
//! roles in entitlement management".

use super::catalogs::{CATALOG_OWNERS, EM_ADMINS, EM_READERS};
use crate::render::{self, ListRules};
use crate::reply::{GraphError, Outcome, Reply};
use crate::schema::Workload;
use crate::store::*;
use crate::tenant::{guid_ref, str_prop, Ctx, Tenant};

const DEFINITIONS: &str = "roleManagement/entitlementManagement/roleDefinitions";
const ASSIGNMENTS: &str = "roleManagement/entitlementManagement/roleAssignments";
const CATALOG_SCOPE: &str = "/AccessPackageCatalog/";

fn rules() -> ListRules {
    ListRules {
        refuse_or: true,
        ..crate::directory::dir_rules()
    }
}

pub(crate) fn list_definitions(t: &Tenant, cx: &Ctx) -> Outcome {
    render::list(
        t,
        cx,
        t.store.em_role_definitions.iter(),
        DEFINITIONS,
        rules(),
    )
}

pub(crate) fn get_definition(t: &Tenant, cx: &Ctx, id: &str) -> Outcome {
    let r = t
        .store
        .em_role_definitions
        .iter()
        .find(|r| r.id.eq_ignore_ascii_case(id))
        .ok_or_else(|| GraphError::not_found(id))?;
    Ok(Reply::ok(render::entity(t, cx, r, DEFINITIONS)?))
}

/// The catalog an assignment's scope names, if it names one.
fn scoped_catalog(app_scope_id: Option<&str>) -> Option<&str> {
    app_scope_id?.strip_prefix(CATALOG_SCOPE)
}

/// Administrators see every assignment; a catalog owner sees those of their catalogs.
pub(crate) fn list_assignments(t: &Tenant, cx: &Ctx) -> Outcome {
    let mine = super::catalogs::listable(t, cx, EM_READERS, CATALOG_OWNERS)?;
    let items = t.visible(&t.store.em_role_assignments).filter(|a| {
        mine.is_none()
            || scoped_catalog(a.app_scope_id.as_deref())
                .is_some_and(|c| super::catalogs::allowed(&mine, c))
    });
    render::list(t, cx, items, ASSIGNMENTS, rules())
}

pub(crate) fn get_assignment(t: &Tenant, cx: &Ctx, id: &str) -> Outcome {
    let a = t.find(&t.store.em_role_assignments, id)?;
    let catalog = scoped_catalog(a.app_scope_id.as_deref());
    t.require_em(&cx.caller, EM_READERS, catalog, CATALOG_OWNERS)?;
    Ok(Reply::ok(render::entity(t, cx, a, ASSIGNMENTS)?))
}

/// Gives a user one of entitlement management's roles: an administrator may give any, a catalog owner
/// the roles of their own catalog.
pub(crate) fn create_assignment(t: &mut Tenant, cx: &Ctx) -> Outcome {
    let b = cx.body_as(t, "unifiedRoleAssignment", Workload::Directory)?;
    let role = str_prop(&b, "roleDefinitionId")?
        .ok_or_else(|| GraphError::required("roleDefinitionId", "unifiedRoleAssignment"))?;
    let principal = str_prop(&b, "principalId")?
        .ok_or_else(|| GraphError::required("principalId", "unifiedRoleAssignment"))?;
    let scope = str_prop(&b, "appScopeId")?
        .ok_or_else(|| GraphError::required("appScopeId", "unifiedRoleAssignment"))?;
    guid_ref(&role)?;
    guid_ref(&principal)?;
    let role = t
        .store
        .em_role_definitions
        .iter()
        .find(|r| r.id.eq_ignore_ascii_case(&role))
        .map(|r| r.id)
        .ok_or_else(|| GraphError::not_found(&role))?;
    let catalog = match (scope.as_str(), scoped_catalog(Some(&scope))) {
        ("/", _) if role == CATALOG_CREATOR => None,
        ("/", _) => {
            return Err(GraphError::bad_request(
                "The role must be assigned at a catalog's scope: set appScopeId to /AccessPackageCatalog/{catalog id}.",
            ))
        }
        (_, Some(_)) if role == CATALOG_CREATOR => {
            return Err(GraphError::bad_request(
                "Catalog creator is assigned at the root scope: set appScopeId to /.",
            ))
        }
        (_, Some(id)) => {
            guid_ref(id)?;
            Some(t.find(&t.store.catalogs, id)?.meta.id.clone())
        }
        (other, None) => {
            return Err(GraphError::bad_request(format!(
                "The appScopeId '{other}' is not supported: use / or /AccessPackageCatalog/{{catalog id}}."
            )))
        }
    };
    t.require_em(&cx.caller, EM_ADMINS, catalog.as_deref(), CATALOG_OWNERS)?;
    let principal = t.find(&t.store.users, &principal)?.meta.id.clone();
    let app_scope_id = match &catalog {
        Some(id) => format!("{CATALOG_SCOPE}{id}"),
        None => "/".to_string(),
    };
    let taken = t.store.em_role_assignments.iter().any(|a| {
        a.principal_id == principal
            && a.role_definition_id == role
            && a.app_scope_id.as_deref() == Some(app_scope_id.as_str())
    });
    if taken {
        return Err(GraphError::bad_request(
            "A conflicting object with one or more of the specified property values is present in the directory.",
        ));
    }
    let a = RoleAssignment {
        meta: Meta {
            id: t.new_id(),
            created_ms: t.now,
            seeded: false,
        },
        role_definition_id: role.to_string(),
        principal_id: principal,
        directory_scope_id: "/".into(),
        app_scope_id: Some(app_scope_id),
    };
    let body = render::created(t, cx.v, &a, ASSIGNMENTS)?;
    t.store.em_role_assignments.push(a);
    Ok(Reply::created(body))
}

pub(crate) fn delete_assignment(t: &mut Tenant, cx: &Ctx, id: &str) -> Outcome {
    let a = t.find(&t.store.em_role_assignments, id)?;
    let catalog = scoped_catalog(a.app_scope_id.as_deref()).map(str::to_string);
    t.require_em(&cx.caller, EM_ADMINS, catalog.as_deref(), CATALOG_OWNERS)?;
    let id = a.meta.id.clone();
    t.store.em_role_assignments.retain(|a| a.meta.id != id);
    Ok(Reply::NoContent)
}
