//! Exports a tutorial or a run as `.http`, curl, PowerShell or Hurl, never with a token.

use std::fmt::Write;

use serde_json::Value;

use crate::model::{Capture, Expectation, Poll, Predicate, Query, RequestTemplate, Step, Tutorial};
use crate::runner::Run;
use crate::template::{Segment, Template};

/// The file formats a run can be exported to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    /// REST Client / JetBrains HTTP Client.
    Http,
    /// A bash script of curl calls (uses `jq` for captures).
    Curl,
    /// PowerShell with `Invoke-MgGraphRequest` (Microsoft Graph PowerShell SDK).
    PowerShell,
    Hurl,
}

/// What to export: a tutorial alone, or a run (its inputs and run tag filled in).
pub enum ExportSource<'a> {
    Tutorial(&'a Tutorial),
    Run(&'a Run),
}

impl<'a> From<&'a Tutorial> for ExportSource<'a> {
    fn from(t: &'a Tutorial) -> Self {
        ExportSource::Tutorial(t)
    }
}

impl<'a> From<&'a Run> for ExportSource<'a> {
    fn from(r: &'a Run) -> Self {
        ExportSource::Run(r)
    }
}

/// Everything the writers need: steps with their effective requests and the starting values.
struct Plan<'a> {
    tutorial: &'a Tutorial,
    steps: Vec<(&'a Step, RequestTemplate)>,
    /// (variable, value) set up front: base, run tag, inputs. The password and token never are.
    givens: Vec<(String, String)>,
}

fn plan<'a>(source: &ExportSource<'a>) -> Plan<'a> {
    match source {
        ExportSource::Tutorial(t) => {
            let mut givens = vec![
                ("base".to_string(), t.base_url.clone()),
                ("run.tag".to_string(), "demo01".to_string()),
            ];
            for input in &t.inputs {
                givens.push((format!("input.{}", input.name), input.default.clone()));
            }
            Plan {
                tutorial: t,
                steps: t.steps.iter().map(|s| (s, s.request.clone())).collect(),
                givens,
            }
        }
        ExportSource::Run(run) => {
            let t = run.tutorial();
            let mut givens = Vec::new();
            for name in ["base", "run.tag"] {
                if let Some(v) = run.variables().get(name) {
                    givens.push((name.to_string(), v.value.clone()));
                }
            }
            for input in &t.inputs {
                let name = format!("input.{}", input.name);
                let value = run
                    .variables()
                    .get(&name)
                    .map_or(input.default.clone(), |v| v.value.clone());
                givens.push((name, value));
            }
            Plan {
                tutorial: t,
                steps: t
                    .steps
                    .iter()
                    .enumerate()
                    .map(|(i, s)| {
                        (
                            s,
                            run.effective_request(i)
                                .cloned()
                                .unwrap_or_else(|| s.request.clone()),
                        )
                    })
                    .collect(),
                givens,
            }
        }
    }
}

/// A variable name every target language accepts.
fn ident(name: &str) -> String {
    name.replace(['.', '-'], "_")
}

/// Renames `{{run.tag}}` to `{{run_tag}}` etc. for formats with `{{ }}` templates.
fn braces(t: &Template) -> String {
    t.segments()
        .iter()
        .map(|s| match s {
            Segment::Text(x) => x.clone(),
            Segment::Var(v) => format!("{{{{{}}}}}", ident(v)),
        })
        .collect()
}

/// Renders the export. The access token is always a placeholder, and so is the password.
pub fn export<'a>(source: impl Into<ExportSource<'a>>, format: ExportFormat) -> String {
    let plan = plan(&source.into());
    match format {
        ExportFormat::Http => http_file(&plan),
        ExportFormat::Curl => curl(&plan),
        ExportFormat::PowerShell => powershell(&plan),
        ExportFormat::Hurl => hurl(&plan),
    }
}

// ----- a small JSONPath subset, for formats that need it translated -----------------------

#[derive(Debug, PartialEq)]
enum PathSeg {
    Field(String),
    Index(i64),
    All,
    /// `[?@.a.b == value]`
    Filter(Vec<String>, Lit),
}

#[derive(Debug, PartialEq)]
enum Lit {
    /// May contain `{{variables}}`.
    Str(String),
    Other(Value),
}

