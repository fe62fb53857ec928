//! Which variables each step uses, and the load-time check that every one has a provider.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::format::{err, ParseError, BUILTINS};
use crate::model::{Expectation, Predicate, Query, RequestTemplate, Step, Tutorial};
use crate::template::Template;

/// Every variable an expectation refers to.
fn expectation_vars(e: &Expectation) -> Vec<String> {
    let mut out = Vec::new();
    if let Query::JsonPath(p) = &e.query {
        if let Ok(t) = Template::parse(p) {
            out.extend(t.vars().map(str::to_string));
        }
    }
    let mut visit = |v: &Value| value_vars(v, &mut out);
    match &e.predicate {
        Predicate::Equals(v) | Predicate::NotEquals(v) | Predicate::Contains(v) => visit(v),
        Predicate::OneOf(vs) => vs.iter().for_each(visit),
        Predicate::Exists | Predicate::NotExists => {}
    }
    out
}

fn value_vars(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => {
            if let Ok(t) = Template::parse(s) {
                out.extend(t.vars().map(str::to_string));
            }
        }
        Value::Array(items) => items.iter().for_each(|i| value_vars(i, out)),
        _ => {}
    }
}

pub(crate) fn request_vars(r: &RequestTemplate) -> Vec<String> {
    let mut out: Vec<String> = r.url.vars().map(str::to_string).collect();
    for (_, v) in &r.headers {
        out.extend(v.vars().map(str::to_string));
    }
    if let Some(b) = &r.body {
        out.extend(b.vars().map(str::to_string));
    }
    out
}

/// The variables naming the account a step runs as (its identity's user principal name).
pub(crate) fn identity_vars(t: &Tutorial, step: &Step) -> Vec<String> {
    step.run_as
        .as_deref()
        .and_then(|name| t.identity(name))
        .map(|i| i.upn.vars().map(str::to_string).collect())
        .unwrap_or_default()
}

/// Variables a step needs before it can send its request (request, expectations, polling).
pub(crate) fn step_inputs(step: &Step) -> Vec<String> {
    // A step's own captures do not exist before its request is sent.
    let mut before: Vec<String> = request_vars(&step.request);
    let mut out = Vec::new();
    for e in &step.expectations {
        out.extend(expectation_vars(e));
    }
    if let Some(p) = &step.poll {
        for e in p.until.iter().chain(&p.fail) {
            out.extend(expectation_vars(e));
        }
    }
    if let Some(c) = &step.cleanup {
        out.extend(request_vars(&c.request));
        if let Some(w) = &c.wait {
            out.extend(request_vars(&w.request));
            for e in w.poll.until.iter().chain(&w.poll.fail) {
                out.extend(expectation_vars(e));
            }
        }
    }
    let own: BTreeSet<&str> = step.captures.iter().map(|c| c.name.as_str()).collect();
    out.retain(|v| !own.contains(v.as_str()) && !v.starts_with("cleanup."));
    before.extend(out);
    let mut seen = BTreeSet::new();
    before.retain(|v| seen.insert(v.clone()));
    before
}

/// Why the earlier steps that capture `var` do not provide it on every path step `index` runs on, if they
/// do not: each capturer is on one path (`when:`), and some path of the step has none of them.
fn off_path_only(t: &Tutorial, index: usize, var: &str) -> Option<String> {
    let step = &t.steps[index];
    let capturers: Vec<&Step> = t.steps[..index]
        .iter()
        .filter(|s| s.captures.iter().any(|c| c.name == var))
        .collect();
    if capturers.is_empty() || capturers.iter().any(|c| c.when.is_none()) {
        return None;
    }
    // The values of the capturers' input the step runs with: its own path's, or every choice.
    let input = capturers[0].when.as_ref()?.input.clone();
    let values: Vec<String> = match &step.when {
        Some(w) if w.input == input && w.equals => vec![w.value.clone()],
        _ => t
            .inputs
            .iter()
            .find(|i| i.name == input)
            .map(|i| i.choices.iter().map(|c| c.value.clone()).collect())
            .unwrap_or_default(),
    };
    let uncovered = values.iter().find(|value| {
        !capturers.iter().any(|c| {
            c.when
                .as_ref()
                .is_some_and(|w| w.input == input && w.holds(value))
        })
    });
    match (uncovered, values.is_empty()) {
        (Some(value), _) => Some(format!(
            "which no earlier step captures when `input.{input}` is `{value}`"
        )),
        (None, true) => Some(format!(
            "which only steps on one path of the free-text input `input.{input}` capture"
        )),
        (None, false) => None,
    }
}

