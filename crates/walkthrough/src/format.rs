//! The Markdown tutorial format: front matter, one `##` section per step, `http` and `walk` blocks.

use crate::body::{check_body, BodyError};
use crate::deps::validate;
use crate::model::{Choice, Identity, Input, RequestTemplate, Step, Tutorial};
use crate::template::Template;
use crate::walk::parse_walk;

pub(crate) use crate::deps::{request_vars, step_inputs};

/// Why a tutorial was rejected: the 1-based line and what was expected there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for ParseError {}

pub(crate) fn err<T>(line: usize, message: impl Into<String>) -> Result<T, ParseError> {
    Err(ParseError {
        line,
        message: message.into(),
    })
}

/// Variables every tutorial may use without capturing them.
pub const BUILTINS: [&str; 3] = ["base", "run.tag", "run.password"];

/// Parses and validates a tutorial.
pub fn parse_tutorial(src: &str) -> Result<Tutorial, ParseError> {
    let lines: Vec<&str> = src.lines().collect();
    let (mut tutorial, body_start) = parse_front_matter(&lines)?;

    // Split the rest into the intro and `##` sections, ignoring headings inside fences.
    let mut sections: Vec<(usize, usize)> = Vec::new(); // (heading index, end index)
    let mut fence: Option<usize> = None;
    for (i, line) in lines.iter().enumerate().skip(body_start) {
        if is_fence(line) {
            fence = if fence.is_some() { None } else { Some(i) };
        } else if fence.is_none() && line.starts_with("## ") {
            if let Some(last) = sections.last_mut() {
                last.1 = i;
            }
            sections.push((i, lines.len()));
        }
    }
    if let Some(open) = fence {
        return err(open + 1, "expected a closing ``` for this fenced block");
    }
    let intro_end = sections.first().map_or(lines.len(), |s| s.0);
    tutorial.intro = lines[body_start..intro_end].join("\n").trim().to_string();
    if sections.is_empty() {
        return err(
            lines.len().max(1),
            "expected at least one step: a `## Heading` followed by a fenced `http` block",
        );
    }
    for (start, end) in sections {
        tutorial.steps.push(parse_step(&lines, start, end)?);
    }
    validate(&tutorial, &lines)?;
    Ok(tutorial)
}

fn is_fence(line: &str) -> bool {
    line.trim_start().starts_with("```")
}