/// Parses `$.a.b[0][*][?@.x.y == 'v']`; anything fancier returns `None`.
fn parse_path(path: &str) -> Option<Vec<PathSeg>> {
    let mut rest = path.strip_prefix('$')?;
    let mut out = Vec::new();
    let field = |s: &str| -> (String, usize) {
        let end = s
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '@'))
            .unwrap_or(s.len());
        (s[..end].to_string(), end)
    };
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('.') {
            if r.starts_with('.') {
                return None;
            }
            let (name, end) = field(r);
            if name.is_empty() {
                return None;
            }
            out.push(PathSeg::Field(name));
            rest = &r[end..];
        } else if let Some(r) = rest.strip_prefix("[*]") {
            out.push(PathSeg::All);
            rest = r;
        } else if let Some(r) = rest.strip_prefix("[?") {
            let close = r.find(']')?;
            let (lhs, rhs) = r[..close].split_once("==")?;
            let lhs = lhs.trim().strip_prefix('@')?;
            let fields: Vec<String> = lhs
                .split('.')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect();
            let rhs = rhs.trim();
            let lit = if let Some(s) = rhs.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')) {
                Lit::Str(s.to_string())
            } else {
                Lit::Other(serde_json::from_str(rhs).ok()?)
            };
            out.push(PathSeg::Filter(fields, lit));
            rest = &r[close + 1..];
        } else if let Some(r) = rest.strip_prefix('[') {
            let close = r.find(']')?;
            out.push(PathSeg::Index(r[..close].trim().parse().ok()?));
            rest = &r[close + 1..];
        } else {
            return None;
        }
    }
    Some(out)
}

/// A jq expression for a JSONPath; variables become jq `$name` bound with `--arg`.
fn jq_path(path: &str) -> Option<(String, Vec<String>)> {
    let segs = parse_path(path)?;
    let mut expr = String::new();
    let mut args = Vec::new();
    let mut piped = false;
    for seg in segs {
        let sep = if piped { " | ." } else { "." };
        match seg {
            PathSeg::Field(f) if f.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => {
                let _ = write!(expr, "{}{f}", if piped { " | ." } else { "." });
            }
            PathSeg::Field(f) => {
                let _ = write!(expr, "{sep}[{}]", Value::String(f));
            }
            PathSeg::Index(i) => {
                let _ = write!(expr, "{}[{i}]", if piped { " | ." } else { "" });
            }
            PathSeg::All => expr.push_str(if piped { " | .[]" } else { "[]" }),
            PathSeg::Filter(fields, lit) => {
                let value = match lit {
                    Lit::Str(s) => match Template::parse(&s) {
                        Ok(t) if t.vars().next().is_some() => {
                            let mut parts = Vec::new();
                            for seg in t.segments() {
                                match seg {
                                    Segment::Text(x) => {
                                        parts.push(Value::String(x.clone()).to_string())
                                    }
                                    Segment::Var(v) => {
                                        args.push(ident(v));
                                        parts.push(format!("${}", ident(v)));
                                    }
                                }
                            }
                            parts.join(" + ")
                        }
                        _ => Value::String(s).to_string(),
                    },
                    Lit::Other(v) => v.to_string(),
                };
                let _ = write!(
                    expr,
                    "{}[] | select(.{} == {value})",
                    if piped { " | ." } else { "" },
                    fields.join(".")
                );
                piped = true;
            }
        }
    }
    if expr.is_empty() {
        expr.push('.');
    }
    Some((expr, args))
}

/// A PowerShell expression for a JSONPath over `$response`.
fn ps_path(path: &str, root: &str) -> Option<String> {
    let mut expr = root.to_string();
    for seg in parse_path(path)? {
        match seg {
            PathSeg::Field(f) => {
                if f.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                    let _ = write!(expr, ".{f}");
                } else {
                    let _ = write!(expr, ".'{f}'");
                }
            }
            PathSeg::Index(i) => expr = format!("@({expr})[{i}]"),
            PathSeg::All => {}
            PathSeg::Filter(fields, lit) => {
                let value = match lit {
                    Lit::Str(s) => ps_string(&Template::parse(&s).ok()?),
                    Lit::Other(Value::Bool(b)) => format!("${b}"),
                    Lit::Other(v) => v.to_string(),
                };
                expr = format!(
                    "@({expr} | Where-Object {{ $_.{} -eq {value} }})",
                    fields.join(".")
                );
            }
        }
    }
    Some(format!("@({expr})[0]"))
}

