//! Small text and JSON tools for the importer: ids, leaves of a JSON value, lenient JSON, OData filters.

use serde_json::Value;

/// One step of a path into a JSON value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Seg {
    Key(String),
    Index(usize),
}

/// A string leaf of a JSON value and where it is.
#[derive(Clone, Debug)]
pub(crate) struct Leaf {
    pub path: Vec<Seg>,
    pub value: String,
}

/// Every string leaf, depth first, in document order.
pub(crate) fn leaves(value: &Value) -> Vec<Leaf> {
    fn walk(v: &Value, path: &mut Vec<Seg>, out: &mut Vec<Leaf>) {
        match v {
            Value::String(s) => out.push(Leaf {
                path: path.clone(),
                value: s.clone(),
            }),
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    path.push(Seg::Index(i));
                    walk(item, path, out);
                    path.pop();
                }
            }
            Value::Object(map) => {
                for (k, item) in map {
                    path.push(Seg::Key(k.clone()));
                    walk(item, path, out);
                    path.pop();
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(value, &mut Vec::new(), &mut out);
    out
}

/// `$.a.b[0].c`, as written in a `walk` block.
pub(crate) fn json_path(path: &[Seg]) -> String {
    let mut out = String::from("$");
    for seg in path {
        match seg {
            Seg::Key(k) if is_plain_key(k) => {
                out.push('.');
                out.push_str(k);
            }
            Seg::Key(k) => out.push_str(&format!("['{}']", k.replace('\'', "\\'"))),
            Seg::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

fn is_plain_key(k: &str) -> bool {
    !k.is_empty()
        && !k.starts_with(|c: char| c.is_ascii_digit())
        && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The value at `path`, if any.
pub(crate) fn at<'a>(value: &'a Value, path: &[Seg]) -> Option<&'a Value> {
    let mut v = value;
    for seg in path {
        v = match seg {
            Seg::Key(k) => v.get(k)?,
            Seg::Index(i) => v.get(*i)?,
        };
    }
    Some(v)
}

/// 8-4-4-4-12 hexadecimal.
pub(crate) fn is_guid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// Byte offsets of every GUID in `text`.
pub(crate) fn guids_in(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i + 36 <= bytes.len() {
        let boundary_before = i == 0 || !is_word_byte(bytes[i - 1]);
        let boundary_after = i + 36 == bytes.len() || !is_word_byte(bytes[i + 36]);
        if boundary_before
            && boundary_after
            && text.is_char_boundary(i)
            && text.is_char_boundary(i + 36)
        {
            let candidate = &text[i..i + 36];
            if is_guid(candidate) {
                out.push((i, candidate.to_string()));
                i += 36;
                continue;
            }
        }
        i += 1;
    }
    out
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-'
}

/// Whether a response value is worth following into later requests: ids, not words or dates.
pub(crate) fn is_traceable(key: &str, value: &str) -> bool {
    // Paths and queries (`/groups/{id}/members`) repeat ids; the ids themselves are traced where they stand.
    if value.contains('/') || value.contains(' ') || value.contains('@') || looks_like_date(value) {
        return false;
    }
    if guids_in(value).len() == 1 && value.len() <= 60 || is_guid(value) {
        return true;
    }
    if guids_in(value).len() > 1 {
        return value.len() <= 120;
    }
    // Opaque ids such as Outlook's: long, no spaces, letters and digits.
    let key_says_id = key == "id" || key.ends_with("Id");
    let has_digit = value.chars().any(|c| c.is_ascii_digit());
    let has_alpha = value.chars().any(|c| c.is_ascii_alphabetic());
    (key_says_id && value.len() >= 8 || value.len() >= 24) && has_digit && has_alpha
}

fn looks_like_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 10 && b[4] == b'-' && b[7] == b'-' && b[..4].iter().all(u8::is_ascii_digit)
}

/// Byte offsets where `needle` occurs in `hay` as a whole token (not inside a longer id or name).
pub(crate) fn occurrences(hay: &str, needle: &str, ignore_case: bool) -> Vec<usize> {
    if needle.is_empty() {
        return Vec::new();
    }
    let (h, n) = if ignore_case {
        (hay.to_ascii_lowercase(), needle.to_ascii_lowercase())
    } else {
        (hay.to_string(), needle.to_string())
    };
    let hb = h.as_bytes();
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(pos) = h[from..].find(&n) {
        let start = from + pos;
        let end = start + n.len();
        let before_ok = start == 0 || !is_word_byte(hb[start - 1]);
        let after_ok = end == hb.len() || !is_word_byte(hb[end]);
        // Never inside a `{{variable}}` already put there.
        let inside_var = h[..start]
            .rfind("{{")
            .is_some_and(|o| h[..start].rfind("}}").is_none_or(|c| c < o));
        if before_ok && after_ok && !inside_var {
            out.push(start);
        }
        from = start + n.len().max(1);
    }
    out
}

/// Replaces every whole-token occurrence; returns how many.
pub(crate) fn replace_all(text: &mut String, needle: &str, with: &str, ignore_case: bool) -> usize {
    let found = occurrences(text, needle, ignore_case);
    for start in found.iter().rev() {
        text.replace_range(*start..*start + needle.len(), with);
    }
    found.len()
}

/// Parses a sample body the way the docs write them: trailing commas, `...` lines and comments allowed.
pub(crate) fn lenient_json(text: &str) -> Option<Value> {
    if let Ok(v) = serde_json::from_str(text) {
        return Some(v);
    }
    let kept: Vec<&str> = text
        .lines()
        .filter(|l| {
            let t = l.trim();
            !(t == "..." || t == "…" || t.starts_with("//") || t == "...," || t == "…,")
        })
        .collect();
    let joined = kept.join("\n");
    let mut out = String::with_capacity(joined.len());
    let chars: Vec<char> = joined.chars().collect();
    let mut in_string = false;
    let mut escaped = false;
    for (i, &c) in chars.iter().enumerate() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
            continue;
        }
        if c == '"' {
            in_string = true;
        }
        if c == ',' {
            let next = chars[i + 1..].iter().find(|c| !c.is_whitespace());
            if matches!(next, Some('}') | Some(']')) {
                continue;
            }
        }
        out.push(c);
    }
    serde_json::from_str(&out).ok()
}

/// Decodes what the docs percent-encode in query strings (`%27`, `%20`, `+`), leaving the path alone.
pub(crate) fn decode_query(url: &str) -> String {
    let Some((path, query)) = url.split_once('?') else {
        return url.to_string();
    };
    let mut q = String::new();
    let bytes = query.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => {
                q.push(' ');
                i += 1;
            }
            b'%' if i + 2 < bytes.len() => {
                let hex = &query[i + 1..i + 3];
                match u8::from_str_radix(hex, 16) {
                    Ok(v)
                        if matches!(
                            v,
                            b'\'' | b' ' | b'$' | b'(' | b')' | b',' | b'/' | b':' | b'"'
                        ) =>
                    {
                        q.push(v as char);
                        i += 3;
                    }
                    _ => {
                        q.push('%');
                        i += 1;
                    }
                }
            }
            _ => {
                let ch = query[i..].chars().next().unwrap_or(' ');
                q.push(ch);
                i += ch.len_utf8();
            }
        }
    }
    format!("{path}?{q}")
}

