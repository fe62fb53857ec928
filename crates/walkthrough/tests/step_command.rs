//! One step's request copied as a curl or PowerShell command: the card's values, escaped for the shell
//! and for JSON, the token and the password only as variables, unknown values as variables to set first.

mod common;

use std::process::Command;

use common::fake::Fake;
use common::Driver;
use walkthrough::{
    builtin_tutorials, step_curl, step_powershell, Event, RenderedRequest, RenderedSegment, Run,
    RunOptions, StepRequest, VarSource,
};

/// Quotes, `$`, backticks, a backslash, a newline, a typographic quote and a command substitution.
const NASTY: &str = "O'Brien \"quoted\" $HOME `touch /tmp/gw-pwned` \\ back\nline ’curly’ $(id)";
const NOTE: &str = "it's \"$x\" `y` \\ z";
const PASSWORD: &str = "Secr3t-run-password!";
const OWNER: &str = "9f1c2b3a-0000-4000-8000-00000000abcd";

fn text(s: &str) -> RenderedSegment {
    RenderedSegment::Text(s.to_string())
}

fn var(name: &str, value: Option<&str>, provider: Option<usize>) -> RenderedSegment {
    RenderedSegment::Var {
        name: name.to_string(),
        value: value.map(str::to_string),
        source: value.map(|_| VarSource::Manual),
        provider,
        stale: false,
    }
}

/// A request as a card shows it: a hostile name everywhere, the run's password, an owner not captured yet.
fn rendered() -> RenderedRequest {
    RenderedRequest {
        method: "POST".into(),
        url: vec![
            var("base", Some("https://graph.microsoft.com/v1.0"), None),
            text("/groups?$filter=displayName eq '"),
            var("name", Some(NASTY), None),
            text("'"),
        ],
        headers: vec![("X-Note".into(), vec![var("note", Some(NOTE), None)])],
        body: Some(vec![
            text("{\n  \"displayName\": \""),
            var("name", Some(NASTY), None),
            text("\",\n  \"password\": \""),
            var("run.password", Some(PASSWORD), None),
            text("\",\n  \"owner\": \""),
            var("owner_id", None, Some(2)),
            text("\"\n}"),
        ]),
        edited: false,
    }
}

fn step(request: &RenderedRequest, run_as: Option<&'static str>) -> String {
    step_curl(&StepRequest {
        number: 4,
        title: "Create a group $(touch /tmp/gw-title)",
        run_as,
        request,
    })
}