/// REST Client's JSONPath dialect wants filters in parentheses; variables cannot appear there.
fn rest_client_path(path: &str) -> Option<String> {
    if path.contains("{{") {
        return None;
    }
    let segs = parse_path(path)?;
    let mut out = "$".to_string();
    for seg in segs {
        match seg {
            PathSeg::Field(f) => {
                let _ = write!(out, ".{f}");
            }
            PathSeg::Index(i) => {
                let _ = write!(out, "[{i}]");
            }
            PathSeg::All => out.push_str("[*]"),
            PathSeg::Filter(fields, lit) => {
                let value = match lit {
                    Lit::Str(s) => format!("'{s}'"),
                    Lit::Other(v) => v.to_string(),
                };
                let _ = write!(out, "[?(@.{} == {value})]", fields.join("."));
            }
        }
    }
    Some(out)
}

/// URL text with spaces encoded: curl and Hurl reject raw spaces in `$filter`.
fn encoded_url(t: &Template) -> Template {
    let text: String = t
        .segments()
        .iter()
        .map(|s| match s {
            Segment::Text(x) => x.replace(' ', "%20"),
            Segment::Var(v) => format!("{{{{{v}}}}}"),
        })
        .collect();
    Template::parse(&text).unwrap_or_else(|_| t.clone())
}

fn cleanup_order(plan: &Plan) -> Vec<usize> {
    // Reverse document order puts what was built last (the assignment) first.
    (0..plan.steps.len())
        .rev()
        .filter(|&i| plan.steps[i].0.cleanup.is_some())
        .collect()
}

// ----- .http ------------------------------------------------------------------------------

fn http_request(out: &mut String, r: &RequestTemplate) {
    let _ = writeln!(out, "{} {}", r.method, braces(&r.url));
    out.push_str("Authorization: Bearer {{token}}\n");
    for (k, v) in &r.headers {
        let _ = writeln!(out, "{k}: {}", braces(v));
    }
    if let Some(b) = &r.body {
        let _ = writeln!(out, "\n{}", braces(b));
    }
    out.push('\n');
}

fn http_file(plan: &Plan) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n# Exported from graphwalk. Requests run top to bottom; later ones reuse ids from earlier responses.", plan.tutorial.title);
    out.push_str("# The access token is a placeholder: paste one, never commit it.\n@token = <paste an access token>\n");
    out.push_str("@run_password = {{$processEnv RUN_PASSWORD}}\n");
    for (k, v) in &plan.givens {
        let _ = writeln!(out, "@{} = {v}", ident(k));
    }
    for (step, request) in &plan.steps {
        for c in &step.captures {
            let name = ident(&step.id);
            let value = match &c.query {
                Query::JsonPath(p) => {
                    rest_client_path(p).map(|p| format!("{{{{{name}.response.body.{p}}}}}"))
                }
                Query::Header(h) => Some(format!("{{{{{name}.response.headers.{h}}}}}")),
                Query::Status => None,
            };
            match value {
                Some(v) => {
                    let _ = writeln!(out, "@{} = {v}", ident(&c.name));
                }
                None => {
                    let _ = writeln!(
                        out,
                        "# set by hand from the response of `{}`: {}\n@{} =",
                        step.id,
                        c.query,
                        ident(&c.name)
                    );
                }
            }
        }
        let _ = request;
    }
    out.push('\n');
    for (step, request) in &plan.steps {
        let _ = writeln!(out, "### {}\n# @name {}", step.title, ident(&step.id));
        for e in &step.expectations {
            let _ = writeln!(out, "# expect: {}", braces_text(&e.to_string()));
        }
        if let Some(p) = &step.poll {
            for u in &p.until {
                let _ = writeln!(out, "# send again until: {}", braces_text(&u.to_string()));
            }
        }
        http_request(&mut out, request);
    }
    for i in cleanup_order(plan) {
        let (step, _) = &plan.steps[i];
        if let Some(c) = &step.cleanup {
            let _ = writeln!(out, "### Clean up: {}", step.title);
            http_request(&mut out, &c.request);
        }
    }
    out
}

