//! The `walk` block of a step: options, captures, asserts, polling and cleanup, Hurl style.

use serde_json::Value;
use serde_json_path::JsonPath;

use crate::format::{err, is_name, parse_request, split_list, ParseError};
use crate::model::{
    Capture, Cleanup, CleanupWait, Condition, Expectation, Poll, Predicate, Query, Step,
};
use crate::template::{Context, Template};

const SECTIONS: &str =
    "[Options], [Captures], [Asserts], [Poll], [Cleanup], [Cleanup Captures] or [Cleanup Wait]";

/// `input.NAME == value` or `input.NAME != value`.
fn parse_condition(text: &str, n: usize) -> Result<Condition, ParseError> {
    let text = text.trim();
    let (left, value, equals) = if let Some((l, r)) = text.split_once("!=") {
        (l, r, false)
    } else if let Some((l, r)) = text.split_once("==") {
        (l, r, true)
    } else {
        return err(
            n,
            format!("expected `when: input.NAME == value` (or `!=`), found `{text}`"),
        );
    };
    let Some(input) = left.trim().strip_prefix("input.").filter(|i| is_name(i)) else {
        return err(
            n,
            format!(
                "`when:` compares an input (`input.NAME`), found `{}`",
                left.trim()
            ),
        );
    };
    let value = value.trim().trim_matches('"').to_string();
    if value.is_empty() {
        return err(n, "`when:` needs a value to compare the input with");
    }
    Ok(Condition {
        input: input.to_string(),
        value,
        equals,
    })
}

pub(crate) fn parse_walk(step: &mut Step, body: &[&str], first: usize) -> Result<(), ParseError> {
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
                    return err(
                        n,
                        "expected `scopes: A, B`, `roles: A, B`, `after: step-id`, `as: identity` or `when: input.NAME == value`",
                    );
                };
                match key.trim() {
                    "scopes" => step.scopes = split_list(value),
                    "roles" => step.roles = split_list(value),
                    "after" => step.after.extend(split_list(value)),
                    "as" if is_name(value.trim()) => step.run_as = Some(value.trim().to_string()),
                    "as" => {
                        return err(
                            n,
                            format!("expected `as: NAME` naming an `identity` of the front matter, found `{}`", value.trim()),
                        )
                    }
                    "when" => step.when = Some(parse_condition(value, n)?),
                    other => {
                        return err(
                            n,
                            format!("unknown option `{other}`; expected scopes, roles, after, as or when"),
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
