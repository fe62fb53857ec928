//! Expectations: evaluating `query predicate` against a response, with expected and actual.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::capture::{evaluate, ReceivedResponse};
use crate::model::{Expectation, Predicate};
use crate::template::{Context, Template};

/// The outcome of one expectation, with what was expected and what was found.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExpectationResult {
    /// The expectation as written, e.g. `jsonpath "$.state" == "Delivered"`.
    pub expectation: String,
    pub passed: bool,
    /// What was expected, after substituting variables.
    pub expected: String,
    /// What the response held (`nothing` when the query matched nothing).
    pub actual: String,
}

impl std::fmt::Display for ExpectationResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: expected {}, got {}",
            self.expectation, self.expected, self.actual
        )
    }
}

/// Substitutes `{{variables}}` inside the strings of an expected JSON value.
pub fn resolve_value(
    value: &Value,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Value, String> {
    Ok(match value {
        Value::String(s) if s.contains("{{") => {
            let t = Template::parse(s)?;
            Value::String(t.render(Context::Plain, lookup).map_err(|e| match e {
                crate::template::RenderError::Missing(v)
                | crate::template::RenderError::LineBreak(v) => v,
            })?)
        }
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| resolve_value(v, lookup))
                .collect::<Result<_, _>>()?,
        ),
        other => other.clone(),
    })
}

/// Loose equality: a number written as a string still equals the number (`"201"` vs `201`).
fn same(actual: &Value, expected: &Value) -> bool {
    if actual == expected {
        return true;
    }
    match (actual, expected) {
        (Value::Number(a), Value::String(e)) | (Value::String(e), Value::Number(a)) => {
            a.to_string() == *e
        }
        _ => false,
    }
}

fn show(value: &Option<Value>) -> String {
    match value {
        None => "nothing".to_string(),
        Some(v) => v.to_string(),
    }
}

/// Evaluates one expectation. A variable missing from `lookup` fails it (naming the variable).
pub fn check(
    expectation: &Expectation,
    response: &ReceivedResponse,
    body: Option<&Value>,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> ExpectationResult {
    let written = expectation.to_string();
    let actual = match evaluate(&expectation.query, response, body, lookup) {
        Ok(v) => v,
        Err(message) => {
            return ExpectationResult {
                expectation: written,
                passed: false,
                expected: "a valid query".into(),
                actual: message,
            }
        }
    };
    let resolve = |v: &Value| resolve_value(v, lookup);
    let (passed, expected) = match &expectation.predicate {
        Predicate::Exists => (actual.is_some(), "a value".to_string()),
        Predicate::NotExists => (actual.is_none(), "nothing".to_string()),
        Predicate::Equals(v) | Predicate::NotEquals(v) => match resolve(v) {
            Ok(e) => {
                let eq = actual.as_ref().is_some_and(|a| same(a, &e));
                let negate = matches!(expectation.predicate, Predicate::NotEquals(_));
                (
                    eq != negate,
                    if negate {
                        format!("not {e}")
                    } else {
                        e.to_string()
                    },
                )
            }
            Err(var) => (false, format!("a value for `{{{{{var}}}}}`")),
        },
        Predicate::Contains(v) => match resolve(v) {
            Ok(e) => {
                let hit = match (&actual, &e) {
                    (Some(Value::String(a)), Value::String(needle)) => a.contains(needle.as_str()),
                    (Some(Value::Array(items)), needle) => items.iter().any(|i| same(i, needle)),
                    _ => false,
                };
                (hit, format!("something containing {e}"))
            }
            Err(var) => (false, format!("a value for `{{{{{var}}}}}`")),
        },
        Predicate::OneOf(options) => {
            match options.iter().map(resolve).collect::<Result<Vec<_>, _>>() {
                Ok(opts) => (
                    actual
                        .as_ref()
                        .is_some_and(|a| opts.iter().any(|o| same(a, o))),
                    format!("one of {}", Value::Array(opts)),
                ),
                Err(var) => (false, format!("a value for `{{{{{var}}}}}`")),
            }
        }
    };
    ExpectationResult {
        expectation: written,
        passed,
        expected,
        actual: show(&actual),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Query;
    use serde_json::json;

    fn run(predicate: Predicate, path: &str) -> ExpectationResult {
        let r = ReceivedResponse {
            status: 200,
            headers: vec![],
            body: r#"{"state":"Delivered","tags":["a","b"],"name":"Admin1-x","n":3}"#.into(),
            elapsed_ms: 0,
        };
        let e = Expectation {
            query: Query::JsonPath(path.into()),
            predicate,
        };
        check(&e, &r, r.json().as_ref(), &|n| {
            (n == "tag").then(|| "x".to_string())
        })
    }

    #[test]
    fn predicates_report_expected_and_actual() {
        assert!(run(Predicate::Equals(json!("Delivered")), "$.state").passed);
        let r = run(Predicate::Equals(json!("Submitted")), "$.state");
        assert!(!r.passed);
        assert_eq!(r.expected, "\"Submitted\"");
        assert_eq!(r.actual, "\"Delivered\"");
        assert!(r
            .to_string()
            .contains("expected \"Submitted\", got \"Delivered\""));
        assert!(run(Predicate::Exists, "$.state").passed);
        assert!(!run(Predicate::Exists, "$.nope").passed);
        assert!(run(Predicate::NotExists, "$.nope").passed);
        assert!(run(Predicate::Contains(json!("-{{tag}}")), "$.name").passed);
        assert!(run(Predicate::Contains(json!("b")), "$.tags").passed);
        assert!(
            run(
                Predicate::OneOf(vec![json!("Denied"), json!("Delivered")]),
                "$.state"
            )
            .passed
        );
        assert!(!run(Predicate::OneOf(vec![json!("Denied")]), "$.state").passed);
        assert!(run(Predicate::Equals(json!("3")), "$.n").passed);
        assert!(run(Predicate::NotEquals(json!("x")), "$.state").passed);
        let missing = run(Predicate::Equals(json!("{{nope}}")), "$.state");
        assert!(!missing.passed);
        assert!(missing.expected.contains("nope"));
    }
}
