//! Reading values out of responses (JSONPath, header, status) and the run's variables.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json_path::JsonPath;

use crate::model::{Capture, Query};
use crate::reach::Reach;
use crate::template::{Context, RenderError, Template};

/// A response as the engine keeps it: no `http` types, so it serializes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReceivedResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    /// Shared, not copied: a run is cloned on every change, and a body may be megabytes.
    pub body: Arc<str>,
    pub elapsed_ms: u64,
}

impl ReceivedResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body parsed as JSON, if it is JSON.
    pub fn json(&self) -> Option<Value> {
        serde_json::from_str(&self.body).ok()
    }

    /// The body parsed as JSON (`None` when it is not JSON), building only what `queries` can reach:
    /// every one of them answers the same against this as against [`json`](Self::json).
    /// See [`crate::reach`]: a multi-megabyte list whose step reads `$.value[0].id` costs a scan of the
    /// body, not a tree of it.
    pub fn json_for<'q>(&self, queries: impl IntoIterator<Item = &'q Query>) -> Option<Value> {
        let mut reach = Reach::default();
        for query in queries {
            if let Query::JsonPath(path) = query {
                reach.add(path);
            }
        }
        reach.parse(&self.body)
    }
}

/// Evaluates a query: `None` when nothing matched, one value, or an array when several matched.
/// JSONPaths may contain `{{variables}}` (e.g. a filter on a captured id); they are substituted first.
pub fn evaluate(
    query: &Query,
    response: &ReceivedResponse,
    body: Option<&Value>,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<Value>, String> {
    match query {
        Query::Status => Ok(Some(Value::from(response.status))),
        Query::Header(name) => Ok(response.header(name).map(|v| Value::String(v.to_string()))),
        Query::JsonPath(path) => {
            let path = if path.contains("{{") {
                let t = Template::parse(path)?;
                t.render(Context::Plain, lookup).map_err(|e| match e {
                    RenderError::Missing(v) | RenderError::LineBreak(v) => {
                        format!("`{{{{{v}}}}}` has no value yet")
                    }
                })?
            } else {
                path.clone()
            };
            let path =
                JsonPath::parse(&path).map_err(|e| format!("invalid JSONPath `{path}`: {e}"))?;
            let Some(body) = body else {
                return Ok(None);
            };
            let nodes = path.query(body).all();
            Ok(match nodes.len() {
                0 => None,
                1 => Some(nodes[0].clone()),
                _ => Some(Value::Array(nodes.into_iter().cloned().collect())),
            })
        }
    }
}

/// A captured value as text, as templates use it.
pub fn capture_text(capture: &Capture, found: Option<Value>) -> Result<String, String> {
    match found {
        None => Err(format!("{} matched nothing in the response", capture.query)),
        Some(Value::String(s)) => Ok(s),
        Some(v @ (Value::Number(_) | Value::Bool(_))) => Ok(v.to_string()),
        Some(Value::Null) => Err(format!("{} is null", capture.query)),
        Some(Value::Array(items)) => Err(format!(
            "{} matched {} values; narrow it to one",
            capture.query,
            items.len()
        )),
        Some(Value::Object(_)) => Err(format!("{} is an object, not a value", capture.query)),
    }
}

/// Where a variable's value came from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum VarSource {
    /// `run.tag`, `run.password`, `base`.
    Builtin,
    /// A tutorial input chosen before the run.
    Input,
    /// Captured from a step's response by this query (e.g. `jsonpath "$.id"`).
    Capture { step: usize, path: String },
    /// Typed in by the reader.
    Manual,
}

/// A variable's current value and its provenance.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VarValue {
    pub value: String,
    pub kind: Option<String>,
    pub source: VarSource,
    /// Its step was re-run (or an input to it changed) and this value may no longer hold.
    pub stale: bool,
    /// When it was set, on the run's clock.
    pub at_ms: u64,
}

/// Every variable of a run, by name.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Variables {
    values: BTreeMap<String, VarValue>,
}

impl Variables {
    pub fn get(&self, name: &str) -> Option<&VarValue> {
        self.values.get(name)
    }

    /// The value to substitute: present and not stale.
    pub fn fresh(&self, name: &str) -> Option<&str> {
        self.values
            .get(name)
            .filter(|v| !v.stale)
            .map(|v| v.value.as_str())
    }

