//! The Hurl export: captures, asserts, and polling as `retry`.

use std::fmt::Write;

use serde_json::Value;

use super::{braces, braces_text, cleanup_order, encoded_url, ident, identities, token_name, Plan};
use crate::model::{Capture, Expectation, Poll, Predicate, Query, RequestTemplate};
use crate::template::{Segment, Template};

pub(crate) fn hurl_predicate(e: &Expectation) -> String {
    let query = match &e.query {
        Query::Status => "status".to_string(),
        Query::Header(h) => format!("header {}", Value::String(h.clone())),
        Query::JsonPath(p) => format!("jsonpath {}", Value::String(braces_text(p))),
    };
    let value = |v: &Value| match v {
        Value::String(s) => Value::String(braces_text(s)).to_string(),
        other => other.to_string(),
    };
    let predicate = match &e.predicate {
        Predicate::Equals(v) => format!("== {}", value(v)),
        Predicate::NotEquals(v) => format!("!= {}", value(v)),
        Predicate::Exists => "exists".to_string(),
        Predicate::NotExists => "not exists".to_string(),
        Predicate::Contains(v) => format!("contains {}", value(v)),
        Predicate::OneOf(vs) => {
            let alts: Vec<String> = vs
                .iter()
                .map(|v| match v {
                    Value::String(s) => s
                        .chars()
                        .map(|c| {
                            if c.is_ascii_alphanumeric() {
                                c.to_string()
                            } else {
                                format!("\\{c}")
                            }
                        })
                        .collect(),
                    other => other.to_string(),
                })
                .collect();
            format!("matches /^({})$/", alts.join("|"))
        }
    };
    format!("{query} {predicate}")
}

pub(crate) fn hurl_entry(
    out: &mut String,
    r: &RequestTemplate,
    captures: &[Capture],
    asserts: &[&Expectation],
    poll: Option<&Poll>,
    token: &str,
) {
    let _ = writeln!(out, "{} {}", r.method, braces(&encoded_url(&r.url)));
    let _ = writeln!(out, "Authorization: Bearer {{{{{token}}}}}");
    for (k, v) in &r.headers {
        let _ = writeln!(out, "{k}: {}", braces(v));
    }
    if let Some(p) = poll {
        let tries = (p.limit_ms / p.interval_ms.max(1)).max(1);
        let _ = writeln!(
            out,
            "[Options]\nretry: {tries}\nretry-interval: {}ms",
            p.interval_ms
        );
    }
    if let Some(b) = &r.body {
        let _ = writeln!(out, "{}", braces(b));
    }
    out.push_str("HTTP *\n");
    if !captures.is_empty() {
        out.push_str("[Captures]\n");
        for c in captures {
            let q = match &c.query {
                Query::Status => "status".to_string(),
                Query::Header(h) => format!("header {}", Value::String(h.clone())),
                Query::JsonPath(p) => format!("jsonpath {}", Value::String(braces_text(p))),
            };
            let _ = writeln!(out, "{}: {q}", ident(&c.name));
        }
    }
    if !asserts.is_empty() {
        out.push_str("[Asserts]\n");
        for a in asserts {
            let _ = writeln!(out, "{}", hurl_predicate(a));
        }
    }
    out.push('\n');
}

pub(crate) fn hurl(plan: &Plan) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# {}\n# Exported from graphwalk. Run with:",
        plan.tutorial.title
    );
    out.push_str("#   hurl --test --variable token=<access token> --variable run_password=<strong password> \\\n");
    for identity in identities(plan) {
        let _ = writeln!(
            out,
            "#     --variable token_{}=<access token of the {}> \\",
            ident(&identity.name),
            identity.name
        );
    }
    let givens: Vec<String> = plan
        .givens
        .iter()
        .map(|(k, v)| format!("--variable {}={v}", ident(k)))
        .collect();
    let _ = writeln!(out, "#     {} this-file.hurl\n", givens.join(" "));
    for (step, request) in &plan.steps {
        let _ = writeln!(out, "# {}", step.title);
        let mut asserts: Vec<&Expectation> = step.expectations.iter().collect();
        if let Some(p) = &step.poll {
            // Hurl retries an entry until its asserts pass: the poll's goal becomes an assert.
            asserts.extend(p.until.iter().filter(|u| !step.expectations.contains(u)));
            for f in &p.fail {
                let _ = writeln!(out, "# stop early if: {}", braces_text(&f.to_string()));
            }
        }
        hurl_entry(
            &mut out,
            request,
            &step.captures,
            &asserts,
            step.poll.as_ref(),
            &token_name(step),
        );
    }
    for i in cleanup_order(plan) {
        let (step, _) = &plan.steps[i];
        if let Some(c) = &step.cleanup {
            let _ = writeln!(out, "# Clean up: {}", step.title);
            let caps: Vec<Capture> = c
                .captures
                .iter()
                .map(|x| Capture {
                    name: format!("cleanup.{}.{}", step.id, x.name),
                    ..x.clone()
                })
                .collect();
            hurl_entry(&mut out, &c.request, &caps, &[], None, "token");
            if let Some(w) = &c.wait {
                let mut req = w.request.clone();
                req.url = rename_cleanup_vars(&req.url, &step.id);
                let until: Vec<&Expectation> = w.poll.until.iter().collect();
                hurl_entry(&mut out, &req, &[], &until, Some(&w.poll), "token");
            }
        }
    }
    out
}

/// `{{cleanup.x}}` is per cleanup entry; exports give it the step's name so entries do not clash.
pub(crate) fn rename_cleanup_vars(t: &Template, step_id: &str) -> Template {
    let text: String = t
        .segments()
        .iter()
        .map(|s| match s {
            Segment::Text(x) => x.clone(),
            Segment::Var(v) => match v.strip_prefix("cleanup.") {
                Some(local) => format!("{{{{cleanup.{step_id}.{local}}}}}"),
                None => format!("{{{{{v}}}}}"),
            },
        })
        .collect();
    Template::parse(&text).unwrap_or_else(|_| t.clone())
}
