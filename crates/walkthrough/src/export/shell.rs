//! The bash export: curl for requests, jq for captures and checks, loops for polling.

use std::fmt::Write;

use serde_json::Value;

use super::path::jq_path;
use super::{cleanup_order, encoded_url, ident, identities, token_name, Plan};
use crate::model::{Expectation, Predicate, Query, RequestTemplate};
use crate::template::{Segment, Template};

/// A bash double-quoted string with `$name` for variables.
pub(crate) fn sh_string(t: &Template) -> String {
    sh_string_of(t, "")
}

/// `t` as a double-quoted shell string, each variable as `${<prefix><name>}`.
fn sh_string_of(t: &Template, prefix: &str) -> String {
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
                let _ = write!(out, "${{{prefix}{}}}", ident(v));
            }
        }
    }
    out.push('"');
    out
}

pub(crate) fn jq_test(e: &Expectation) -> Option<(String, Vec<String>)> {
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

pub(crate) fn jq_args(args: &[String]) -> String {
    let mut seen = std::collections::BTreeSet::new();
    args.iter()
        .filter(|a| seen.insert(a.as_str()))
        .map(|a| format!(" --arg {a} \"${a}\""))
        .collect()
}

pub(crate) fn curl_call(out: &mut String, r: &RequestTemplate, indent: &str, token: &str) {
    json_escaped_values(out, r, indent);
    let _ = write!(out, "{indent}response=$(graph ");
    curl_args(out, r, indent, &token.to_ascii_uppercase());
    out.push_str(")\n");
}

/// curl's arguments for `r`, one per line after the address: method, address, the bearer token from the
/// shell variable `token_var`, the headers, and the body with its values from `json_`-prefixed variables.
pub(crate) fn curl_args(out: &mut String, r: &RequestTemplate, indent: &str, token_var: &str) {
    let _ = write!(out, "-X {} {}", r.method, sh_string(&encoded_url(&r.url)));
    out.push_str(" \\\n");
    let _ = write!(
        out,
        "{indent}  -H \"Authorization: Bearer ${{{token_var}}}\""
    );
    for (k, v) in &r.headers {
        let mut header = vec![Segment::Text(format!("{k}: "))];
        header.extend(v.segments().iter().cloned());
        let _ = write!(
            out,
            " \\\n{indent}  -H {}",
            sh_string(&Template::from_segments(header))
        );
    }
    if let Some(b) = &r.body {
        let _ = write!(
            out,
            " \\\n{indent}  --data-binary {}",
            sh_string_of(b, "json_")
        );
    }
}

/// Before a request with a JSON body: each value the body uses, escaped for a JSON string by jq (a
/// password with a quote or a backslash would otherwise break the body).
pub(crate) fn json_escaped_values(out: &mut String, r: &RequestTemplate, indent: &str) {
    let Some(body) = &r.body else { return };
    let mut seen = std::collections::BTreeSet::new();
    for seg in body.segments() {
        if let Segment::Var(v) = seg {
            let id = ident(v);
            if seen.insert(id.clone()) {
                let _ = writeln!(
                    out,
                    "{indent}json_{id}=$(jq -rn --arg v \"${{{id}}}\" '$v | tojson | .[1:-1]')"
                );
            }
        }
    }
}

/// Every request goes through `graph`: curl, retrying 429 and 503 the way graphwalk does (after
/// `Retry-After`, at least a quarter of a second, else after a backoff that doubles from one second), and
/// failing on any other error status with the body on stderr.
const GRAPH_FUNCTION: &str = r#"# Sends a request with curl (its arguments as given). 429 and 503 are retried as graphwalk retries them:
# after the Retry-After seconds (at least 0.25), else after 1, 2, 4... seconds (at most 32), 10 attempts in all.
# Any other status of 400 or more fails, with the body on stderr.
graph() {
  local attempt=1 backoff=1 head reply status wait
  head=$(mktemp)
  while :; do
    reply=$(curl -sS -D "$head" -w '\n%{http_code}' "$@") || { rm -f "$head"; return 1; }
    status=${reply##*$'\n'}
    reply=${reply%$'\n'*}
    if { [ "$status" != 429 ] && [ "$status" != 503 ]; } || [ "$attempt" -ge 10 ]; then break; fi
    wait=$(tr -d '\r' <"$head" | awk -F': *' 'tolower($1) == "retry-after" { print $2 }' | tail -n 1)
    if ! [[ "$wait" =~ ^[0-9]+(\.[0-9]+)?$ ]]; then wait=$backoff; fi
    if awk -v w="$wait" 'BEGIN { exit !(w < 0.25) }'; then wait=0.25; fi
    echo "HTTP $status: waiting ${wait} s before attempt $((attempt + 1))" >&2
    sleep "$wait"
    attempt=$((attempt + 1))
    backoff=$((backoff < 32 ? backoff * 2 : 32))
  done
  rm -f "$head"
  printf '%s' "$reply"
  if [ "$status" -ge 400 ]; then
    echo "HTTP $status: $reply" >&2
    return 22
  fi
}

"#;

/// The script's one option: `--no-cleanup` keeps what it created.
const OPTIONS: &str = r#"cleanup=yes
for arg in "$@"; do
  case "$arg" in
    --no-cleanup) cleanup=no ;;
    *) echo "usage: $0 [--no-cleanup]" >&2; exit 2 ;;
  esac