    pub fn iter(&self) -> impl Iterator<Item = (&String, &VarValue)> {
        self.values.iter()
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    pub(crate) fn set(&mut self, name: &str, value: VarValue) {
        self.values.insert(name.to_string(), value);
    }

    /// Marks `name` stale if `step` captured it (a value captured by another step stays as it is).
    pub(crate) fn mark_stale(&mut self, name: &str, step: usize) {
        if let Some(v) = self.values.get_mut(name) {
            if matches!(v.source, VarSource::Capture { step: from, .. } if from == step) {
                v.stale = true;
            }
        }
    }

    /// Another variable of a different kind that holds this exact value, if any:
    /// a user's id must not silently fill a group slot.
    pub fn kind_clash(&self, name: &str, kind: &str, value: &str) -> Option<(&str, &str)> {
        self.values.iter().find_map(|(other, v)| {
            let other_kind = v.kind.as_deref()?;
            (other != name && other_kind != kind && v.value == value)
                .then_some((other.as_str(), other_kind))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(body: &str) -> ReceivedResponse {
        ReceivedResponse {
            status: 201,
            headers: vec![("Request-Id".into(), "r-1".into())],
            body: body.into(),
            elapsed_ms: 5,
        }
    }

    #[test]
    fn jsonpath_header_and_status() {
        let r = response(
            r#"{"id":"u1","value":[{"id":"a","targetId":"t1"},{"id":"b","targetId":"t2"}]}"#,
        );
        let body = r.json();
        let q = Query::JsonPath("$.value[?@.targetId == 't2'].id".into());
        assert_eq!(
            evaluate(&q, &r, body.as_ref(), &|_| None).unwrap(),
            Some(Value::from("b"))
        );
        let q = Query::JsonPath("$.value[*].id".into());
        assert_eq!(
            evaluate(&q, &r, body.as_ref(), &|_| None).unwrap(),
            Some(serde_json::json!(["a", "b"]))
        );
        let q = Query::Header("request-id".into());
        assert_eq!(
            evaluate(&q, &r, body.as_ref(), &|_| None).unwrap(),
            Some(Value::from("r-1"))
        );
        assert_eq!(
            evaluate(&Query::Status, &r, body.as_ref(), &|_| None).unwrap(),
            Some(Value::from(201))
        );
        assert!(evaluate(&Query::JsonPath("$[".into()), &r, body.as_ref(), &|_| None).is_err());
    }

    #[test]
    fn a_pruned_parse_answers_every_query_as_the_full_one_does() {
        let bodies = [
            r#"{"id":"u1","value":[{"id":"a","targetId":"t1"},{"id":"b","targetId":"t2"}],"n":1}"#,
            r#"{"id":"first","id":"second","x":{"id":"deep"}}"#,
            r#"{"i\u0064":"escaped key","value":[]}"#,
            r#"{"a€":1,"a":2,"value":[{"id":"p"},7,{"id":"q"}]}"#,
            r#"[{"id":"array body"}]"#,
            r#"{"id":"u1"} trailing"#,
            r#"{"id":"u1","broken":[1,}"#,
            "not json",
            "",
        ];
        let paths = [
            "$.id",
            "$.value[?@.targetId == 't2'].id",
            "$.value[*].id",
            "$..id",
            "$['id']",
            "$.x.id",
            "$.missing",
            "$[0].id",
            "$.value[0].id",
            "$.value[1]",
            "$.value[5].id",
            "$.value[-1].id",
            "$.value[0, 1].id",
            "$.value[0:2].id",
            "$['a€']",
            "$.a€",
            "$.a",
        ];
        for body in bodies {
            let r = response(body);
            let full = r.json();
            for path in paths {
                let q = Query::JsonPath(path.into());
                let pruned = r.json_for([&q, &Query::Status]);
                assert_eq!(pruned.is_some(), full.is_some(), "{body} / {path}");
                assert_eq!(
                    evaluate(&q, &r, pruned.as_ref(), &|_| None),
                    evaluate(&q, &r, full.as_ref(), &|_| None),
                    "{body} / {path}"
                );
            }
        }
    }

    #[test]
    fn members_that_no_query_reads_are_not_built() {
        let r = response(r#"{"id":"u1","value":[{"id":"a"},{"id":"b"}],"@odata.context":"x"}"#);
        let id = Query::JsonPath("$.id".into());
        assert_eq!(r.json_for([&id]), Some(serde_json::json!({"id": "u1"})));
        let both = [id, Query::JsonPath("$.value[0].id".into()), Query::Status];
        assert_eq!(
            r.json_for(&both),
            Some(serde_json::json!({"id": "u1", "value": [{"id": "a"}]}))
        );
        let filtered = Query::JsonPath("$.value[?@.id == 'b'].id".into());
        assert_eq!(
            r.json_for([&filtered]),
            Some(serde_json::json!({"value": [{"id": "a"}, {"id": "b"}]}))
        );
        // One query that may reach anywhere means the whole body.
        assert_eq!(r.json_for([&Query::JsonPath("$..id".into())]), r.json());
    }

    #[test]
    fn capture_text_wants_one_scalar() {
        let c = Capture {
            name: "x".into(),
            query: Query::JsonPath("$.x".into()),
            kind: None,
        };
        assert_eq!(capture_text(&c, Some(Value::from(3))).unwrap(), "3");
        assert!(capture_text(&c, None)
            .unwrap_err()
            .contains("matched nothing"));
        assert!(capture_text(&c, Some(serde_json::json!([1, 2])))
            .unwrap_err()
            .contains("2 values"));
        assert!(capture_text(&c, Some(Value::Null)).is_err());
    }
}
