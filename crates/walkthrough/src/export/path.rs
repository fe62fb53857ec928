//! A small JSONPath subset, translated for targets that cannot take RFC 9535 as is
//! (jq, PowerShell, REST Client).

use std::fmt::Write;

use serde_json::Value;

use super::ident;
use super::powershell::ps_string;
use crate::template::{Segment, Template};

#[derive(Debug, PartialEq)]
pub(crate) enum PathSeg {
    Field(String),
    Index(i64),
    All,
    /// `[?@.a.b == value]`
    Filter(Vec<String>, Lit),
}

#[derive(Debug, PartialEq)]
pub(crate) enum Lit {
    /// May contain `{{variables}}`.
    Str(String),
    Other(Value),
}

/// Parses `$.a.b[0][*][?@.x.y == 'v']`; anything fancier returns `None`.
pub(crate) fn parse_path(path: &str) -> Option<Vec<PathSeg>> {
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
pub(crate) fn jq_path(path: &str) -> Option<(String, Vec<String>)> {
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
pub(crate) fn ps_path(path: &str, root: &str) -> Option<String> {
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
pub(crate) fn rest_client_path(path: &str) -> Option<String> {
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
