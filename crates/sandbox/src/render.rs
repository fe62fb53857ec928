//! Shared rendering: entities to JSON with `$expand`, `$select`, `$filter` and paging applied.

use crate::odata::filter::Expr;
use crate::odata::{Expand, Family};
use crate::reply::{GraphError, Outcome, Reply};
use crate::target::Version;
use crate::tenant::{Ctx, Tenant};
use serde_json::{Map, Value};

/// Something Graph can return: its properties and its navigation properties.
pub(crate) trait Entity {
    /// The OData type name without the namespace, e.g. `user`.
    fn type_name(v: Version) -> &'static str;
    /// Navigation properties that `$expand` accepts, in their canonical spelling.
    fn navs(v: Version) -> &'static [&'static str];
    /// The properties Graph returns when `$select` is absent, if not all of them.
    fn default_props(_v: Version) -> Option<&'static [&'static str]> {
        None
    }
    fn props(&self, t: &Tenant, v: Version) -> Map<String, Value>;
    fn nav(&self, t: &Tenant, v: Version, name: &str, sub: &Expand) -> Result<Value, GraphError>;
}

fn unknown_property(name: &str, ty: &str) -> GraphError {
    GraphError::bad_request(format!(
        "Parsing OData Select and Expand failed: Could not find a property named '{name}' on type 'microsoft.graph.{ty}'."
    ))
}

/// Render with the requested navigation properties inlined.
pub(crate) fn expanded<E: Entity>(
    e: &E,
    t: &Tenant,
    v: Version,
    ex: &Expand,
) -> Result<Map<String, Value>, GraphError> {
    let navs = E::navs(v);
    for (name, _) in &ex.items {
        if !navs.iter().any(|n| n.eq_ignore_ascii_case(name)) {
            return Err(unknown_property(name, E::type_name(v)));
        }
    }
    let mut m = e.props(t, v);
    t.schema.answers.set(t.schema.answers.get() + 1);
    let problems = crate::schema::answer_problems(v, E::type_name(v), &m);
    if !problems.is_empty() {
        t.schema.problems.borrow_mut().extend(problems);
    }
    for nav in navs {
        let lower = nav.to_ascii_lowercase();
        if ex.has(&lower) {
            let empty = Expand::default();
            let sub = ex.get(&lower).unwrap_or(&empty);
            m.insert((*nav).to_string(), e.nav(t, v, nav, sub)?);
        }
    }
    Ok(m)
}

/// Render a list of related entities (no paging) for a navigation property.
pub(crate) fn nav_list<'a, E: Entity + 'a>(
    items: impl Iterator<Item = &'a E>,
    t: &Tenant,
    v: Version,
    sub: &Expand,
) -> Result<Value, GraphError> {
    let mut out = Vec::new();
    for e in items {
        out.push(Value::Object(expanded(e, t, v, sub)?));
    }
    Ok(Value::Array(out))
}

pub(crate) fn nav_one<E: Entity>(
    e: Option<&E>,
    t: &Tenant,
    v: Version,
    sub: &Expand,
) -> Result<Value, GraphError> {
    match e {
        Some(e) => Ok(Value::Object(expanded(e, t, v, sub)?)),
        None => Ok(Value::Null),
    }
}

/// `https://graph.microsoft.com/{v}/$metadata#{path}` with the select/expand suffix Graph adds.
fn context_url(v: Version, path: &str, cx: &Ctx, navs: &[&str]) -> String {
    let mut parts: Vec<String> = cx.query.select.clone().unwrap_or_default();
    for nav in navs {
        if cx.query.expand.has(&nav.to_ascii_lowercase()) {
            parts.push(format!("{nav}()"));
        }
    }
    let suffix = if parts.is_empty() {
        String::new()
    } else {
        format!("({})", parts.join(","))
    };
    format!(
        "https://graph.microsoft.com/{}/$metadata#{path}{suffix}",
        v.as_str()
    )
}

