//! The PowerShell export: `Invoke-MgGraphRequest` after `Connect-MgGraph`, so no token appears.

use std::fmt::Write;

use serde_json::Value;

use super::path::ps_path;
use super::{cleanup_order, ident, Plan};
use crate::model::{Expectation, Predicate, Query, RequestTemplate};
use crate::template::{Segment, Template};

/// A PowerShell expression: single-quoted literals joined with variables.
pub(crate) fn ps_string(t: &Template) -> String {
    ps_string_of(t, "")
}

/// `t` as a PowerShell expression, each variable as `$<prefix><name>`.
pub(crate) fn ps_string_of(t: &Template, prefix: &str) -> String {
    let mut parts = Vec::new();
    for seg in t.segments() {
        match seg {
            Segment::Text(x) => parts.push(ps_quoted(x)),
            Segment::Var(v) => parts.push(format!("${prefix}{}", ident(v))),
        }
    }
    if parts.is_empty() {
        return "''".into();
    }
    format!("({})", parts.join(" + "))
}

/// `text` as a single-quoted PowerShell literal. PowerShell also ends such a string at the typographic
/// single quotes (‘ ’ ‚ ‛), so each of them is doubled too.
pub(crate) fn ps_quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('\'');
    for c in text.chars() {
        if matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}') {
            out.push(c);
        }
        out.push(c);
    }
    out.push('\'');
    out
}

/// For each variable in a JSON `body`, `$json_<name>`: its value escaped for a JSON string (quotes,
/// backslashes, control characters), as `ConvertTo-Json` writes it without the surrounding quotes. The body
/// is then written with `ps_string_of(body, "json_")`.
pub(crate) fn ps_json_escapes(out: &mut String, body: &Template, indent: &str) {
    let mut seen = Vec::new();
    for var in body.vars().map(ident) {
        if !seen.contains(&var) {
            let _ = writeln!(
                out,
                "{indent}$json_{var} = (ConvertTo-Json -InputObject ([string]${var}) -Compress) -replace '^\"|\"$', ''"
            );
            seen.push(var);
        }
    }
}

pub(crate) fn ps_call(out: &mut String, r: &RequestTemplate, indent: &str) {
    if let Some(b) = &r.body {
        ps_json_escapes(out, b, indent);
    }
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
        let _ = write!(out, " -Body {}", ps_string_of(b, "json_"));
    }
    out.push('\n');
}

pub(crate) fn ps_test(e: &Expectation) -> Option<String> {
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

pub(crate) fn powershell(plan: &Plan) -> String {
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
    let all_scopes = plan
        .tutorial
        .scopes
        .iter()
        .map(|s| format!("'{s}'"))
        .collect::<Vec<_>>()
        .join(", ");
    // Invoke-MgGraphRequest runs as whoever is connected: a step that runs as another account signs in as it.
    let mut signed_in_as: Option<&str> = None;
    for (step, request) in &plan.steps {
        let _ = writeln!(out, "\n# {}", step.title);
        if step.run_as.as_deref() != signed_in_as {
            signed_in_as = step.run_as.as_deref();
            out.push_str("Disconnect-MgGraph | Out-Null\n");
            match signed_in_as.and_then(|n| plan.tutorial.identity(n)) {
                Some(identity) => {
                    let _ = writeln!(
                        out,
                        "Write-Host (\"Sign in as the {}: \" + {})\nConnect-MgGraph -Scopes {}",
                        identity.name,
                        ps_string(&identity.upn),
                        step.scopes
                            .iter()
                            .map(|s| format!("'{s}'"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    );
                }
                None => {
                    let _ = writeln!(
                        out,
                        "Write-Host 'Sign in again as the administrator'\nConnect-MgGraph -Scopes {all_scopes}"
                    );
                }
            }
        }
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
    if signed_in_as.is_some() {
        let _ = writeln!(
            out,
            "\n# Cleanup runs as the administrator.\nDisconnect-MgGraph | Out-Null\nWrite-Host 'Sign in again as the administrator'\nConnect-MgGraph -Scopes {all_scopes}"
        );
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