fn braces_text(s: &str) -> String {
    Template::parse(s).map_or_else(|_| s.to_string(), |t| braces(&t))
}

// ----- Hurl -------------------------------------------------------------------------------

fn hurl_predicate(e: &Expectation) -> String {
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

fn hurl_entry(
    out: &mut String,
    r: &RequestTemplate,
    captures: &[Capture],
    asserts: &[&Expectation],
    poll: Option<&Poll>,
) {
    let _ = writeln!(out, "{} {}", r.method, braces(&encoded_url(&r.url)));
    out.push_str("Authorization: Bearer {{token}}\n");
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

fn hurl(plan: &Plan) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# {}\n# Exported from graphwalk. Run with:",
        plan.tutorial.title
    );
    out.push_str("#   hurl --test --variable token=<access token> --variable run_password=<strong password> \\\n");
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
            hurl_entry(&mut out, &c.request, &caps, &[], None);
            if let Some(w) = &c.wait {
                let mut req = w.request.clone();
                req.url = rename_cleanup_vars(&req.url, &step.id);
                let until: Vec<&Expectation> = w.poll.until.iter().collect();
                hurl_entry(&mut out, &req, &[], &until, Some(&w.poll));
            }
        }
    }
    out
}

/// `{{cleanup.x}}` is per cleanup entry; exports give it the step's name so entries do not clash.
fn rename_cleanup_vars(t: &Template, step_id: &str) -> Template {
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

// ----- bash + curl ------------------------------------------------------------------------

/// A bash double-quoted string with `$name` for variables.
fn sh_string(t: &Template) -> String {
    let mut out = String::from("\"");
    for seg in t.segments() {
        match seg {
            Segment::Text(x) => {
                for c in x.chars() {
                    if matches!(c, '"' | '\\' | '$' | '`') {
                        out.push('\\');
                    }
                    out.push(c);
                }
            }
            Segment::Var(v) => {
                let _ = write!(out, "${{{}}}", ident(v));
            }
        }
    }
    out.push('"');
    out
}

fn jq_test(e: &Expectation) -> Option<(String, Vec<String>)> {
    let Query::JsonPath(p) = &e.query else {
        return None;
    };
    let (path, mut args) = jq_path(p)?;
    let mut lit = |v: &Value| -> String {
        match v {
            Value::String(s) => match Template::parse(s) {
                Ok(t) if t.vars().next().is_some() => t
                    .segments()
                    .iter()
                    .map(|seg| match seg {
                        Segment::Text(x) => Value::String(x.clone()).to_string(),
                        Segment::Var(name) => {
                            args.push(ident(name));
                            format!("${}", ident(name))
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(" + "),
                _ => v.to_string(),
            },
            other => other.to_string(),
        }
    };
    let first = format!("([{path}][0])");
    let test = match &e.predicate {
        Predicate::Equals(v) => format!("{first} == ({})", lit(v)),
        Predicate::NotEquals(v) => format!("{first} != ({})", lit(v)),
        Predicate::Exists => format!("{first} != null"),
        Predicate::NotExists => format!("{first} == null"),
        Predicate::Contains(v) => format!("{first} | contains({})", lit(v)),
        Predicate::OneOf(vs) => {
            let alts: Vec<String> = vs.iter().map(&mut lit).collect();
            format!(
                "{first} as $x | [{}] | index([$x]) != null",
                alts.join(", ")
            )
        }
    };
    Some((test, args))
}

fn jq_args(args: &[String]) -> String {
    let mut seen = std::collections::BTreeSet::new();
    args.iter()
        .filter(|a| seen.insert(a.as_str()))
        .map(|a| format!(" --arg {a} \"${a}\""))
        .collect()
}

fn curl_call(out: &mut String, r: &RequestTemplate, indent: &str) {
    let _ = write!(
        out,
        "{indent}response=$(curl -sS --fail-with-body -X {} {}",
        r.method,
        sh_string(&r.url)
    );
    out.push_str(" \\\n");
    let _ = write!(out, "{indent}  -H \"Authorization: Bearer ${{TOKEN}}\"");
    for (k, v) in &r.headers {
        let header = Template::parse(&format!("{k}: {}", v.source())).unwrap_or_else(|_| v.clone());
        let _ = write!(out, " \\\n{indent}  -H {}", sh_string(&header));
    }
    if let Some(b) = &r.body {
        let _ = write!(out, " \\\n{indent}  --data-binary {}", sh_string(b));
    }
    out.push_str(")\n");
}

fn curl(plan: &Plan) -> String {
    let mut out = String::from("#!/usr/bin/env bash\n");
    let _ = writeln!(
        out,
        "# {}\n# Exported from graphwalk. Needs curl and jq.",
        plan.tutorial.title
    );
    out.push_str("set -euo pipefail\n\n");
    out.push_str("TOKEN=\"${TOKEN:?set TOKEN to an access token}\"\n");
    out.push_str("run_password=\"${RUN_PASSWORD:?set RUN_PASSWORD to a strong password for the test accounts}\"\n");
    for (k, v) in &plan.givens {
        let _ = writeln!(out, "{}={}", ident(k), sh_string(&Template::literal(v)));
    }
    for (step, request) in &plan.steps {
        let _ = writeln!(out, "\n# {}", step.title);
        match &step.poll {
            Some(p) => {
                let tries = (p.limit_ms / p.interval_ms.max(1)).max(1);
                let _ = writeln!(out, "for attempt in $(seq 1 {tries}); do");
                curl_call(&mut out, request, "  ");
                let mut conds = Vec::new();
                for u in &p.until {
                    if let Some((test, args)) = jq_test(u) {
                        conds.push(format!(
                            "jq -e{} '{}' >/dev/null <<<\"$response\"",
                            jq_args(&args),
                            test.replace('\'', "'\\''")
                        ));
                    }
                }
                for f in &p.fail {
                    if let Some((test, args)) = jq_test(f) {
                        let _ = writeln!(
                            out,
                            "  if jq -e{} '{}' >/dev/null <<<\"$response\"; then echo \"{}: terminal state\" >&2; exit 1; fi",
                            jq_args(&args),
                            test.replace('\'', "'\\''"),
                            step.id
                        );
                    }
                }
                if conds.is_empty() {
                    out.push_str("  break\n");
                } else {
                    let _ = writeln!(out, "  if {}; then break; fi", conds.join(" && "));
                }
                let _ = writeln!(
                    out,
                    "  sleep {}",
                    (p.interval_ms as f64 / 1000.0).max(0.001)
                );
                out.push_str("done\n");
            }
            None => curl_call(&mut out, request, ""),
        }
        for e in &step.expectations {
            if let Some((test, args)) = jq_test(e) {
                let _ = writeln!(
                    out,
                    "jq -e{} '{}' >/dev/null <<<\"$response\" || {{ echo \"{}: expected {}\" >&2; exit 1; }}",
                    jq_args(&args),
                    test.replace('\'', "'\\''"),
                    step.id,
                    e.to_string().replace(['"', '$', '`', '\\'], "")
                );
            }
        }
        for c in &step.captures {
            match &c.query {
                Query::JsonPath(p) => match jq_path(p) {
                    Some((expr, args)) => {
                        let _ = writeln!(
                            out,
                            "{}=$(jq -r{} '[{}][0] // empty' <<<\"$response\")",
                            ident(&c.name),
                            jq_args(&args),
                            expr.replace('\'', "'\\''")
                        );
                    }
                    None => {
                        let _ = writeln!(out, "{}=\"\" # set by hand: {}", ident(&c.name), c.query);
                    }
                },
                _ => {
                    let _ = writeln!(out, "{}=\"\" # set by hand: {}", ident(&c.name), c.query);
                }
            }
        }
    }
    let order = cleanup_order(plan);
    if !order.is_empty() {
        out.push_str(
            "\n# Clean up, newest first. Run this part again if it stops half way.\nset +e\n",
        );
    }
    for i in order {
        let (step, _) = &plan.steps[i];
        if let Some(c) = &step.cleanup {
            let _ = writeln!(out, "# Clean up: {}", step.title);
            curl_call(&mut out, &c.request, "");
            if let Some(w) = &c.wait {
                for x in &c.captures {
                    if let Query::JsonPath(p) = &x.query {
                        if let Some((expr, args)) = jq_path(p) {
                            let _ = writeln!(
                                out,
                                "cleanup_{}=$(jq -r{} '[{}][0] // empty' <<<\"$response\")",
                                ident(&x.name),
                                jq_args(&args),
                                expr
                            );
                        }
                    }
                }
                let tries = (w.poll.limit_ms / w.poll.interval_ms.max(1)).max(1);
                let _ = writeln!(out, "for attempt in $(seq 1 {tries}); do");
                curl_call(&mut out, &w.request, "  ");
                let conds: Vec<String> = w
                    .poll
                    .until
                    .iter()
                    .filter_map(jq_test)
                    .map(|(t, a)| {
                        format!("jq -e{} '{}' >/dev/null <<<\"$response\"", jq_args(&a), t)
                    })
                    .collect();
                if !conds.is_empty() {
                    let _ = writeln!(out, "  if {}; then break; fi", conds.join(" && "));
                }
                let _ = writeln!(
                    out,
                    "  sleep {}",
                    (w.poll.interval_ms as f64 / 1000.0).max(0.001)
                );
                out.push_str("done\n");
            }
        }
    }
    out
}

// ----- PowerShell -------------------------------------------------------------------------

/// A PowerShell expression: single-quoted literals joined with variables.
fn ps_string(t: &Template) -> String {
    let mut parts = Vec::new();
    for seg in t.segments() {
        match seg {
            Segment::Text(x) => parts.push(format!("'{}'", x.replace('\'', "''"))),
            Segment::Var(v) => parts.push(format!("${}", ident(v))),
        }
    }
    if parts.is_empty() {
        return "''".into();
    }
    format!("({})", parts.join(" + "))
}

fn ps_call(out: &mut String, r: &RequestTemplate, indent: &str) {
    let _ = write!(
        out,
        "{indent}$response = Invoke-MgGraphRequest -Method {} -Uri {} -OutputType PSObject",
        r.method,
        ps_string(&r.url)
    );
    let mut headers = Vec::new();
    for (k, v) in &r.headers {
        if k.eq_ignore_ascii_case("content-type") {
            let _ = write!(out, " -ContentType {}", ps_string(v));
        } else {
            headers.push(format!("'{}' = {}", k.replace('\'', "''"), ps_string(v)));
        }
    }
    if !headers.is_empty() {
        let _ = write!(out, " -Headers @{{ {} }}", headers.join("; "));
    }
    if let Some(b) = &r.body {
        let _ = write!(out, " -Body {}", ps_string(b));
    }
    out.push('\n');
}

fn ps_test(e: &Expectation) -> Option<String> {
    let actual = match &e.query {
        Query::JsonPath(p) => ps_path(p, "$response")?,
        _ => return None,
    };
    let lit = |v: &Value| match v {
        Value::String(s) => Template::parse(s).map_or_else(|_| format!("'{s}'"), |t| ps_string(&t)),
        Value::Bool(b) => format!("${b}"),
        other => other.to_string(),
    };
    Some(match &e.predicate {
        Predicate::Equals(v) => format!("({actual} -eq {})", lit(v)),
        Predicate::NotEquals(v) => format!("({actual} -ne {})", lit(v)),
        Predicate::Exists => format!("($null -ne {actual})"),
        Predicate::NotExists => format!("($null -eq {actual})"),
        Predicate::Contains(v) => format!("({actual} -like ('*' + {} + '*'))", lit(v)),
        Predicate::OneOf(vs) => format!(
            "(@({}) -contains {actual})",
            vs.iter().map(lit).collect::<Vec<_>>().join(", ")
        ),
    })
}

fn powershell(plan: &Plan) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# {}\n# Exported from graphwalk. Needs the Microsoft Graph PowerShell SDK.",
        plan.tutorial.title
    );
    out.push_str("$ErrorActionPreference = 'Stop'\n");
    let _ =
        writeln!(
        out,
        "# Sign in interactively; no token is stored in this script.\nConnect-MgGraph -Scopes {}",
        plan.tutorial.scopes.iter().map(|s| format!("'{s}'")).collect::<Vec<_>>().join(", ")
    );
    out.push_str("$run_password = $env:RUN_PASSWORD\nif (-not $run_password) { throw 'Set RUN_PASSWORD to a strong password for the test accounts' }\n");
    for (k, v) in &plan.givens {
        let _ = writeln!(out, "${} = '{}'", ident(k), v.replace('\'', "''"));
    }
    for (step, request) in &plan.steps {
        let _ = writeln!(out, "\n# {}", step.title);
        match &step.poll {
            Some(p) => {
                let tries = (p.limit_ms / p.interval_ms.max(1)).max(1);
                let _ = writeln!(
                    out,
                    "for ($attempt = 1; $attempt -le {tries}; $attempt++) {{"
                );
                ps_call(&mut out, request, "    ");
                for f in &p.fail {
                    if let Some(t) = ps_test(f) {
                        let _ =
                            writeln!(out, "    if {t} {{ throw '{}: terminal state' }}", step.id);
                    }
                }
                let conds: Vec<String> = p.until.iter().filter_map(ps_test).collect();
                if !conds.is_empty() {
                    let _ = writeln!(out, "    if ({}) {{ break }}", conds.join(" -and "));
                }
                let _ = writeln!(out, "    Start-Sleep -Milliseconds {}", p.interval_ms);
                out.push_str("}\n");
            }
            None => ps_call(&mut out, request, ""),
        }
        for e in &step.expectations {
            if let Some(t) = ps_test(e) {
                let _ = writeln!(
                    out,
                    "if (-not {t}) {{ throw '{}: expected {}' }}",
                    step.id,
                    e.to_string().replace('\'', "''")
                );
            }
        }
        for c in &step.captures {
            match &c.query {
                Query::JsonPath(p) => match ps_path(p, "$response") {
                    Some(expr) => {
                        let _ = writeln!(out, "${} = {expr}", ident(&c.name));
                    }
                    None => {
                        let _ =
                            writeln!(out, "${} = '' # set by hand: {}", ident(&c.name), c.query);
                    }
                },
                _ => {
                    let _ = writeln!(out, "${} = '' # set by hand: {}", ident(&c.name), c.query);
                }
            }
        }
    }
    for i in cleanup_order(plan) {
        let (step, _) = &plan.steps[i];
        if let Some(c) = &step.cleanup {
            let _ = writeln!(out, "\n# Clean up: {}\ntry {{", step.title);
            ps_call(&mut out, &c.request, "    ");
            if let Some(w) = &c.wait {
                for x in &c.captures {
                    if let Query::JsonPath(p) = &x.query {
                        if let Some(expr) = ps_path(p, "$response") {
                            let _ = writeln!(out, "    $cleanup_{} = {expr}", ident(&x.name));
                        }
                    }
                }
                let tries = (w.poll.limit_ms / w.poll.interval_ms.max(1)).max(1);
                let _ = writeln!(
                    out,
                    "    for ($attempt = 1; $attempt -le {tries}; $attempt++) {{"
                );
                ps_call(&mut out, &w.request, "        ");
                let conds: Vec<String> = w.poll.until.iter().filter_map(ps_test).collect();
                if !conds.is_empty() {
                    let _ = writeln!(out, "        if ({}) {{ break }}", conds.join(" -and "));
                }
                let _ = writeln!(
                    out,
                    "        Start-Sleep -Milliseconds {}",
                    w.poll.interval_ms
                );
                out.push_str("    }\n");
            }
            out.push_str("} catch { Write-Warning $_ }\n");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jsonpath_translations() {
        assert_eq!(jq_path("$.id").unwrap().0, ".id");
        assert_eq!(jq_path("$.value[0].id").unwrap().0, ".value[0].id");
        let (expr, args) = jq_path("$.value[?@.targetId == '{{requestor_id}}'].id").unwrap();
        assert_eq!(expr, ".value[] | select(.targetId == $requestor_id) | .id");
        assert_eq!(args, vec!["requestor_id"]);
        assert_eq!(
            jq_path("$.value[0].verifiedDomains[?@.isDefault == true].name")
                .unwrap()
                .0,
            ".value[0].verifiedDomains[] | select(.isDefault == true) | .name"
        );
        assert_eq!(
            ps_path("$.value[?@.target.objectId == '{{requestor_id}}'].id", "$r").unwrap(),
            "@(@($r.value | Where-Object { $_.target.objectId -eq ($requestor_id) }).id)[0]"
        );
        assert_eq!(
            rest_client_path("$.value[?@.isDefault == true].name").unwrap(),
            "$.value[?(@.isDefault == true)].name"
        );
        assert!(rest_client_path("$.value[?@.id == '{{x}}'].id").is_none());
        assert!(parse_path("$..id").is_none());
    }
}