done

"#;

pub(crate) fn curl(plan: &Plan) -> String {
    let mut out = String::from("#!/usr/bin/env bash\n");
    let _ = writeln!(
        out,
        "# {}\n# Exported from graphwalk. Needs curl and jq.",
        plan.tutorial.title
    );
    out.push_str("set -euo pipefail\n\n");
    out.push_str(GRAPH_FUNCTION);
    out.push_str(OPTIONS);
    out.push_str("TOKEN=\"${TOKEN:?set TOKEN to an access token}\"\n");
    for identity in identities(plan) {
        let var = format!("TOKEN_{}", ident(&identity.name).to_ascii_uppercase());
        let _ = writeln!(
            out,
            "# Some requests run as the {name}, an account this script creates: set {var} to their access token,\n# or the script asks for it when it gets there.\n{var}=\"${{{var}:-}}\"",
            name = identity.name
        );
    }
    out.push_str("run_password=\"${RUN_PASSWORD:?set RUN_PASSWORD to a strong password for the test accounts}\"\n");
    for (k, v) in &plan.givens {
        let _ = writeln!(out, "{}={}", ident(k), sh_string(&Template::literal(v)));
    }
    let mut asked: Vec<&str> = Vec::new();
    for (step, request) in &plan.steps {
        let _ = writeln!(out, "\n# {}", step.title);
        // The first request as another account: its token, now that the account exists.
        if let Some(identity) = step
            .run_as
            .as_deref()
            .and_then(|n| plan.tutorial.identity(n))
        {
            if !asked.contains(&identity.name.as_str()) {
                asked.push(&identity.name);
                let var = format!("TOKEN_{}", ident(&identity.name).to_ascii_uppercase());
                // Inside the message's own double quotes.
                let quoted = sh_string(&identity.upn);
                let upn = &quoted[1..quoted.len() - 1];
                let _ = writeln!(
                    out,
                    "if [ -z \"${var}\" ]; then\n  echo \"The next requests run as the {name}, {upn}: sign in as that account and give its access token.\" >&2\n  if [ -t 0 ]; then read -rsp \"Access token of the {name}: \" {var}; echo >&2; fi\n  [ -n \"${var}\" ] || {{ echo \"set {var} to an access token of the {name}\" >&2; exit 1; }}\nfi",
                    name = identity.name,
                );
            }
        }
        match &step.poll {
            Some(p) => {
                let tries = (p.limit_ms / p.interval_ms.max(1)).max(1);
                let _ = writeln!(out, "for attempt in $(seq 1 {tries}); do");
                curl_call(&mut out, request, "  ", &token_name(step));
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
            None => curl_call(&mut out, request, "", &token_name(step)),
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
            "\nif [ \"$cleanup\" = no ]; then\n  echo \"Left in the tenant (--no-cleanup): everything this script created.\" >&2\n  exit 0\nfi\n",
        );
        out.push_str(
            "\n# Clean up, newest first. Run this part again if it stops half way.\nset +e\n",
        );
    }
    for i in order {
        let (step, _) = &plan.steps[i];
        if let Some(c) = &step.cleanup {
            let _ = writeln!(out, "# Clean up: {}", step.title);
            curl_call(&mut out, &c.request, "", "token");
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
                curl_call(&mut out, &w.request, "  ", "token");
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