/// Keep only `$select`ed properties (plus annotations and expanded navigations).
fn apply_select(
    m: Map<String, Value>,
    cx: &Ctx,
    navs: &[&str],
    defaults: Option<&[&str]>,
) -> Map<String, Value> {
    let Some(sel) = &cx.query.select else {
        return match defaults {
            Some(d) => m
                .into_iter()
                .filter(|(k, _)| {
                    k.starts_with('@') || d.contains(&k.as_str()) || navs.contains(&k.as_str())
                })
                .collect(),
            None => m,
        };
    };
    m.into_iter()
        .filter(|(k, _)| {
            k.starts_with('@')
                || sel.iter().any(|s| s.eq_ignore_ascii_case(k) || s == "*")
                || navs
                    .iter()
                    .any(|n| n == k && cx.query.expand.has(&n.to_ascii_lowercase()))
        })
        .collect()
}

fn check_select(sample: &Map<String, Value>, cx: &Ctx, ty: &str) -> Result<(), GraphError> {
    if let Some(sel) = &cx.query.select {
        for s in sel {
            if s != "*" && !sample.keys().any(|k| k.eq_ignore_ascii_case(s)) {
                return Err(unknown_property(s, ty));
            }
        }
    }
    Ok(())
}

/// `$select` on an empty collection is still checked, against the type's declared properties.
fn check_select_declared(cx: &Ctx, ty: &str) -> Result<(), GraphError> {
    for s in cx.query.select.iter().flatten() {
        if s != "*" && crate::schema::declares(cx.v, ty, s) == Some(false) {
            return Err(unknown_property(s, ty));
        }
    }
    Ok(())
}

/// How a collection's service treats `$filter` beyond the common rules.
#[derive(Default)]
pub(crate) struct ListRules {
    pub family: Option<Family>,
    /// Answer `Or operator not supported` (roleManagement does).
    pub refuse_or: bool,
    /// Lowercased property paths this service refuses to filter on.
    pub refused: &'static [&'static str],
    /// Prepend `@odata.type` to each item (directoryObjects collections).
    pub with_type: bool,
    /// Users and groups: the directory's advanced-query rules apply.
    pub directory_objects: bool,
}

/// The error the directory gives when a query needs `ConsistencyLevel: eventual` and `$count=true`.
fn needs_advanced(operator: &str) -> GraphError {
    GraphError::new(
        400,
        "Request_UnsupportedQuery",
        format!("Operator '{operator}' is not supported because the required parameters might be missing. Try adding $count=true query parameter and ConsistencyLevel:eventual header. Refer to https://aka.ms/graph-docs/advanced-queries for more information"),
    )
}

fn unsupported_sort() -> GraphError {
    GraphError::new(
        400,
        "Request_UnsupportedQuery",
        "Sorting not supported for current query.",
    )
}

/// Properties `endsWith` works on (advanced queries only).
const ENDS_WITH: &[&str] = &["mail", "otherMails", "userPrincipalName", "proxyAddresses"];
/// Properties the directory searches (tokenized, by word prefix).
const SEARCHED: &[&str] = &[
    "displayName",
    "description",
    "givenName",
    "surname",
    "mail",
    "mailNickname",
    "userPrincipalName",
];

/// `$orderby` on users and groups: (type, property, works without advanced query parameters).
const SORTABLE: &[(&str, &str, bool)] = &[
    ("user", "displayName", true),
    ("user", "userPrincipalName", true),
    ("user", "createdDateTime", false),
    ("user", "deletedDateTime", false),
    ("group", "displayName", true),
    ("group", "deletedDateTime", false),
];

