//! The Markdown tutorial format: front matter, one `##` section per step, `http` and `walk` blocks.

use std::collections::BTreeSet;

use serde_json::Value;
use serde_json_path::JsonPath;

use crate::model::{
    Capture, Choice, Cleanup, CleanupWait, Expectation, Input, Poll, Predicate, Query,
    RequestTemplate, Step, Tutorial,
};
use crate::template::{Context, Template};

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

fn err<T>(line: usize, message: impl Into<String>) -> Result<T, ParseError> {
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

fn parse_front_matter(lines: &[&str]) -> Result<(Tutorial, usize), ParseError> {
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
        steps: Vec::new(),
    };
    let mut i = 1;
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
            let Some(input) = t.inputs.last_mut() else {
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
        match key.trim() {
            "id" => t.id = value,
            "title" => t.title = value,
            "api" => t.api_version = value,
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
            "default" => match t.inputs.last_mut() {
                Some(input) => input.default = value,
                None => return err(n, "expected `default:` after an `input` line"),
            },
            other => {
                return err(
                    n,
                    format!("unknown front matter key `{other}`; expected id, title, api, base, scopes, input or default"),
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

fn split_list(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

fn is_name(s: &str) -> bool {
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
fn parse_request(
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
        // Check the JSON shape now, with every variable standing in as a string.
        if let Err(e) = check_json_body(&t) {
            let body_first = first
                + i
                + 1
                + body_lines
                    .iter()
                    .take_while(|l| l.trim().is_empty())
                    .count();
            return err(
                body_first + e.0 - 1,
                format!("the body is not valid JSON (column {}): {}", e.1, e.2),
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

/// Validates a JSON body template with placeholders; returns (line, column, message) on error.
pub fn check_json_body(body: &Template) -> Result<(), (usize, usize, String)> {
    let trimmed = body.source().trim_start();
    if !(trimmed.starts_with('{') || trimmed.starts_with('[')) {
        return Ok(());
    }
    let text = body
        .render(Context::Json, &|_| Some("x".to_string()))
        .unwrap_or_default();
    json_error(&text)
}

/// Line and column of the first JSON syntax error, if any.
pub fn json_error(text: &str) -> Result<(), (usize, usize, String)> {
    match serde_json::from_str::<Value>(text) {
        Ok(_) => Ok(()),
        Err(e) => {
            let message = e.to_string();
            let message = message
                .split(" at line")
                .next()
                .unwrap_or(&message)
                .to_string();
            Err((e.line(), e.column(), message))
        }
    }
}

const SECTIONS: &str =
    "[Options], [Captures], [Asserts], [Poll], [Cleanup], [Cleanup Captures] or [Cleanup Wait]";

fn parse_walk(step: &mut Step, body: &[&str], first: usize) -> Result<(), ParseError> {
    let mut section: Option<(&str, usize)> = None;
    let mut cleanup_lines: Vec<&str> = Vec::new();
    let mut cleanup_first = 0;
    let mut cleanup_captures = Vec::new();
    let mut wait: Option<(usize, Vec<&str>)> = None;
    for (k, raw) in body.iter().enumerate() {
        let n = first + k;
        let line = raw.trim();
        if line.starts_with('[')
            && line.ends_with(']')
            && line.len() > 2
            && line[1..2].chars().all(|c| c.is_ascii_uppercase())
        {
            let name = &line[1..line.len() - 1];
            if !matches!(
                name,
                "Options"
                    | "Captures"
                    | "Asserts"
                    | "Poll"
                    | "Cleanup"
                    | "Cleanup Captures"
                    | "Cleanup Wait"
            ) {
                return err(n, format!("unknown section `{line}`; expected {SECTIONS}"));
            }
            section = Some((name, n));
            if name == "Cleanup" {
                cleanup_first = n + 1;
            }
            if name == "Cleanup Wait" {
                wait = Some((n + 1, Vec::new()));
            }
            continue;
        }
        let Some((name, _)) = section else {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            return err(n, format!("expected a section header first: {SECTIONS}"));
        };
        if name == "Cleanup" {
            cleanup_lines.push(raw);
            continue;
        }
        if name == "Cleanup Wait" {
            if let Some((_, w)) = wait.as_mut() {
                w.push(raw);
            }
            continue;
        }
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match name {
            "Options" => {
                let Some((key, value)) = line.split_once(':') else {
                    return err(n, "expected `scopes: A, B` or `after: step-id`");
                };
                match key.trim() {
                    "scopes" => step.scopes = split_list(value),
                    "after" => step.after.extend(split_list(value)),
                    other => {
                        return err(
                            n,
                            format!("unknown option `{other}`; expected scopes or after"),
                        )
                    }
                }
            }
            "Captures" => step.captures.push(parse_capture(line, n)?),
            "Cleanup Captures" => cleanup_captures.push(parse_capture(line, n)?),
            "Asserts" => step.expectations.push(parse_expectation(line, n)?),
            "Poll" => {
                let poll = step.poll.get_or_insert_with(Poll::default);
                parse_poll_line(poll, line, n)?;
            }
            _ => {}
        }
    }
    if let Some(poll) = &step.poll {
        if poll.until.is_empty() {
            return err(first, "a [Poll] section needs at least one `until:` line");
        }
    }
    if section.is_some() && !cleanup_lines.is_empty() || cleanup_first > 0 {
        let request = parse_request(&cleanup_lines, cleanup_first, true)?;
        let wait = match wait {
            None => None,
            Some((wfirst, wlines)) => {
                let mut idx = 0;
                while idx < wlines.len() && wlines[idx].trim().is_empty() {
                    idx += 1;
                }
                let request = parse_request(
                    &wlines[idx..(idx + 1).min(wlines.len())],
                    wfirst + idx,
                    false,
                )?;
                let mut poll = Poll::default();
                for (k, l) in wlines.iter().enumerate().skip(idx + 1) {
                    let l = l.trim();
                    if !l.is_empty() && !l.starts_with('#') {
                        parse_poll_line(&mut poll, l, wfirst + k)?;
                    }
                }
                if poll.until.is_empty() {
                    return err(
                        wfirst,
                        "[Cleanup Wait] needs a request line and at least one `until:` line",
                    );
                }
                Some(CleanupWait { request, poll })
            }
        };
        step.cleanup = Some(Cleanup {
            request,
            captures: cleanup_captures,
            wait,
        });
    } else if wait.is_some() || !cleanup_captures.is_empty() {
        return err(
            first,
            "[Cleanup Captures] and [Cleanup Wait] need a [Cleanup] section",
        );
    }
    Ok(())
}

/// Reads a JSON string literal at the start of `s`; returns it and the rest.
fn quoted(s: &str, n: usize) -> Result<(String, &str), ParseError> {
    let s = s.trim_start();
    if !s.starts_with('"') {
        return err(n, format!("expected a quoted string, found `{s}`"));
    }
    let mut escaped = false;
    for (i, c) in s.char_indices().skip(1) {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == '"' {
            let text: String = serde_json::from_str(&s[..=i]).map_err(|e| ParseError {
                line: n,
                message: format!("bad string literal: {e}"),
            })?;
            return Ok((text, &s[i + 1..]));
        }
    }
    err(n, "expected a closing `\"`")
}

fn parse_query(s: &str, n: usize) -> Result<(Query, &str), ParseError> {
    let s = s.trim_start();
    if let Some(rest) = s.strip_prefix("status") {
        return Ok((Query::Status, rest));
    }
    if let Some(rest) = s.strip_prefix("header") {
        let (name, rest) = quoted(rest, n)?;
        return Ok((Query::Header(name), rest));
    }
    if let Some(rest) = s.strip_prefix("jsonpath") {
        let (path, rest) = quoted(rest, n)?;
        // Paths may hold `{{variables}}` (e.g. a filter on a captured id); check them with a stand-in.
        let probe = Template::parse(&path)
            .map_err(|m| ParseError {
                line: n,
                message: m,
            })?
            .render(Context::Plain, &|_| Some("x".into()))
            .unwrap_or_default();
        if let Err(e) = JsonPath::parse(&probe) {
            return err(
                n,
                format!("expected an RFC 9535 JSONPath, `{path}` is not one: {e}"),
            );
        }
        return Ok((Query::JsonPath(path), rest));
    }
    err(
        n,
        format!("expected `status`, `header \"Name\"` or `jsonpath \"$...\"`, found `{s}`"),
    )
}

fn parse_capture(line: &str, n: usize) -> Result<Capture, ParseError> {
    let Some((name, rest)) = line.split_once(':') else {
        return err(
            n,
            "expected a capture `name: jsonpath \"$.id\"` (optionally `as kind`)",
        );
    };
    let name = name.trim();
    if !is_name(name) {
        return err(
            n,
            format!("expected a variable name (letters, digits, `_`), found `{name}`"),
        );
    }
    let (query, rest) = parse_query(rest, n)?;
    let rest = rest.trim();
    let kind = if rest.is_empty() {
        None
    } else if let Some(kind) = rest.strip_prefix("as ") {
        let kind = kind.trim();
        if !is_name(kind) {
            return err(n, format!("expected a kind after `as`, found `{kind}`"));
        }
        Some(kind.to_string())
    } else {
        return err(
            n,
            format!("expected `as kind` or nothing after the query, found `{rest}`"),
        );
    };
    Ok(Capture {
        name: name.to_string(),
        query,
        kind,
    })
}

fn parse_json(s: &str, n: usize) -> Result<Value, ParseError> {
    serde_json::from_str(s.trim()).map_err(|e| ParseError {
        line: n,
        message: format!(
            "expected a JSON value (strings in double quotes), found `{}`: {e}",
            s.trim()
        ),
    })
}

fn parse_expectation(line: &str, n: usize) -> Result<Expectation, ParseError> {
    let (query, rest) = parse_query(line, n)?;
    let rest = rest.trim();
    let predicate = if rest == "exists" {
        Predicate::Exists
    } else if rest == "not exists" {
        Predicate::NotExists
    } else if let Some(v) = rest.strip_prefix("==") {
        Predicate::Equals(parse_json(v, n)?)
    } else if let Some(v) = rest.strip_prefix("!=") {
        Predicate::NotEquals(parse_json(v, n)?)
    } else if let Some(v) = rest.strip_prefix("contains ") {
        Predicate::Contains(parse_json(v, n)?)
    } else if let Some(v) = rest.strip_prefix("in ") {
        match parse_json(v, n)? {
            Value::Array(items) if !items.is_empty() => Predicate::OneOf(items),
            _ => return err(n, "expected a non-empty JSON array after `in`"),
        }
    } else {
        return err(
            n,
            format!("expected a predicate (`== value`, `!= value`, `exists`, `not exists`, `contains value`, `in [..]`), found `{rest}`"),
        );
    };
    Ok(Expectation { query, predicate })
}

fn parse_duration(s: &str, n: usize) -> Result<u64, ParseError> {
    let s = s.trim();
    let (num, scale) = if let Some(v) = s.strip_suffix("ms") {
        (v, 1.0)
    } else if let Some(v) = s.strip_suffix('s') {
        (v, 1000.0)
    } else if let Some(v) = s.strip_suffix('m') {
        (v, 60_000.0)
    } else {
        return err(
            n,
            format!("expected a duration such as `500ms`, `2s` or `5m`, found `{s}`"),
        );
    };
    match num.trim().parse::<f64>() {
        Ok(v) if v >= 0.0 && v.is_finite() => Ok((v * scale) as u64),
        _ => err(
            n,
            format!("expected a duration such as `500ms`, `2s` or `5m`, found `{s}`"),
        ),
    }
}

fn parse_poll_line(poll: &mut Poll, line: &str, n: usize) -> Result<(), ParseError> {
    let Some((key, value)) = line.split_once(':') else {
        return err(
            n,
            "expected `until:`, `fail:`, `interval:`, `backoff:`, `max-interval:` or `limit:`",
        );
    };
    match key.trim() {
        "until" => poll.until.push(parse_expectation(value, n)?),
        "fail" => poll.fail.push(parse_expectation(value, n)?),
        "interval" => poll.interval_ms = parse_duration(value, n)?.max(1),
        "max-interval" => poll.max_interval_ms = parse_duration(value, n)?.max(1),
        "limit" => poll.limit_ms = parse_duration(value, n)?,
        "backoff" => match value.trim().parse::<f64>() {
            Ok(b) if (1.0..=10.0).contains(&b) => poll.backoff = b,
            _ => return err(n, "expected a backoff factor between 1.0 and 10.0"),
        },
        other => {
            return err(
                n,
                format!("unknown poll setting `{other}`; expected until, fail, interval, backoff, max-interval or limit"),
            )
        }
    }
    Ok(())
}

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

fn validate(t: &Tutorial, _lines: &[&str]) -> Result<(), ParseError> {
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
        for var in step_inputs(step) {
            if known.contains(&var) {
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
        let p = s.poll.as_ref().unwrap();
        assert_eq!((p.interval_ms, p.backoff, p.limit_ms), (500, 2.0, 60_000));
        assert_eq!(p.fail.len(), 1);
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
        let e = fails(&OK.replace("```http\nGET", "```json\nGET"));
        assert!(e.message.contains("has no request"), "{e}");
        let e = fails(&OK.replace("after: user", "after: nope"));
        assert!(e.message.contains("no such step"), "{e}");
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
