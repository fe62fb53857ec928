//! Ids no earlier response shows: tied to the step that created an object in the same collection, or
//! turned into inputs the reader fills in (the page's value as the default).

use std::collections::BTreeSet;

use serde_json::Value;

use super::names::is_constant_id;
use super::trace::{ensure_capture, places, Source};
use super::values::{
    guids_in, is_guid, is_traceable, leaves, occurrences, replace_all, singular, snake, Seg,
};
use super::{path_of, Confidence, Link, Origin, Work};

pub(crate) fn untraced_ids(work: &mut Work) {
    let mut constants_noted = false;
    for j in 0..work.steps.len() {
        let step = &work.steps[j];
        let mut found: Vec<(String, String, bool)> = Vec::new(); // (guid, context key, in url path)
        let query_at = step.url.find('?').unwrap_or(step.url.len());
        for (pos, g) in guids_in(&step.url) {
            if occurrences(&step.url, &g, true).contains(&pos) {
                let key = url_context(&step.url[..pos], pos < query_at);
                found.push((g, key, pos < query_at));
            }
        }
        // Opaque ids (Outlook's base64 ids) right after a collection in the path.
        let segs: Vec<&str> = step.url[..query_at].split('/').collect();
        for w in segs.windows(2) {
            let (prev, seg) = (w[0], w[1]);
            let opaque = !seg.contains("{{")
                && !is_guid(seg)
                && !seg.contains(['(', ',', '.', '$'])
                && (is_traceable("id", seg) || seg.ends_with('=') && seg.len() >= 12)
                && prev.ends_with('s');
            if opaque {
                found.push((
                    seg.to_string(),
                    format!("{}_id", snake(&singular(prev))),
                    true,
                ));
            }
        }
        if let Some(body) = step
            .body
            .as_deref()
            .and_then(|b| serde_json::from_str::<Value>(b).ok())
        {
            for leaf in leaves(&body) {
                for (_, g) in guids_in(&leaf.value) {
                    if occurrences(&leaf.value, &g, true).is_empty() {
                        continue;
                    }
                    found.push((g, body_context(&leaf.path, &leaf.value), false));
                }
            }
        }
        let mut seen = BTreeSet::new();
        for (g, key, in_path) in found {
            if !seen.insert(g.to_ascii_lowercase()) {
                continue;
            }
            if defines_new_id(step_body_paths(&work.steps[j]), &g) {
                continue;
            }
            if is_constant_id(&key, &g) {
                if !constants_noted {
                    work.notes.push(
                        "Ids that are the same in every tenant (built-in role templates, definition and app ids) are kept as written."
                            .into(),
                    );
                    constants_noted = true;
                }
                continue;
            }
            if in_path {
                if let Some(i) = same_collection_creator(work, j, &g) {
                    let Some(id) = work.steps[i]
                        .response_body()
                        .and_then(|b| b.get("id"))
                        .and_then(Value::as_str)
                        .map(str::to_string)
                    else {
                        continue;
                    };
                    let src = Source {
                        step: i,
                        path: vec![Seg::Key("id".into())],
                        value: id,
                        own: true,
                    };
                    let why = format!("used by step \"{}\"", work.steps[j].id);
                    let name = ensure_capture(work, &src, &BTreeSet::new(), &why);
                    let reason = format!(
                        "the page's id here matches no earlier response; step \"{}\" created an object in this same collection",
                        work.steps[i].id
                    );
                    let jsonpath = work.steps[i]
                        .captures
                        .iter()
                        .find(|c| c.name == name)
                        .map(|c| c.jsonpath.clone())
                        .unwrap_or_default();
                    let from = Origin::Response {
                        step: work.steps[i].id.clone(),
                        request: work.steps[i].doc.name.clone(),
                        jsonpath,
                    };
                    replace_everywhere(
                        work,
                        j,
                        &g,
                        &format!("{{{{{name}}}}}"),
                        from,
                        Confidence::Low,
                        reason,
                    );
                    continue;
                }
            }
            let mut name = if key.is_empty() {
                "object_id".to_string()
            } else {
                key.clone()
            };
            if work.capturer(&name).is_some() {
                name = format!("existing_{name}");
            }
            let thing = name
                .trim_start_matches("existing_")
                .trim_end_matches("_id")
                .replace('_', " ");
            let mut n = 2;
            let base = name.clone();
            while work
                .inputs
                .get(&name)
                .is_some_and(|(_, d)| !d.eq_ignore_ascii_case(&g))
            {
                name = format!("{base}_{n}");
                n += 1;
            }
            work.inputs.entry(name.clone()).or_insert_with(|| {
                (
                    format!("Id of an existing {thing} in your tenant (the page's sample value is the default)"),
                    g.clone(),
                )
            });
            if !work.input_order.contains(&name) {
                work.input_order.push(name.clone());
            }
            let reason = "no earlier response on the page shows this id: it names something that must already exist".to_string();
            replace_everywhere(
                work,
                j,
                &g,
                &format!("{{{{input.{name}}}}}"),
                Origin::Input,
                Confidence::Low,
                reason,
            );
        }
    }
}