/// Runs `script` in bash with `curl` replaced by a function that prints its arguments, NUL-separated.
fn run_with_fake_curl(script: &str, env: &[(&str, &str)]) -> (bool, Vec<String>, String) {
    let mut command = Command::new("bash");
    command
        .arg("-c")
        .arg(format!("curl() {{ printf '%s\\0' \"$@\"; }}\n{script}"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    for (k, v) in env {
        command.env(k, v);
    }
    let out = command.output().expect("bash runs");
    let args = String::from_utf8_lossy(&out.stdout)
        .split('\0')
        .filter(|a| !a.is_empty())
        .map(str::to_string)
        .collect();
    (
        out.status.success(),
        args,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn bash_syntax_ok(script: &str) -> Result<(), String> {
    let out = Command::new("bash")
        .arg("-n")
        .arg("-c")
        .arg(script)
        .output()
        .expect("bash runs");
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

#[test]
fn the_curl_command_sends_the_cards_values_exactly_and_runs_nothing_they_hold() {
    let request = rendered();
    let script = step(&request, None);
    bash_syntax_ok(&script).unwrap_or_else(|e| panic!("{e}\n{script}"));
    assert!(!script.contains(PASSWORD), "the password is never copied");
    assert!(script.contains("${TOKEN}"), "{script}");

    let password = "p\"w$`\\'x";
    let (ok, args, stderr) = run_with_fake_curl(
        &script,
        &[
            ("TOKEN", "tok-123"),
            ("RUN_PASSWORD", password),
            ("owner_id", OWNER),
        ],
    );
    assert!(ok, "{stderr}\n{script}");
    assert!(
        !std::path::Path::new("/tmp/gw-pwned").exists(),
        "nothing in a value ran"
    );
    let after = |flag: &str| -> Vec<&str> {
        args.windows(2)
            .filter(|w| w[0] == flag)
            .map(|w| w[1].as_str())
            .collect()
    };
    assert_eq!(after("-X"), ["POST"]);
    let url = args
        .iter()
        .find(|a| a.starts_with("https://"))
        .expect("an address");
    // The value is percent-encoded as the runner sends it; the quote of OData doubled.
    assert!(
        url.starts_with("https://graph.microsoft.com/v1.0/groups?$filter=displayName%20eq%20'O''Brien%20%22quoted%22%20%24HOME%20%60touch"),
        "{url}"
    );
    let headers = after("-H");
    assert!(
        headers.contains(&"Authorization: Bearer tok-123"),
        "{headers:?}"
    );
    assert!(
        headers.contains(&format!("X-Note: {NOTE}").as_str()),
        "{headers:?}"
    );
    assert!(
        headers.contains(&"Content-Type: application/json"),
        "{headers:?}"
    );
    let body = after("--data-binary");
    let body: serde_json::Value = serde_json::from_str(body[0]).expect("the body is JSON");
    assert_eq!(body["displayName"], NASTY);
    assert_eq!(body["password"], password);
    assert_eq!(body["owner"], OWNER);
}

#[test]
fn an_unknown_value_stops_the_curl_command_before_it_sends_and_says_which() {
    let request = rendered();
    let script = step(&request, None);
    let (ok, args, stderr) =
        run_with_fake_curl(&script, &[("TOKEN", "tok-123"), ("RUN_PASSWORD", "x")]);
    assert!(!ok, "it fails without owner_id");
    assert!(args.is_empty(), "nothing was sent: {args:?}");
    assert!(
        stderr.contains("owner_id") && stderr.contains("step 3 captures it"),
        "{stderr}"
    );
    let (ok, args, stderr) = run_with_fake_curl(&script, &[("owner_id", OWNER)]);
    assert!(!ok && args.is_empty(), "it fails without a token");
    assert!(stderr.contains("set TOKEN to an access token"), "{stderr}");
}

#[test]
fn a_step_run_as_another_account_uses_that_accounts_token_variable() {
    let request = rendered();
    let curl = step(&request, Some("requestor"));
    assert!(
        curl.contains("Authorization: Bearer ${TOKEN_REQUESTOR}"),
        "{curl}"
    );
    assert!(!curl.contains("${TOKEN}"), "{curl}");
    let (ok, args, stderr) = run_with_fake_curl(
        &curl,
        &[
            ("TOKEN", "admin"),
            ("TOKEN_REQUESTOR", "req-1"),
            ("RUN_PASSWORD", "x"),
            ("owner_id", OWNER),
        ],
    );
    assert!(ok, "{stderr}");
    assert!(
        args.iter().any(|a| a == "Authorization: Bearer req-1"),
        "{args:?}"
    );

    let ps = step_powershell(&StepRequest {
        number: 4,
        title: "t",
        run_as: Some("requestor"),
        request: &request,
    });
    assert!(
        ps.contains("Authorization = ('Bearer ' + $env:TOKEN_REQUESTOR)"),
        "{ps}"
    );
    assert!(ps.contains("if (-not $env:TOKEN_REQUESTOR)"), "{ps}");
}

/// One PowerShell expression: single-quoted literals (`''` inside, and the typographic single quotes
/// doubled too) and `$variables`, joined with ` + `, in parentheses when there is more than one.
fn ps_expression(expr: &str, vars: &dyn Fn(&str) -> String) -> String {
    let is_quote = |c: char| matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}');
    let inner = expr
        .strip_prefix('(')
        .and_then(|e| e.strip_suffix(')'))
        .unwrap_or(expr);
    let mut out = String::new();
    let mut chars = inner.chars().peekable();
    loop {
        match chars.next() {
            Some(c) if is_quote(c) => loop {
                match chars.next() {
                    Some(q) if is_quote(q) => match chars.peek() {
                        Some(&n) if is_quote(n) => {
                            chars.next();
                            out.push(n);
                        }
                        _ => break,
                    },
                    Some(other) => out.push(other),
                    None => panic!("an unterminated string in {expr}"),
                }
            },
            Some('$') => {
                let mut name = String::new();
                while let Some(&c) = chars.peek() {
                    if c.is_ascii_alphanumeric() || c == '_' || c == ':' {
                        name.push(c);
                        chars.next();
                    } else {
                        break;
                    }
                }
                out.push_str(&vars(&name));
            }
            Some(other) => panic!("unexpected `{other}` in {expr}"),
            None => break,
        }
        match (chars.next(), chars.next(), chars.next()) {
            (None, _, _) => break,
            (Some(' '), Some('+'), Some(' ')) => {}
            rest => panic!("expected ` + ` in {expr}, found {rest:?}"),
        }
    }
    out
}

#[test]
fn the_powershell_command_quotes_every_value_and_builds_the_same_request() {
    let request = rendered();
    let ps = step_powershell(&StepRequest {
        number: 4,
        title: "Create a group\n# injected",
        run_as: None,
        request: &request,
    });
    assert!(!ps.contains(PASSWORD), "the password is never copied");
    assert!(
        ps.lines().all(|l| !l.starts_with("# injected")),
        "the title stays on its comment line"
    );
    let field = |name: &str| -> String {
        let prefix = format!("    {name:<11} = ");
        ps.lines()
            .find_map(|l| l.strip_prefix(prefix.as_str()))
            .unwrap_or_else(|| panic!("no {name} in\n{ps}"))
            .to_string()
    };
    let password_json = "p\\\"w";
    let vars = |name: &str| match name {
        "json_run_password" => password_json.to_string(),
        "json_owner_id" => OWNER.to_string(),
        "env:TOKEN" => "tok".to_string(),
        other => panic!("unexpected variable ${other}"),
    };
    assert_eq!(ps_expression(&field("Method"), &vars), "POST");
    let uri = ps_expression(&field("Uri"), &vars);
    assert!(
        uri.starts_with("https://graph.microsoft.com/v1.0/groups?$filter=displayName%20eq%20'O''Brien%20%22quoted"),
        "{uri}"
    );
    assert_eq!(
        ps_expression(&field("ContentType"), &vars),
        "application/json"
    );
    // The body is the hashtable's last field, and may span lines (a single-quoted string can).
    let body = ps
        .split_once("    Body        = ")
        .and_then(|(_, rest)| rest.split_once("\n}\nInvoke-RestMethod @request"))
        .map(|(body, _)| body)
        .expect("a body field");
    let body = ps_expression(body, &vars);
    let body: serde_json::Value = serde_json::from_str(&body).expect("the body is JSON");
    assert_eq!(body["displayName"], NASTY);
    assert_eq!(body["password"], "p\"w");
    assert_eq!(body["owner"], OWNER);
    let headers = field("Headers");
    assert!(
        headers.starts_with("@{ Authorization = ('Bearer ' + $env:TOKEN); ")
            && headers.ends_with(" }"),
        "{headers}"
    );
    let note = headers
        .trim_start_matches("@{ Authorization = ('Bearer ' + $env:TOKEN); ")
        .trim_end_matches(" }");
    let (name, value) = note.split_once(" = ").expect("name = value");
    assert_eq!(ps_expression(name, &vars), "X-Note");
    assert_eq!(ps_expression(value, &vars), NOTE);
    // What must be set first is checked first, and the body's values are escaped for JSON.
    assert!(ps.contains("if (-not $env:TOKEN) { throw 'Set $env:TOKEN to an access token' }"));
    assert!(ps.contains("$run_password = $env:RUN_PASSWORD"), "{ps}");
    assert!(ps.contains("if (-not $owner_id) { throw 'Set $owner_id first, step 3 captures it' }"));
    assert!(ps.contains(
        "$json_owner_id = (ConvertTo-Json -InputObject ([string]$owner_id) -Compress) -replace '^\"|\"$', ''"
    ));
    assert!(
        ps.trim_end().ends_with("Invoke-RestMethod @request"),
        "{ps}"
    );
}

#[test]
fn every_built_in_steps_commands_parse_and_hold_neither_token_nor_password() {
    for t in builtin_tutorials() {
        let mut run = Run::new(
            t.clone(),
            RunOptions {
                seed: 5,
                ..Default::default()
            },
        );
        let mut fake = Fake::new();
        let mut d = Driver::new(10);
        d.event(&mut fake, &mut run, Event::RunAll { now_ms: 0 });
        d.settle(&mut fake, &mut run);
        let password = run.variables().get("run.password").unwrap().value.clone();
        for (i, s) in t.steps.iter().enumerate() {
            let request = run.render_request(i);
            let step = StepRequest {
                number: i + 1,
                title: &s.title,
                run_as: s.run_as.as_deref(),
                request: &request,
            };
            let curl = step_curl(&step);
            bash_syntax_ok(&curl)
                .unwrap_or_else(|e| panic!("{} step {}: {e}\n{curl}", t.id, i + 1));
            let ps = step_powershell(&step);
            for command in [&curl, &ps] {
                assert!(!command.contains(&password), "{} step {}", t.id, i + 1);
                assert!(!command.contains("test-token"), "{} step {}", t.id, i + 1);
                assert!(
                    !command.contains("{{"),
                    "{} step {}: {command}",
                    t.id,
                    i + 1
                );
            }
            if s.run_as.is_some() {
                assert!(curl.contains("${TOKEN_"), "{curl}");
                assert!(ps.contains("$env:TOKEN_"), "{ps}");
            }
        }
    }
}
