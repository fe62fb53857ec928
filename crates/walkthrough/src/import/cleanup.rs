//! Undoing what a run creates: the page's own removals become the cleanup of the step that created the
//! object; other creating requests get an inferred removal; re-reads of a request's state poll.

use std::collections::BTreeSet;

use serde_json::Value;

use super::tenant::is_collection;
use super::trace::{ensure_capture, Source};
use super::values::Seg;
use super::{CleanupDef, Work, WorkStep};
use crate::template::Template;

fn vars_of(text: &str) -> Vec<String> {
    Template::parse(text)
        .map(|t| t.vars().map(str::to_string).collect())
        .unwrap_or_default()
}

fn body_json(step: &WorkStep) -> Option<Value> {
    step.body
        .as_deref()
        .and_then(|b| serde_json::from_str(b).ok())
}

/// The request as an `http` block's text.
pub(crate) fn request_text(
    method: &str,
    url: &str,
    headers: &[(String, String)],
    body: Option<&str>,
) -> String {
    let mut out = format!("{method} {url}\n");
    for (k, v) in headers {
        out.push_str(&format!("{k}: {v}\n"));
    }
    if let Some(b) = body {
        if !headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
        {
            out.push_str("Content-Type: application/json\n");
        }
        out.push('\n');
        out.push_str(b);
        out.push('\n');
    }
    out
}

/// An assignment removal completes in the background; cleanup waits for it before going on.
fn removal_wait(url: &str) -> (Vec<String>, Option<String>) {
    let path = url.split('?').next().unwrap_or(url);
    if path.ends_with("accessPackageAssignmentRequests") {
        (
            vec!["removal_id: jsonpath \"$.id\"".into()],
            Some(format!(
                "GET {path}/{{{{cleanup.removal_id}}}}\nuntil: jsonpath \"$.requestState\" == \"Delivered\"\n\
                 fail: jsonpath \"$.requestState\" in [\"DeliveryFailed\", \"Denied\", \"Canceled\"]\ninterval: 2s\nbackoff: 1.5\nlimit: 5m"
            )),
        )
    } else if path.ends_with("/assignmentRequests") {
        (
            vec!["removal_id: jsonpath \"$.id\"".into()],
            Some(format!(
                "GET {path}/{{{{cleanup.removal_id}}}}\nuntil: jsonpath \"$.state\" == \"delivered\"\n\
                 fail: jsonpath \"$.state\" in [\"deliveryFailed\", \"denied\", \"canceled\"]\ninterval: 2s\nbackoff: 1.5\nlimit: 5m"
            )),
        )
    } else {
        (Vec::new(), None)
    }
}

fn is_removal(step: &WorkStep) -> bool {
    if step.doc.method == "DELETE" {
        return true;
    }
    let Some(body) = body_json(step) else {
        return false;
    };
    let says = |k: &str| {
        body.get(k)
            .and_then(Value::as_str)
            .is_some_and(|v| v.to_ascii_lowercase().contains("remove"))
    };
    step.doc.method == "POST" && (says("requestType") || says("action"))
}

/// A request the page makes to delete or remove what an earlier step created becomes that step's cleanup.
pub(crate) fn page_removals(work: &mut Work) {
    for j in 0..work.steps.len() {
        if !is_removal(&work.steps[j]) {
            continue;
        }
        let s = &work.steps[j];
        let url_vars = vars_of(&s.url);
        let body_vars = s.body.as_deref().map(vars_of).unwrap_or_default();
        let key = if s.doc.method == "DELETE" {
            url_vars.last().cloned()
        } else {
            body_vars.last().cloned()
        };
        // A removal request sent to the collection an earlier request created in undoes that request
        // (PIM's AdminRemove after AdminAssign); otherwise the step that captured the removed object's id.
        let same_path = (s.doc.method == "POST")
            .then(|| {
                (0..j).rev().find(|&i| {
                    let c = &work.steps[i];
                    c.doc.method == "POST"
                        && c.removal_of.is_none()
                        && !is_removal(c)
                        && c.path() == s.path()
                })
            })
            .flatten()
            .filter(|&i| {
                !url_vars
                    .iter()
                    .chain(&body_vars)
                    .any(|v| work.capturer(v).is_some_and(|p| p > i))
            });
        let by_key = key
            .as_deref()
            .and_then(|k| work.capturer(k))
            .filter(|&c| c < j);
        let Some(c) = same_path.or(by_key) else {
            continue;
        };
        let later_var = url_vars
            .iter()
            .chain(&body_vars)
            .any(|v| work.capturer(v).is_some_and(|p| p > c));
        // Only what the tutorial made is cleaned up: the object came from a creating request, or the
        // tutorial created in the collection the removal addresses. Other removals stay steps.
        let s = &work.steps[j];
        let collection = if s.doc.method == "DELETE" {
            let p = s.path();
            p[..p.rfind('/').unwrap_or(0)].to_string()
        } else {
            s.path()
        };
        let made_here = work.steps[c].doc.method == "POST"
            || (0..j).any(|i| {
                let o = &work.steps[i];
                o.doc.method == "POST" && !is_removal(o) && o.path() == collection
            });
        if later_var || work.steps[c].cleanup.is_some() || !made_here {
            continue;
        }
        let s = &work.steps[j];
        let request = request_text(&s.doc.method, &s.url, &s.headers, s.body.as_deref());
        let (captures, wait) = removal_wait(&s.url);
        let note = format!(
            "cleanup: the page's own request \"{}\" (its step \"{}\"), run when the run is cleaned up",
            s.doc.name, s.title_or_id()
        );
        let old_id = s.id.clone();
        let new_id = work.steps[c].id.clone();
        work.steps[c].cleanup = Some(CleanupDef {
            request,
            captures,
            wait,
            note,
        });
        work.steps[j].removal_of = Some(c);
        for link in &mut work.links {
            for t in &mut link.to {
                if t.step == old_id {
                    t.step = new_id.clone();
                    t.place = format!("cleanup {}", t.place);
                }
            }
        }
    }
}