/// Replaces `value` in step `from_step` and every later one (requests and capture paths), linking each.
fn replace_everywhere(
    work: &mut Work,
    from_step: usize,
    value: &str,
    var: &str,
    origin: Origin,
    confidence: Confidence,
    reason: String,
) {
    for k in from_step..work.steps.len() {
        let step = &work.steps[k];
        let body_json: Option<Value> = step
            .body
            .as_deref()
            .and_then(|b| serde_json::from_str(b).ok());
        let at = places(&step.url, body_json.as_ref(), value, true);
        let step = &mut work.steps[k];
        replace_all(&mut step.url, value, var, true);
        if let Some(b) = step.body.as_mut() {
            replace_all(b, value, var, true);
        }
        for c in &mut step.captures {
            replace_all(&mut c.jsonpath, value, var, true);
        }
        if at.is_empty() {
            continue;
        }
        let to = at.into_iter().map(|p| work.target(k, p)).collect();
        work.link(Link {
            variable: var.to_string(),
            value: value.to_string(),
            from: origin.clone(),
            to,
            confidence,
            reason: reason.clone(),
        });
    }
}

/// The latest earlier POST to the collection this URL addresses an item of.
fn same_collection_creator(work: &Work, j: usize, g: &str) -> Option<usize> {
    let path = work.steps[j].path();
    let pos = path.to_ascii_lowercase().find(&g.to_ascii_lowercase())?;
    let collection = path[..pos].trim_end_matches('/').to_ascii_lowercase();
    (0..j).rev().find(|&i| {
        let s = &work.steps[i];
        s.doc.method == "POST"
            && path_of(&s.url).trim_end_matches('/').to_ascii_lowercase() == collection
            && s.response_body().and_then(|b| b.get("id")).is_some()
    })
}

/// `.../users/` → `user_id`; `$filter=principalId eq '` → `principal_id`.
fn url_context(before: &str, in_path: bool) -> String {
    if in_path {
        let seg = before
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or("");
        // `servicePrincipals(appId='` → `service_principal_app_id`.
        if let Some((entity, key)) = seg.split_once('(') {
            let key = key.trim_end_matches(['\'', '=']);
            let key = if key.is_empty() { "id" } else { key };
            return format!("{}_{}", snake(&singular(entity)), snake(key));
        }
        return format!("{}_id", snake(&singular(seg)));
    }
    let prop = before
        .trim_end_matches('\'')
        .trim_end()
        .trim_end_matches(" eq")
        .trim_end_matches(" ne")
        .rsplit([' ', '(', '/', '&', '?'])
        .next()
        .unwrap_or("");
    let s = snake(prop);
    if s.is_empty() || s == "id" {
        "object_id".into()
    } else if s.ends_with("_id") {
        s
    } else {
        format!("{s}_id")
    }
}

/// `{"principalId": ...}` → `principal_id`; `{"group": {"id": ...}}` → `group_id`; a URL inside a value
/// is named by its segment.
fn body_context(path: &[Seg], value: &str) -> String {
    if value.contains('/') {
        if let Some((g_pos, _)) = guids_in(value).first() {
            return url_context(&value[..*g_pos], true);
        }
    }
    let keys: Vec<&str> = path
        .iter()
        .filter_map(|s| match s {
            Seg::Key(k) => Some(k.as_str()),
            Seg::Index(_) => None,
        })
        .collect();
    match keys.as_slice() {
        [.., parent, "id"] => format!("{}_id", snake(&singular(parent))),
        [.., key] if key.to_ascii_lowercase().ends_with("id") => snake(key),
        [.., key] => format!("{}_id", snake(&singular(key))),
        [] => "object_id".into(),
    }
}

/// Each string leaf of a step's body with its key path.
fn step_body_paths(step: &super::WorkStep) -> Vec<(Vec<Seg>, String)> {
    step.body
        .as_deref()
        .and_then(|b| serde_json::from_str::<Value>(b).ok())
        .map(|v| leaves(&v).into_iter().map(|l| (l.path, l.value)).collect())
        .unwrap_or_default()
}

/// An id the request itself defines for a new item (an app role, a permission scope): no earlier
/// response can show it, and it names nothing that must already exist.
fn defines_new_id(paths: Vec<(Vec<Seg>, String)>, g: &str) -> bool {
    const DEFINED: [&str; 2] = ["appRoles", "oauth2PermissionScopes"];
    paths.iter().any(|(path, value)| {
        value.eq_ignore_ascii_case(g)
            && matches!(path.as_slice(), [.., Seg::Key(list), Seg::Index(_), Seg::Key(id)]
                if id == "id" && DEFINED.contains(&list.as_str()))
    })
}