pub(crate) fn parse_front_matter(lines: &[&str]) -> Result<(Tutorial, usize), ParseError> {
    if lines.first().map(|l| l.trim()) != Some("---") {
        return err(1, "expected `---` to open the front matter");
    }
    let mut t = Tutorial {
        id: String::new(),
        title: String::new(),
        api_version: String::new(),
        base_url: String::new(),
        scopes: Vec::new(),
        intro: String::new(),
        inputs: Vec::new(),
        identities: Vec::new(),
        steps: Vec::new(),
    };
    let mut i = 1;
    // What the last key was: choices and `default:` follow an `input`, `password:` an `identity`.
    let mut last = "";
    loop {
        let Some(line) = lines.get(i) else {
            return err(i, "expected `---` to close the front matter");
        };
        let n = i + 1;
        i += 1;
        let trimmed = line.trim();
        if trimmed == "---" {
            break;
        }
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if let Some(choice) = trimmed.strip_prefix("- ") {
            let Some(input) = t.inputs.last_mut().filter(|_| last == "input") else {
                return err(n, "expected an `input name: label` line before its choices");
            };
            let Some((value, label)) = choice.split_once(": ") else {
                return err(n, "expected a choice as `- value: label`");
            };
            let value = value.trim().to_string();
            if input.choices.is_empty() {
                input.default = value.clone();
            }
            input.choices.push(Choice {
                value,
                label: label.trim().to_string(),
            });
            continue;
        }
        let Some((key, value)) = trimmed.split_once(':') else {
            return err(n, "expected `key: value` in the front matter");
        };
        let value = value.trim().to_string();
        let key = key.trim();
        let follows = |kind: &str| last == kind;
        match (key, follows("input"), follows("identity")) {
            ("default", false, _) => {
                return err(
                    n,
                    "expected `default:` right after its `input` line (and its choices)",
                )
            }
            ("password", _, false) => {
                return err(n, "expected `password:` right after its `identity` line")
            }
            _ => {}
        }
        last = match key {
            k if k.starts_with("input ") => "input",
            k if k.starts_with("identity ") => "identity",
            "default" => "input",
            "password" => "identity",
            _ => "",
        };
        match key {
            "id" => t.id = value,
            "title" => t.title = value,
            "api" if value == "beta" || value == "v1.0" => t.api_version = value,
            "api" => {
                return err(n, format!("expected `api: beta` or `api: v1.0` (the Graph version the steps call), found `{value}`"));
            }
            "base" => t.base_url = value.trim_end_matches('/').to_string(),
            "scopes" => t.scopes = split_list(&value),
            k if k.starts_with("input ") => {
                let name = k["input ".len()..].trim();
                if !is_name(name) {
                    return err(n, format!("expected an input name (letters, digits, `_`), found `{name}`"));
                }
                t.inputs.push(Input {
                    name: name.to_string(),
                    label: value,
                    choices: Vec::new(),
                    default: String::new(),
                });
            }
            k if k.starts_with("identity ") => {
                let name = k["identity ".len()..].trim();
                if !is_name(name) {
                    return err(n, format!("expected an identity name (letters, digits, `_`), found `{name}`"));
                }
                if t.identity(name).is_some() {
                    return err(n, format!("identity `{name}` is declared twice"));
                }
                let upn = Template::parse(&value).map_err(|e| ParseError {
                    line: n,
                    message: format!("identity `{name}`: {e}"),
                })?;
                if value.is_empty() {
                    return err(n, format!("identity `{name}` needs the account's user principal name, e.g. `identity {name}: {{{{{name}_upn}}}}`"));
                }
                t.identities.push(Identity {
                    name: name.to_string(),
                    upn,
                    password: None,
                });
            }
            "password" => match t.identities.last_mut() {
                Some(identity) => {
                    identity.password = Some(Template::parse(&value).map_err(|e| ParseError {
                        line: n,
                        message: format!("identity `{}` password: {e}", identity.name),
                    })?)
                }
                None => return err(n, "expected `password:` after an `identity` line"),
            },
            "default" => match t.inputs.last_mut() {
                Some(input) => input.default = value,
                None => return err(n, "expected `default:` after an `input` line"),
            },
            other => {
                return err(
                    n,
                    format!("unknown front matter key `{other}`; expected id, title, api, base, scopes, input, default, identity or password"),
                )
            }
        }
    }
    for (key, value) in [
        ("id", &t.id),
        ("title", &t.title),
        ("api", &t.api_version),
        ("base", &t.base_url),
    ] {
        if value.is_empty() {
            return err(1, format!("the front matter needs `{key}:`"));
        }
    }
    Ok((t, i))
}

