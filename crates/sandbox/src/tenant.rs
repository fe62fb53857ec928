//! The mutable tenant a request works on, the request context, and lookups that honour replication lag.

use crate::ids::Prng;
use crate::odata::Query;
use crate::reply::GraphError;
use crate::schema::{check_body, Workload};
use crate::store::{HasMeta, Store};
use crate::target::{Target, Version};
use serde_json::{Map, Value};
use std::cell::{Cell, RefCell};

pub(crate) struct Tenant {
    pub store: Store,
    pub ids: Prng,
    pub domain: String,
    pub tenant_id: String,
    pub org_name: String,
    pub legacy_role_names: bool,
    pub page_size: usize,
    pub delivery_delay_ms: u64,
    pub lag_ms: u64,
    /// The latest time a caller has told us.
    pub now: u64,
    /// How many request bodies and rendered objects were checked against Graph's type definitions,
    /// and what the answers' checks found (rendering has only `&Tenant`, hence the cells).
    pub schema: SchemaTally,
}

#[derive(Default)]
pub(crate) struct SchemaTally {
    pub bodies: Cell<u64>,
    pub answers: Cell<u64>,
    pub problems: RefCell<Vec<String>>,
}

/// The signed-in principal, from the token.
#[derive(Clone, Debug)]
pub(crate) struct Caller {
    pub user_id: String,
    pub upn: String,
    pub scopes: Vec<String>,
}

/// One request, parsed.
pub(crate) struct Ctx<'a> {
    pub v: Version,
    pub target: &'a Target,
    pub query: Query,
    pub body: &'a str,
    /// The request's `Content-Type`, if it sent one.
    pub content_type: Option<&'a str>,
    pub caller: Caller,
}

impl Ctx<'_> {
    /// The body as a JSON object, or Graph's error for anything else. Graph reads a body only when
    /// it is labelled `application/json`.
    pub(crate) fn json(&self) -> Result<Map<String, Value>, GraphError> {
        let json = self.content_type.is_some_and(|c| {
            c.split(';')
                .next()
                .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
        });
        if !json {
            return Err(GraphError::invalid_json());
        }
        match serde_json::from_str::<Value>(self.body) {
            Ok(Value::Object(m)) => Ok(m),
            _ => Err(GraphError::invalid_json()),
        }
    }

    /// [`json`](Self::json), then refused unless it is a `ty` as Graph declares it on this version.
    pub(crate) fn body_as(
        &self,
        t: &Tenant,
        ty: &str,
        w: Workload,
    ) -> Result<Map<String, Value>, GraphError> {
        let m = self.json()?;
        t.schema.bodies.set(t.schema.bodies.get() + 1);
        check_body(self.v, ty, &m, w)?;
        Ok(m)
    }
}

impl Tenant {
    /// Whether an object created at `created_ms` is still invisible to reads.
    pub(crate) fn lagging<T: HasMeta>(&self, item: &T) -> bool {
        let m = item.meta();
        !m.seeded && self.lag_ms > 0 && self.now.saturating_sub(m.created_ms) < self.lag_ms
    }