/// The advanced query rules of directory objects, checked before anything is read.
fn check_directory_query(cx: &Ctx, ty: &str) -> Result<(), GraphError> {
    let q = &cx.query;
    let resource = {
        let mut c = ty.chars();
        c.next()
            .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
            .unwrap_or_default()
    };
    if let Some(f) = &q.filter {
        for (op, path) in f.advanced_operators() {
            if !q.advanced {
                return Err(needs_advanced(op));
            }
            if op == "endsWith" {
                let prop = path.and_then(|p| p.last()).map_or("", String::as_str);
                if !ENDS_WITH.iter().any(|e| e.eq_ignore_ascii_case(prop)) {
                    return Err(GraphError::new(
                        400,
                        "Request_UnsupportedQuery",
                        format!("Unsupported or invalid query filter clause specified for property '{prop}' of resource '{resource}'."),
                    ));
                }
            }
        }
    }
    if !q.orderby.is_empty() && q.filter.is_some() && !q.advanced {
        return Err(unsupported_sort());
    }
    for (prop, _) in &q.orderby {
        match SORTABLE
            .iter()
            .find(|(t, p, _)| *t == ty && p.eq_ignore_ascii_case(prop))
        {
            Some((_, _, true)) => {}
            Some(_) if q.advanced => {}
            _ => return Err(unsupported_sort()),
        }
    }
    if let Some(search) = &q.search {
        for (prop, _) in &search.terms {
            if !SEARCHED.iter().any(|p| p.eq_ignore_ascii_case(prop)) {
                return Err(GraphError::new(
                    400,
                    "Request_UnsupportedQuery",
                    format!("Unsupported search property '{prop}' of resource '{resource}'."),
                ));
            }
        }
    }
    Ok(())
}

/// Order rendered items by `$orderby` (strings case-insensitively; nulls first when ascending).
fn sort(items: &mut [Map<String, Value>], orderby: &[(String, bool)]) {
    let key = |m: &Map<String, Value>, prop: &str| -> Option<String> {
        m.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(prop))
            .and_then(|(_, v)| match v {
                Value::Null => None,
                Value::String(s) => Some(s.to_lowercase()),
                other => Some(other.to_string()),
            })
    };
    items.sort_by(|a, b| {
        for (prop, desc) in orderby {
            let o = key(a, prop).cmp(&key(b, prop));
            let o = if *desc { o.reverse() } else { o };
            if o != std::cmp::Ordering::Equal {
                return o;
            }
        }
        std::cmp::Ordering::Equal
    });
}

/// Answer a collection GET.
pub(crate) fn list<'a, E: Entity + 'a>(
    t: &Tenant,
    cx: &Ctx,
    items: impl Iterator<Item = &'a E>,
    path: &str,
    rules: ListRules,
) -> Outcome {
    let v = cx.v;
    let family = rules.family.unwrap_or(Family::Entitlement);
    let mut ex = cx.query.expand.clone();
    let mut filter_only: Vec<&str> = Vec::new();
    if rules.directory_objects {
        check_directory_query(cx, E::type_name(v))?;
    }
    if let Some(f) = &cx.query.filter {
        check_rules(f, &rules, family)?;
        for p in f.paths() {
            if p.len() > 1 {
                let first = p[0].to_ascii_lowercase();
                if let Some(nav) = E::navs(v).iter().find(|n| n.eq_ignore_ascii_case(&first)) {
                    if !ex.has(&first) {
                        ex.add(&first);
                        filter_only.push(nav);
                    }
                }
            }
        }
    }
    let mut kept = Vec::new();
    for e in items {
        let m = expanded(e, t, v, &ex)?;
        if let Some(f) = &cx.query.filter {
            if !f
                .matches(&m)
                .map_err(|e| crate::odata::query_filter_error(e, family))?
            {
                continue;
            }
        }
        if let Some(search) = &cx.query.search {
            if !search.matches(&m) {
                continue;
            }
        }
        check_select(&m, cx, E::type_name(v))?;
        kept.push(m);
    }
    if kept.is_empty() {
        check_select_declared(cx, E::type_name(v))?;
    }
    for (prop, _) in &cx.query.orderby {
        if crate::schema::declares(v, E::type_name(v), prop) == Some(false) {
            return Err(unknown_property(prop, E::type_name(v)));
        }
    }
    sort(&mut kept, &cx.query.orderby);
    let total = kept.len();
    let size = cx.query.top.unwrap_or(t.page_size);
    let start = cx.query.skip.min(total);
    let end = start.saturating_add(size).min(total);
    let navs = E::navs(v);
    let page: Vec<Value> = kept
        .into_iter()
        .skip(start)
        .take(end - start)
        .map(|mut m| {
            for nav in &filter_only {
                m.remove(*nav);
            }
            let m = apply_select(m, cx, navs, E::default_props(v));
            if rules.with_type {
                let mut typed = Map::new();
                typed.insert(
                    "@odata.type".into(),
                    Value::String(format!("#microsoft.graph.{}", E::type_name(v))),
                );
                typed.extend(m);
                Value::Object(typed)
            } else {
                Value::Object(m)
            }
        })
        .collect();
    let mut body = Map::new();
    body.insert(
        "@odata.context".into(),
        Value::String(context_url(v, path, cx, navs)),
    );
    if cx.query.count {
        body.insert("@odata.count".into(), Value::from(total));
    }
    if end < total {
        let link = cx.target.next_link(&crate::odata::encode_skiptoken(end));
        body.insert("@odata.nextLink".into(), Value::String(link));
    }
    body.insert("value".into(), Value::Array(page));
    Ok(Reply::ok(Value::Object(body)))
}