impl WorkStep {
    fn title_or_id(&self) -> &str {
        if self.doc.title.is_empty() {
            &self.id
        } else {
            &self.doc.title
        }
    }
}

/// Every step that creates something and has no cleanup yet gets the removal Graph uses for it.
pub(crate) fn infer_cleanup(work: &mut Work) {
    let mut skipped: Vec<String> = Vec::new();
    for i in 0..work.steps.len() {
        let s = &work.steps[i];
        if s.removal_of.is_some() || s.cleanup.is_some() || s.doc.method != "POST" {
            continue;
        }
        let path = s.path();
        let url_no_query = s.url.split('?').next().unwrap_or(&s.url).to_string();
        let body = body_json(s);
        if path.ends_with("/$ref") {
            let target = body
                .as_ref()
                .and_then(|b| b.get("@odata.id"))
                .and_then(Value::as_str)
                .and_then(|v| {
                    v.trim_end_matches('/')
                        .rsplit('/')
                        .next()
                        .map(str::to_string)
                });
            if let Some(target) = target {
                let base = url_no_query.trim_end_matches("/$ref");
                work.steps[i].cleanup = Some(CleanupDef {
                    request: format!("DELETE {base}/{target}/$ref\n"),
                    captures: Vec::new(),
                    wait: None,
                    note: "cleanup inferred: the reference this step adds is removed with DELETE .../{id}/$ref".into(),
                });
            }
            continue;
        }
        let Some(id) = s
            .response_body()
            .and_then(|b| b.get("id"))
            .and_then(Value::as_str)
            .map(str::to_string)
        else {
            continue;
        };
        let last = path.rsplit('/').next().unwrap_or("").to_ascii_lowercase();
        let src = Source {
            step: i,
            path: vec![Seg::Key("id".into())],
            value: id,
            own: true,
        };
        if last.ends_with("requests") {
            let assigns = body
                .as_ref()
                .and_then(|b| b.get("action"))
                .and_then(Value::as_str)
                .is_some_and(|a| a.eq_ignore_ascii_case("adminAssign"));
            if let (true, Some(Value::Object(mut map))) = (assigns, body.clone()) {
                map.insert("action".into(), Value::String("adminRemove".into()));
                for k in ["scheduleInfo", "ticketInfo"] {
                    map.remove(k);
                }
                map.insert(
                    "justification".into(),
                    Value::String("Removed by graphwalk's cleanup".into()),
                );
                let text = serde_json::to_string_pretty(&Value::Object(map)).unwrap_or_default();
                work.steps[i].cleanup = Some(CleanupDef {
                    request: request_text("POST", &url_no_query, &[], Some(&text)),
                    captures: Vec::new(),
                    wait: None,
                    note: "cleanup inferred: an adminAssign request is undone by the same request with adminRemove".into(),
                });
            } else {
                skipped.push(work.steps[i].id.clone());
            }
            continue;
        }
        if !is_collection(&path) {
            continue;
        }
        let name = ensure_capture(work, &src, &BTreeSet::new(), "its cleanup needs it");
        work.steps[i].cleanup = Some(CleanupDef {
            request: format!("DELETE {url_no_query}/{{{{{name}}}}}\n"),
            captures: Vec::new(),
            wait: None,
            note: "cleanup inferred: DELETE on the collection this step created the object in"
                .into(),
        });
    }
    if !skipped.is_empty() {
        work.notes.push(format!(
            "No cleanup was inferred for {} (a request object is undone by another request the page does not show); \
             add a [Cleanup] to {} if it must be undone.",
            skipped.iter().map(|s| format!("\"{s}\"")).collect::<Vec<_>>().join(", "),
            if skipped.len() == 1 { "that step" } else { "those steps" }
        ));
    }
}

/// A GET of an object a POST created, whose sample shows a later state, polls until it reaches it.
pub(crate) fn infer_polls(work: &mut Work) {
    const STATE_KEYS: [&str; 4] = ["state", "requestState", "status", "assignmentState"];
    for j in 0..work.steps.len() {
        let s = &work.steps[j];
        if s.doc.method != "GET" || s.removal_of.is_some() {
            continue;
        }
        let path = s.path();
        let Some(var) = path
            .rsplit('/')
            .next()
            .and_then(|seg| seg.strip_prefix("{{"))
            .and_then(|seg| seg.strip_suffix("}}"))
        else {
            continue;
        };
        let Some(i) = work.capturer(var) else {
            continue;
        };
        if work.steps[i].doc.method != "POST" {
            continue;
        }
        let (Some(now), Some(before)) = (s.response_body(), work.steps[i].response_body()) else {
            continue;
        };
        for key in STATE_KEYS {
            let (Some(Value::String(later)), Some(Value::String(earlier))) =
                (now.get(key), before.get(key))
            else {
                continue;
            };
            if later != earlier {
                let value = Value::String(later.clone());
                work.steps[j].poll = Some((format!("$.{key}"), value));
                break;
            }
        }
    }
}