/// The `prop eq 'value'` clauses of a URL's `$filter`, with `/` paths split.
pub(crate) fn filter_clauses(url: &str) -> Vec<(Vec<String>, String)> {
    let Some((_, query)) = url.split_once('?') else {
        return Vec::new();
    };
    let Some(filter) = query.split('&').find_map(|p| {
        p.strip_prefix("$filter=")
            .or_else(|| p.strip_prefix("filter="))
    }) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut rest = filter;
    while let Some(pos) = rest.find(" eq '") {
        let before = &rest[..pos];
        let prop = before.rsplit([' ', '(']).next().unwrap_or("").trim();
        let after = &rest[pos + 5..];
        let Some(end) = after.find('\'') else { break };
        let value = &after[..end];
        if !prop.is_empty()
            && prop
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '/' || c == '_')
        {
            out.push((
                prop.split('/').map(str::to_string).collect(),
                value.to_string(),
            ));
        }
        rest = &after[end + 1..];
    }
    out
}

/// `accessPackageResourceRole` → `access_package_resource_role`.
pub(crate) fn snake(name: &str) -> String {
    let mut out = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            if prev_lower {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
            prev_lower = false;
        } else if c.is_ascii_alphanumeric() {
            out.push(c);
            prev_lower = true;
        } else {
            if !out.ends_with('_') && !out.is_empty() {
                out.push('_');
            }
            prev_lower = false;
        }
    }
    out.trim_matches('_').to_string()
}

/// `accessPackages` → `accessPackage`, `policies` → `policy`.
pub(crate) fn singular(word: &str) -> String {
    if let Some(stem) = word.strip_suffix("ies") {
        format!("{stem}y")
    } else if word.ends_with("sses") || word.ends_with("uses") {
        word[..word.len() - 2].to_string()
    } else if let Some(stem) = word.strip_suffix('s') {
        stem.to_string()
    } else {
        word.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_guids_only_as_whole_tokens() {
        let g = "e93e24d1-2b65-4a6c-a1dd-654a12225487";
        assert_eq!(guids_in(&format!("Member_{g}")).len(), 1);
        assert_eq!(guids_in(&format!("x{g}")).len(), 0);
        assert_eq!(
            occurrences(&format!("/groups/{g}/members"), g, true),
            vec![8]
        );
        assert!(occurrences(&format!("{{{{a}}}}{g}x"), g, true).is_empty());
    }

    #[test]
    fn reads_the_docs_sloppy_json() {
        let v = lenient_json("{\n \"a\": \"b\",\n ...\n \"c\": [1, 2,],\n}").unwrap();
        assert_eq!(v["c"][1], 2);
        assert!(lenient_json("{ not json").is_none());
    }

    #[test]
    fn reads_filter_clauses_and_decodes_queries() {
        let url = decode_query(
            "/x?$filter=(originSystem+eq+%27AadGroup%27+and+accessPackageResource/id+eq+%274a1e%27)&$expand=y",
        );
        assert!(url.contains("originSystem eq 'AadGroup'"), "{url}");
        let c = filter_clauses(&url);
        assert_eq!(
            c[1],
            (
                vec!["accessPackageResource".into(), "id".into()],
                "4a1e".into()
            )
        );
        assert_eq!(
            snake("accessPackageResourceRole"),
            "access_package_resource_role"
        );
        assert_eq!(singular("assignmentPolicies"), "assignmentPolicy");
    }

    #[test]
    fn traces_ids_not_words_or_dates() {
        assert!(is_traceable("id", "e93e24d1-2b65-4a6c-a1dd-654a12225487"));
        assert!(is_traceable(
            "originId",
            "Member_e93e24d1-2b65-4a6c-a1dd-654a12225487"
        ));
        assert!(!is_traceable("displayName", "Member"));
        assert!(!is_traceable("createdDateTime", "2020-06-24T16:47:37Z"));
        assert!(is_traceable("id", "AAMkAGI2THVSAAA="));
    }
}