pub(crate) fn validate(t: &Tutorial, _lines: &[&str]) -> Result<(), ParseError> {
    let mut known: BTreeSet<String> = BUILTINS.iter().map(|s| s.to_string()).collect();
    for input in &t.inputs {
        known.insert(format!("input.{}", input.name));
    }
    let mut ids = BTreeSet::new();
    for (index, step) in t.steps.iter().enumerate() {
        if !ids.insert(step.id.as_str()) {
            return err(
                step.line,
                format!("step id `{}` is used twice; give one a `{{#id}}`", step.id),
            );
        }
        for after in &step.after {
            match t.step_index(after) {
                Some(j) if j < index => {}
                Some(_) => {
                    return err(
                        step.line,
                        format!(
                            "step `{}` says `after: {after}`, but that step comes later",
                            step.id
                        ),
                    )
                }
                None => {
                    return err(
                        step.line,
                        format!(
                            "step `{}` says `after: {after}`, but there is no such step",
                            step.id
                        ),
                    )
                }
            }
        }
        if let Some(name) = &step.run_as {
            if t.identity(name).is_none() {
                let declared: Vec<&str> = t.identities.iter().map(|i| i.name.as_str()).collect();
                return err(
                    step.line,
                    format!(
                        "step `{}` runs `as: {name}`, but the front matter declares no `identity {name}: …`{}",
                        step.id,
                        if declared.is_empty() { String::new() } else { format!(" (declared: {})", declared.join(", ")) }
                    ),
                );
            }
        }
        if let Some(when) = &step.when {
            let Some(input) = t.inputs.iter().find(|i| i.name == when.input) else {
                return err(
                    step.line,
                    format!("step `{}` says `when: input.{} …`, but the front matter declares no `input {}`", step.id, when.input, when.input),
                );
            };
            if !input.choices.is_empty() && !input.choices.iter().any(|c| c.value == when.value) {
                let values: Vec<&str> = input.choices.iter().map(|c| c.value.as_str()).collect();
                return err(
                    step.line,
                    format!("step `{}` compares `input.{}` with `{}`, which is not one of its choices ({})", step.id, when.input, when.value, values.join(", ")),
                );
            }
        }
        let mut inputs = step_inputs(step);
        inputs.extend(identity_vars(t, step));
        for var in inputs {
            if known.contains(&var) {
                if let Some(why) = off_path_only(t, index, &var) {
                    return err(
                        step.line,
                        format!("step `{}` uses `{{{{{var}}}}}`, {why}", step.id),
                    );
                }
                continue;
            }
            let later = t.steps[index..]
                .iter()
                .find(|s| s.captures.iter().any(|c| c.name == var))
                .filter(|s| s.id != step.id);
            let why = match later {
                Some(s) => format!("; step `{}` captures it but comes later", s.id),
                None if var.starts_with("input.") => {
                    "; declare it with `input` in the front matter".to_string()
                }
                None => String::new(),
            };
            return err(
                step.line,
                format!(
                    "step `{}` uses `{{{{{var}}}}}`, which no earlier step captures{why}",
                    step.id
                ),
            );
        }
        if let Some(cleanup) = &step.cleanup {
            if let Some(wait) = &cleanup.wait {
                let local: BTreeSet<String> = cleanup
                    .captures
                    .iter()
                    .map(|c| format!("cleanup.{}", c.name))
                    .collect();
                for var in request_vars(&wait.request) {
                    if var.starts_with("cleanup.") && !local.contains(&var) {
                        return err(step.line, format!("step `{}` waits on `{{{{{var}}}}}`, which [Cleanup Captures] does not define", step.id));
                    }
                }
            }
        }
        for c in &step.captures {
            known.insert(c.name.clone());
        }
    }
    Ok(())
}