    /// Find by id (case-insensitive), answering 404 for unknown or still-replicating objects.
    pub(crate) fn find<'s, T: HasMeta>(
        &self,
        items: &'s [T],
        id: &str,
    ) -> Result<&'s T, GraphError> {
        let pos = position(items, id).ok_or_else(|| GraphError::not_found(id))?;
        let item = &items[pos];
        if self.lagging(item) {
            return Err(GraphError::not_found(id).lagged());
        }
        Ok(item)
    }

    /// Objects a list shows: replication lag hides new ones there too.
    pub(crate) fn visible<'s, T: HasMeta>(
        &'s self,
        items: &'s [T],
    ) -> impl Iterator<Item = &'s T> + 's {
        items.iter().filter(move |i| !self.lagging(*i))
    }

    pub(crate) fn new_id(&mut self) -> String {
        self.ids.guid()
    }

    pub(crate) fn caller_has_role(&self, caller: &Caller, roles: &[&str]) -> bool {
        self.store.role_assignments.iter().any(|a| {
            a.principal_id == caller.user_id && roles.contains(&a.role_definition_id.as_str())
        })
    }

    /// Whether the caller holds one of `roles` of entitlement management on `catalog` (catalog roles), or
    /// at its root (`/`, Catalog creator).
    pub(crate) fn caller_has_catalog_role(
        &self,
        caller: &Caller,
        catalog: Option<&str>,
        roles: &[&str],
    ) -> bool {
        let scope = catalog.map(|c| format!("/AccessPackageCatalog/{c}"));
        self.store.em_role_assignments.iter().any(|a| {
            a.principal_id == caller.user_id
                && roles.contains(&a.role_definition_id.as_str())
                && match (&a.app_scope_id, &scope) {
                    (Some(held), Some(wanted)) => held.eq_ignore_ascii_case(wanted),
                    (Some(held), None) => held == "/",
                    (None, _) => false,
                }
        })
    }

    /// 403 unless the caller holds one of the directory roles `roles`, or one of the catalog roles
    /// `catalog_roles` on `catalog`: entitlement management lets either do the operation.
    pub(crate) fn require_em(
        &self,
        caller: &Caller,
        roles: &[&str],
        catalog: Option<&str>,
        catalog_roles: &[&str],
    ) -> Result<(), GraphError> {
        if self.caller_has_role(caller, roles)
            || self.caller_has_catalog_role(caller, catalog, catalog_roles)
        {
            return Ok(());
        }
        Err(GraphError::insufficient_privileges())
    }

    /// The catalogs on which the caller holds one of `catalog_roles`.
    pub(crate) fn catalogs_with_role(
        &self,
        caller: &Caller,
        catalog_roles: &[&str],
    ) -> Vec<String> {
        self.store
            .em_role_assignments
            .iter()
            .filter(|a| {
                a.principal_id == caller.user_id
                    && catalog_roles.contains(&a.role_definition_id.as_str())
            })
            .filter_map(|a| {
                a.app_scope_id
                    .as_deref()?
                    .strip_prefix("/AccessPackageCatalog/")
            })
            .map(str::to_ascii_lowercase)
            .collect()
    }

    /// 403 unless the signed-in user holds one of `roles` (directory roles, tenant-wide), as they
    /// hold them now: a role assigned a moment ago counts.
    pub(crate) fn require_role(&self, caller: &Caller, roles: &[&str]) -> Result<(), GraphError> {
        if self.caller_has_role(caller, roles) {
            return Ok(());
        }
        Err(GraphError::insufficient_privileges())
    }
}

pub(crate) fn position<T: HasMeta>(items: &[T], id: &str) -> Option<usize> {
    items
        .iter()
        .position(|i| i.meta().id.eq_ignore_ascii_case(id))
}

/// A string property of a body, with Graph's type error when it is not a string.
pub(crate) fn str_prop(
    body: &Map<String, Value>,
    name: &str,
) -> Result<Option<String>, GraphError> {
    match get_ci(body, name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(GraphError::bad_request(format!(
            "Cannot convert the literal '{other}' to the expected type 'Edm.String'."
        ))),
    }
}

pub(crate) fn bool_prop(body: &Map<String, Value>, name: &str) -> Result<Option<bool>, GraphError> {
    match get_ci(body, name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(other) => Err(GraphError::bad_request(format!(
            "Cannot convert the literal '{other}' to the expected type 'Edm.Boolean'."
        ))),
    }
}

pub(crate) fn obj_prop<'b>(
    body: &'b Map<String, Value>,
    name: &str,
) -> Result<Option<&'b Map<String, Value>>, GraphError> {
    match get_ci(body, name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(m)) => Ok(Some(m)),
        Some(_) => Err(GraphError::bad_request(format!(
            "The property '{name}' must be an object."
        ))),
    }
}

/// Property names in request bodies are matched case-insensitively, as Graph does.
pub(crate) fn get_ci<'b>(body: &'b Map<String, Value>, name: &str) -> Option<&'b Value> {
    body.get(name).or_else(|| {
        body.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

/// An id referenced in a body must be a GUID.
pub(crate) fn guid_ref(id: &str) -> Result<(), GraphError> {
    if crate::ids::is_guid(id) {
        Ok(())
    } else {
        Err(GraphError::bad_request(format!(
            "Invalid object identifier '{id}'."
        )))
    }
}
