//! The directory's deleted items: users and groups stay restorable for 30 days after a delete.

use crate::auth::{self, need};
use crate::clock::{dir_time, DAY_MS};
use crate::reply::{GraphError, Outcome, Reply};
use crate::store::{GLOBAL_ADMIN, GROUPS_ADMIN, USER_ADMIN};
use crate::tenant::{Ctx, Tenant};
use serde_json::{json, Value};

/// How long Entra keeps a deleted user or group before it deletes it for good.
pub(crate) const RETENTION_MS: u64 = 30 * DAY_MS;

const USER_CAST: &str = "microsoft.graph.user";
const GROUP_CAST: &str = "microsoft.graph.group";

/// Delete for good what has been in deleted items for 30 days.
pub(crate) fn purge(t: &mut Tenant) {
    let now = t.now;
    let expired: Vec<String> = t
        .store
        .deleted_users
        .iter()
        .map(|(u, at)| (u.meta.id.clone(), *at))
        .chain(
            t.store
                .deleted_groups
                .iter()
                .map(|(g, at)| (g.meta.id.clone(), *at)),
        )
        .filter(|(_, at)| now.saturating_sub(*at) >= RETENTION_MS)
        .map(|(id, _)| id)
        .collect();
    for id in expired {
        forget(t, &id);
    }
}

/// Remove a deleted user or group for good, with what referred to it.
fn forget(t: &mut Tenant, id: &str) {
    let s = &mut t.store;
    s.deleted_users.retain(|(u, _)| u.meta.id != id);
    s.deleted_groups.retain(|(g, _)| g.meta.id != id);
    for g in &mut s.groups {
        g.members.retain(|m| m != id);
        g.owners.retain(|m| m != id);
    }
    s.role_assignments.retain(|a| a.principal_id != id);
    s.em_role_assignments.retain(|a| a.principal_id != id);
    s.assignments.retain(|a| a.target_id != id);
    let gone: Vec<String> = s
        .resources
        .iter()
        .filter(|r| r.origin_id == id)
        .map(|r| r.meta.id.clone())
        .collect();
    s.role_scopes.retain(|rs| !gone.contains(&rs.resource_id));
    s.resources.retain(|r| r.origin_id != id);
    s.resource_requests.retain(|r| r.origin_id != id);
}

enum Kind {
    User(usize),
    Group(usize),
}

fn locate(t: &Tenant, id: &str) -> Result<Kind, GraphError> {
    if let Some(i) = t
        .store
        .deleted_users
        .iter()
        .position(|(u, _)| u.meta.id.eq_ignore_ascii_case(id))
    {
        return Ok(Kind::User(i));
    }
    t.store
        .deleted_groups
        .iter()
        .position(|(g, _)| g.meta.id.eq_ignore_ascii_case(id))
        .map(Kind::Group)
        .ok_or_else(|| GraphError::not_found(id))
}

/// Permissions and roles per type: users need user rights, groups group rights.
fn allowed(t: &Tenant, cx: &Ctx, kind: &Kind, write: bool) -> Result<(), GraphError> {
    match (kind, write) {
        (Kind::User(_), false) => need(&cx.caller, auth::USER_READ),
        (Kind::Group(_), false) => need(&cx.caller, auth::GROUP_READ),
        (Kind::User(_), true) => {
            need(&cx.caller, auth::USER_WRITE)?;
            t.require_role(&cx.caller, &[GLOBAL_ADMIN, USER_ADMIN])
        }
        (Kind::Group(_), true) => {
            need(&cx.caller, auth::GROUP_WRITE)?;
            t.require_role(&cx.caller, &[GLOBAL_ADMIN, GROUPS_ADMIN, USER_ADMIN])
        }
    }
}