fn check_rules(f: &Expr, rules: &ListRules, family: Family) -> Result<(), GraphError> {
    if rules.refuse_or && f.uses_or() {
        return Err(GraphError::new(
            400,
            "Request_UnsupportedQuery",
            "Or operator not supported for this entity set.",
        ));
    }
    for (path, value) in f.comparisons() {
        let joined = path.join("/");
        if rules
            .refused
            .contains(&joined.to_ascii_lowercase().as_str())
        {
            let shown = value
                .as_str()
                .map_or_else(|| value.to_string(), str::to_string);
            let message = format!(
                "OData query is invalid: Filter '{joined} Equals {shown} is not supported. ."
            );
            return Err(match family {
                Family::Entitlement => GraphError::new(400, "InvalidFilter", message),
                Family::Directory => GraphError::new(400, "Request_UnsupportedQuery", message),
            });
        }
    }
    Ok(())
}

/// Render one entity as a GET (or a create) answers it.
pub(crate) fn entity<E: Entity>(
    t: &Tenant,
    cx: &Ctx,
    e: &E,
    path: &str,
) -> Result<Value, GraphError> {
    let navs = E::navs(cx.v);
    let m = expanded(e, t, cx.v, &cx.query.expand)?;
    check_select(&m, cx, E::type_name(cx.v))?;
    let m = apply_select(m, cx, navs, E::default_props(cx.v));
    let mut out = Map::new();
    out.insert(
        "@odata.context".into(),
        Value::String(format!("{}/$entity", context_url(cx.v, path, cx, navs))),
    );
    out.extend(m);
    Ok(Value::Object(out))
}

/// A created entity: like a GET, but ignoring query options.
pub(crate) fn created<E: Entity>(
    t: &Tenant,
    v: Version,
    e: &E,
    path: &str,
) -> Result<Value, GraphError> {
    let mut m = expanded(e, t, v, &Expand::default())?;
    if let Some(d) = E::default_props(v) {
        m.retain(|k, _| d.contains(&k.as_str()));
    }
    let mut out = Map::new();
    out.insert(
        "@odata.context".into(),
        Value::String(format!(
            "https://graph.microsoft.com/{}/$metadata#{path}/$entity",
            v.as_str()
        )),
    );
    out.extend(m);
    Ok(Value::Object(out))
}