pub(crate) fn split_list(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

pub(crate) fn is_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

fn slug(title: &str) -> String {
    let mut out = String::new();
    for c in title.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

fn parse_step(lines: &[&str], start: usize, end: usize) -> Result<Step, ParseError> {
    let heading = lines[start].trim_start_matches('#').trim();
    let (title, id) = match heading.rfind("{#") {
        Some(pos) if heading.ends_with('}') => {
            let id = heading[pos + 2..heading.len() - 1].trim().to_string();
            if !is_name(&id) {
                return err(
                    start + 1,
                    format!("expected a step id in `{{#...}}`, found `{id}`"),
                );
            }
            (heading[..pos].trim().to_string(), id)
        }
        _ => (heading.to_string(), slug(heading)),
    };
    if title.is_empty() {
        return err(start + 1, "expected a step title after `##`");
    }
    let mut prose: Vec<&str> = Vec::new();
    let mut note: Vec<String> = Vec::new();
    let mut request: Option<RequestTemplate> = None;
    let mut walk: Option<(usize, Vec<&str>)> = None;
    let mut i = start + 1;
    while i < end {
        let line = lines[i];
        if is_fence(line) {
            let info = line.trim_start().trim_start_matches('`').trim().to_string();
            let open = i;
            let mut close = i + 1;
            while close < end && !is_fence(lines[close]) {
                close += 1;
            }
            let inner = &lines[open + 1..close.min(end)];
            match info.as_str() {
                "http" => {
                    if request.is_some() {
                        return err(open + 1, "expected one `http` block per step; start a new `##` step for another request");
                    }
                    request = Some(parse_request(inner, open + 2, true)?);
                }
                "walk" => {
                    if walk.is_some() {
                        return err(open + 1, "expected one `walk` block per step");
                    }
                    walk = Some((open + 2, inner.to_vec()));
                }
                _ => prose.extend_from_slice(&lines[open..=close.min(end - 1)]),
            }
            i = close + 1;
            continue;
        }
        if let Some(q) = line.trim_start().strip_prefix('>') {
            note.push(q.trim().to_string());
        } else {
            prose.push(line);
        }
        i += 1;
    }
    let Some(request) = request else {
        return err(
            start + 1,
            format!("step `{id}` has no request: expected a fenced ```http block"),
        );
    };
    let note_text = note.join(" ");
    let note_text = note_text
        .trim()
        .trim_start_matches("**Note:**")
        .trim_start_matches("**Note**:")
        .trim()
        .to_string();
    let mut step = Step {
        id,
        title,
        prose: prose.join("\n").trim().to_string(),
        note: (!note_text.is_empty()).then_some(note_text),
        scopes: Vec::new(),
        roles: Vec::new(),
        run_as: None,
        when: None,
        request,
        captures: Vec::new(),
        expectations: Vec::new(),
        poll: None,
        cleanup: None,
        after: Vec::new(),
        line: start + 1,
    };
    if let Some((first_line, body)) = walk {
        parse_walk(&mut step, &body, first_line)?;
    }
    Ok(step)
}

/// `METHOD URL`, header lines, a blank line, then the body. `first` is the 1-based line of `inner[0]`.
pub(crate) fn parse_request(
    inner: &[&str],
    first: usize,
    allow_body: bool,
) -> Result<RequestTemplate, ParseError> {
    let mut i = 0;
    while i < inner.len() && inner[i].trim().is_empty() {
        i += 1;
    }
    let Some(line) = inner.get(i) else {
        return err(
            first,
            "expected a request line such as `GET {{base}}/users`",
        );
    };
    let n = first + i;
    // The URL is the rest of the line, so OData queries can be written with plain spaces.
    let line_text = line.trim();
    let (method, rest) = line_text.split_once(' ').unwrap_or((line_text, ""));
    let mut url = rest.trim();
    if let Some((before, version)) = url.rsplit_once(' ') {
        if version.starts_with("HTTP/") {
            url = before.trim();
        }
    }
    if method.is_empty() || !method.chars().all(|c| c.is_ascii_uppercase()) || url.is_empty() {
        return err(
            n,
            format!("expected a request line `METHOD URL`, found `{line_text}`"),
        );
    }
    let url = Template::parse(url).map_err(|m| ParseError {
        line: n,
        message: m,
    })?;
    let mut headers = Vec::new();
    i += 1;
    while i < inner.len() && !inner[i].trim().is_empty() {
        let n = first + i;
        let Some((name, value)) = inner[i].split_once(':') else {
            return err(
                n,
                "expected a header `Name: value` (or a blank line before the body)",
            );
        };
        let value = Template::parse(value.trim()).map_err(|m| ParseError {
            line: n,
            message: m,
        })?;
        headers.push((name.trim().to_string(), value));
        i += 1;
    }
    let body_lines = &inner[(i + 1).min(inner.len())..];
    let body = body_lines.join("\n").trim().to_string();
    let body = if body.is_empty() {
        None
    } else if !allow_body {
        return err(first + i + 1, "expected no body here");
    } else {
        let t = Template::parse(&body).map_err(|m| ParseError {
            line: first + i + 1,
            message: m,
        })?;
        // Check the JSON shape now, with every variable standing in as a value.
        if let Err(e) = check_json_body(&t) {
            let body_first = first
                + i
                + 1
                + body_lines
                    .iter()
                    .take_while(|l| l.trim().is_empty())
                    .count();
            return err(
                body_first + e.line - 1,
                format!(
                    "the body is not valid JSON (column {}): {}",
                    e.column, e.message
                ),
            );
        }
        Some(t)
    };
    Ok(RequestTemplate {
        method: method.to_string(),
        url,
        headers,
        body,
    })
}

/// Bodies that look like JSON (an object or an array) must be JSON once their variables are filled in.
fn check_json_body(body: &Template) -> Result<(), BodyError> {
    let trimmed = body.source().trim_start();
    if !(trimmed.starts_with('{') || trimmed.starts_with('[')) {
        return Ok(());
    }
    check_body(body.source())
}

#[cfg(test)]
mod tests {
    use super::*;

    const OK: &str = r#"---
id: demo
title: Demo
api: v1.0
base: https://graph.microsoft.com/v1.0/
scopes: User.ReadWrite.All, Group.ReadWrite.All
input role: Role for the admin
  - r1: Least privilege
  - r2: Global Administrator
---

Intro text.

## Create a user {#user}

We make a user.

> **Note:** Names carry the run tag.

```http
POST {{base}}/users
Content-Type: application/json

{"displayName": "u-{{run.tag}}", "role": "{{input.role}}"}
```

```walk
[Options]
scopes: User.ReadWrite.All
[Captures]
user_id: jsonpath "$.id" as user
[Asserts]
status == 201
jsonpath "$.displayName" contains "{{run.tag}}"
[Cleanup]
DELETE {{base}}/users/{{user_id}}
```

## Read it back

```http
GET {{base}}/users/{{user_id}}
```

```walk
[Options]
after: user
[Poll]
until: jsonpath "$.id" == "{{user_id}}"
fail: jsonpath "$.state" in ["Denied", "Canceled"]
interval: 500ms
backoff: 2
limit: 1m
```
"#;

    #[test]
    fn parses_a_full_tutorial() {
        let t = parse_tutorial(OK).unwrap();
        assert_eq!(t.id, "demo");
        assert_eq!(t.base_url, "https://graph.microsoft.com/v1.0");
        assert_eq!(t.scopes.len(), 2);
        assert_eq!(t.intro, "Intro text.");
        assert_eq!(t.inputs[0].default, "r1");
        assert_eq!(t.inputs[0].choices.len(), 2);
        let s = &t.steps[0];
        assert_eq!(s.id, "user");
        assert_eq!(s.note.as_deref(), Some("Names carry the run tag."));
        assert_eq!(s.prose, "We make a user.");
        assert_eq!(s.request.method, "POST");
        assert_eq!(s.request.headers.len(), 1);
        assert_eq!(s.captures[0].kind.as_deref(), Some("user"));
        assert_eq!(s.expectations.len(), 2);
        assert!(s.cleanup.is_some());
        let s = &t.steps[1];
        assert_eq!(s.id, "read-it-back");
        assert_eq!(s.after, vec!["user"]);
        assert!(s.roles.is_empty(), "roles are optional");
        let p = s.poll.as_ref().unwrap();
        assert_eq!((p.interval_ms, p.backoff, p.limit_ms), (500, 2.0, 60_000));
        assert_eq!(p.fail.len(), 1);
    }

    #[test]
    fn a_step_may_name_the_roles_it_needs() {
        let src = OK.replace(
            "scopes: User.ReadWrite.All\n[Captures]",
            "scopes: User.ReadWrite.All\nroles: User Administrator, Groups Administrator\n[Captures]",
        );
        let t = parse_tutorial(&src).unwrap();
        assert_eq!(
            t.steps[0].roles,
            vec!["User Administrator", "Groups Administrator"]
        );
        assert!(t.steps[1].roles.is_empty());
        let e = fails(&OK.replace("after: user", "role: user"));
        assert!(
            e.message
                .contains("expected scopes, roles, after, as or when"),
            "{e}"
        );
    }

    #[test]
    fn identities_and_their_passwords_belong_together() {
        let with = |extra: &str| OK.replacen("input role:", &format!("{extra}input role:"), 1);
        let t = parse_tutorial(&with(
            "identity buddy: {{group_id}}\npassword: {{run.password}}\n",
        ));
        // `{{group_id}}` is captured by a step, not known up front: the identity's steps would wait for it.
        assert!(t.is_ok(), "{t:?}");
        let e = fails(&with("password: {{run.password}}\n"));
        assert!(e.message.contains("right after its `identity` line"), "{e}");
        let e = fails(&with("identity buddy: {{group_id}}\n  - a: b\n"));
        // `{{user_id}}` comes from step 1, so an identity of it is fine; one from nowhere is not.
        let e2 = fails(&OK.replace(
            "[Options]\nscopes: User.ReadWrite.All",
            "[Options]\nscopes: User.ReadWrite.All\nas: nobody",
        ));
        assert!(e2.message.contains("declares no `identity nobody"), "{e2}");
        assert!(e.message.contains("before its choices"), "{e}");
        let e = fails(&with(
            "identity buddy: {{group_id}}\nidentity buddy: {{group_id}}\n",
        ));
        assert!(e.message.contains("declared twice"), "{e}");
    }

    fn fails(src: &str) -> ParseError {
        parse_tutorial(src).unwrap_err()
    }

    #[test]
    fn errors_name_the_line_and_what_was_expected() {
        assert_eq!(fails("id: x").line, 1);
        let e = fails(&OK.replace("status == 201", "status = 201"));
        assert_eq!(e.line, 33);
        assert!(e.message.contains("expected a predicate"), "{e}");
        let e = fails(&OK.replace("[Asserts]", "[Assert]"));
        assert!(e.message.contains("unknown section"), "{e}");
        let e = fails(&OK.replace("\"$.id\" as user", "\"$[\" as user"));
        assert!(e.message.contains("JSONPath"), "{e}");
        let e = fails(&OK.replace("interval: 500ms", "interval: soon"));
        assert!(e.message.contains("duration"), "{e}");
        let e = fails(&OK.replace("POST {{base}}/users", "post {{base}}/users"));
        assert_eq!(e.line, 21);
        assert!(e.message.contains("METHOD URL"), "{e}");
        let e = fails(&OK.replace("{\"displayName\"", "{displayName"));
        assert_eq!(e.line, 24);
        assert!(e.message.contains("not valid JSON"), "{e}");
        // The column is that of the text as written, variables and all.
        let e = fails(&OK.replace("}}\", \"role\"", "}}\" \"role\""));
        assert_eq!(e.line, 24);
        assert!(e.message.contains("(column 33)"), "{e}");
        let e = fails(&OK.replace("```http\nGET", "```json\nGET"));
        assert!(e.message.contains("has no request"), "{e}");
        let e = fails(&OK.replace("after: user", "after: nope"));
        assert!(e.message.contains("no such step"), "{e}");
        let e = fails(&OK.replace("api: v1.0", "api: v2"));
        assert_eq!(e.line, 4);
        assert!(
            e.message.contains("`api: beta` or `api: v1.0`") && e.message.contains("`v2`"),
            "{e}"
        );
    }

    #[test]
    fn rejects_a_variable_no_earlier_step_captures() {
        let e = fails(&OK.replace(
            "/users/{{user_id}}\n```\n\n```walk\n[Options]",
            "/users/{{group_id}}\n```\n\n```walk\n[Options]",
        ));
        assert!(e.message.contains("`{{group_id}}`"), "{e}");
        assert!(e.message.contains("read-it-back"), "{e}");
        // Used before the step that captures it.
        let swapped = OK.replace(
            "{\"displayName\": \"u-{{run.tag}}\"",
            "{\"displayName\": \"{{user_id}}\"",
        );
        let e = fails(&swapped);
        assert!(
            e.message.contains("captures it but comes later")
                || e.message.contains("`{{user_id}}`"),
            "{e}"
        );
        let e = fails(&OK.replace("{{input.role}}", "{{input.nope}}"));
        assert!(e.message.contains("input.nope"), "{e}");
    }
}