/// A deleted object as Graph shows it: its type, its properties, and when it was deleted.
fn render(t: &Tenant, cx: &Ctx, kind: &Kind) -> Result<Value, GraphError> {
    let (mut body, at, ty) = match *kind {
        Kind::User(i) => {
            let (u, at) = &t.store.deleted_users[i];
            (
                crate::render::entity(t, cx, u, "directory/deletedItems")?,
                *at,
                "user",
            )
        }
        Kind::Group(i) => {
            let (g, at) = &t.store.deleted_groups[i];
            (
                crate::render::entity(t, cx, g, "directory/deletedItems")?,
                *at,
                "group",
            )
        }
    };
    if let Value::Object(m) = &mut body {
        m.insert(
            "@odata.type".into(),
            json!(format!("#microsoft.graph.{ty}")),
        );
        if m.contains_key("deletedDateTime") || cx.query.select.is_none() {
            m.insert("deletedDateTime".into(), json!(dir_time(at)));
        }
    }
    Ok(body)
}

/// `GET directory/deletedItems/microsoft.graph.user` (or `.group`): the cast is required.
pub(crate) fn list(t: &Tenant, cx: &Ctx, cast: Option<&str>) -> Outcome {
    let users = match cast {
        Some(c) if c.eq_ignore_ascii_case(USER_CAST) => true,
        Some(c) if c.eq_ignore_ascii_case(GROUP_CAST) => false,
        _ => {
            return Err(GraphError::directory_bad_request(
                "The OData cast is required: list directory/deletedItems/microsoft.graph.user or directory/deletedItems/microsoft.graph.group.",
            ))
        }
    };
    let kinds: Vec<Kind> = if users {
        need(&cx.caller, auth::USER_READ)?;
        (0..t.store.deleted_users.len()).map(Kind::User).collect()
    } else {
        need(&cx.caller, auth::GROUP_READ)?;
        (0..t.store.deleted_groups.len()).map(Kind::Group).collect()
    };
    let mut value = Vec::new();
    for k in &kinds {
        let mut item = render(t, cx, k)?;
        if let Value::Object(m) = &mut item {
            m.remove("@odata.context");
        }
        value.push(item);
    }
    let cast = if users { USER_CAST } else { GROUP_CAST };
    Ok(Reply::ok(json!({
        "@odata.context": format!("https://graph.microsoft.com/{}/$metadata#directory/deletedItems/{cast}", cx.v.as_str()),
        "value": value,
    })))
}

pub(crate) fn get(t: &Tenant, cx: &Ctx, id: &str) -> Outcome {
    let kind = locate(t, id)?;
    allowed(t, cx, &kind, false)?;
    Ok(Reply::ok(render(t, cx, &kind)?))
}

/// Back where it was, with its memberships (they were kept while it was deleted).
pub(crate) fn restore(t: &mut Tenant, cx: &Ctx, id: &str) -> Outcome {
    let kind = locate(t, id)?;
    allowed(t, cx, &kind, true)?;
    let body = render(t, cx, &kind)?;
    match kind {
        Kind::User(i) => {
            let (u, _) = t.store.deleted_users.remove(i);
            if t.store
                .users
                .iter()
                .any(|x| x.upn.eq_ignore_ascii_case(&u.upn))
            {
                t.store.deleted_users.insert(i, (u, t.now));
                return Err(GraphError::directory_bad_request(
                    "Another object with the same value for property userPrincipalName already exists.",
                ));
            }
            t.store.users.push(u);
        }
        Kind::Group(i) => {
            let (g, _) = t.store.deleted_groups.remove(i);
            t.store.groups.push(g);
        }
    }
    let mut body = body;
    body["deletedDateTime"] = Value::Null;
    Ok(Reply::ok(body))
}

pub(crate) fn delete(t: &mut Tenant, cx: &Ctx, id: &str) -> Outcome {
    let kind = locate(t, id)?;
    allowed(t, cx, &kind, true)?;
    let id = match kind {
        Kind::User(i) => t.store.deleted_users[i].0.meta.id.clone(),
        Kind::Group(i) => t.store.deleted_groups[i].0.meta.id.clone(),
    };
    forget(t, &id);
    Ok(Reply::NoContent)
}
