//! Query options as a request states them, validated the way Graph validates them.

use super::filter::{self, Expr, FilterError};
use crate::reply::GraphError;
use crate::target::Target;
use crate::token::{b64url_decode, b64url_encode};

/// Which service answers: they word their query errors differently.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Family {
    Directory,
    Entitlement,
}

/// A `$expand` tree: navigation names (lowercased) with their own nested expansion.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Expand {
    pub star: bool,
    pub items: Vec<(String, Expand)>,
}

impl Expand {
    pub(crate) fn parse(s: &str) -> Result<Expand, GraphError> {
        let mut ex = Expand::default();
        for part in split_top(s, ',')? {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            if part == "*" {
                ex.star = true;
                continue;
            }
            let (name, inner) = match part.find('(') {
                Some(i) if part.ends_with(')') => (&part[..i], &part[i + 1..part.len() - 1]),
                Some(_) => return Err(expand_error(part)),
                None => (part, ""),
            };
            let mut nested = Expand::default();
            for opt in split_top(inner, ';')? {
                if let Some((k, v)) = opt.split_once('=') {
                    if k.trim().eq_ignore_ascii_case("$expand") {
                        nested = Expand::parse(v)?;
                    }
                }
            }
            ex.items.push((name.trim().to_ascii_lowercase(), nested));
        }
        Ok(ex)
    }

    pub(crate) fn has(&self, name_lower: &str) -> bool {
        self.star || self.items.iter().any(|(n, _)| n == name_lower)
    }

    pub(crate) fn get(&self, name_lower: &str) -> Option<&Expand> {
        self.items
            .iter()
            .find(|(n, _)| n == name_lower)
            .map(|(_, e)| e)
    }

    pub(crate) fn add(&mut self, name_lower: &str) {
        if !self.items.iter().any(|(n, _)| n == name_lower) {
            self.items.push((name_lower.to_string(), Expand::default()));
        }
    }
}

fn expand_error(part: &str) -> GraphError {
    GraphError::bad_request(format!("Parsing OData Select and Expand failed: Term '{part}' is not valid in a $select or $expand expression."))
}

/// Split on `sep` outside parentheses.
fn split_top(s: &str, sep: char) -> Result<Vec<&str>, GraphError> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth < 0 {
                    return Err(expand_error(s));
                }
            }
            c if c == sep && depth == 0 => {
                out.push(&s[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    if depth != 0 {
        return Err(expand_error(s));
    }
    out.push(&s[start..]);
    Ok(out)
}

/// `$search="displayName:wa" AND "mail:contoso"`: property and value pairs, all or any to match.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Search {
    pub terms: Vec<(String, String)>,
    pub any: bool,
}

impl Search {
    fn parse(raw: &str) -> Result<Search, GraphError> {
        let invalid = || {
            GraphError::new(
                400,
                "Request_UnsupportedQuery",
                format!(
                    "Invalid search query '{raw}'. Search terms take the form \"property:value\"."
                ),
            )
        };
        let parts: Vec<&str> = raw.split('"').collect();
        if parts.len() < 3 || parts.len().is_multiple_of(2) {
            return Err(invalid());
        }
        let mut search = Search::default();
        for (i, part) in parts.iter().enumerate() {
            if !i.is_multiple_of(2) {
                let (prop, value) = part.split_once(':').ok_or_else(invalid)?;
                search
                    .terms
                    .push((prop.trim().to_string(), value.trim().to_ascii_lowercase()));
            } else {
                let joint = part.trim();
                let edge = i == 0 || i == parts.len() - 1;
                match joint.to_ascii_uppercase().as_str() {
                    "" if edge => {}
                    "OR" if !edge => search.any = true,
                    "AND" if !edge => {}
                    _ => return Err(invalid()),
                }
            }
        }
        Ok(search)
    }

    /// Directory search matches the start of any word of a property, case-insensitively.
    pub(crate) fn matches(&self, item: &serde_json::Map<String, serde_json::Value>) -> bool {
        let hit = |(prop, value): &(String, String)| {
            item.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(prop))
                .and_then(|(_, v)| v.as_str())
                .is_some_and(|text| {
                    let text = text.to_ascii_lowercase();
                    text.starts_with(value.as_str())
                        || text
                            .split(|c: char| !c.is_alphanumeric())
                            .any(|w| w.starts_with(value.as_str()))
                })
        };
        if self.any {
            self.terms.iter().any(hit)
        } else {
            self.terms.iter().all(hit)
        }
    }
}

#[derive(Debug, Default)]
pub(crate) struct Query {
    pub filter: Option<Expr>,
    pub select: Option<Vec<String>>,
    pub expand: Expand,
    pub top: Option<usize>,
    /// Where this page starts, from `$skiptoken` or `$skip`.
    pub skip: usize,
    /// `$count=true` that is honoured (the directory ignores it without `ConsistencyLevel: eventual`).
    pub count: bool,
    pub search: Option<Search>,
    /// `$orderby` as (property, descending).
    pub orderby: Vec<(String, bool)>,
    /// `ConsistencyLevel: eventual` and `$count=true`: the directory's advanced query parameters.
    pub advanced: bool,
}

pub(crate) const MAX_TOP: usize = 999;

impl Query {
    pub(crate) fn parse(
        target: &Target,
        family: Family,
        consistency_eventual: bool,
    ) -> Result<Query, GraphError> {
        let mut q = Query::default();
        for (k, v) in target.query_pairs() {
            let key = k.trim_start_matches('$').to_ascii_lowercase();
            match key.as_str() {
                "filter" => {
                    let expr = filter::parse(&v).map_err(|e| filter_error(e, family))?;
                    expr.check_guids().map_err(|e| filter_error(e, family))?;
                    q.filter = Some(expr);
                }
                "select" => {
                    q.select = Some(
                        v.split(',')
                            .map(|s| s.trim().to_string())
                            .filter(|s| !s.is_empty())
                            .collect(),
                    )
                }
                "expand" => q.expand = Expand::parse(&v)?,
                "top" => {
                    let n: usize = v.trim().parse().map_err(|_| {
                        GraphError::bad_request(format!("Invalid value '{v}' for $top query option found. The $top query option requires a non-negative integer value."))
                    })?;
                    if n == 0 || n > MAX_TOP {
                        return Err(GraphError::directory_bad_request(format!(
                            "Invalid page size specified: '{n}'. Must be between 1 and {MAX_TOP} inclusive."
                        )));
                    }
                    q.top = Some(n);
                }
                "skiptoken" => q.skip = decode_skiptoken(&v)?,
                "skip" if family == Family::Directory => {
                    return Err(GraphError::directory_bad_request(
                        "'$skip' is not supported by the service.",
                    ))
                }
                "skip" => {
                    q.skip = v.trim().parse().map_err(|_| {
                        GraphError::bad_request(format!("Invalid value '{v}' for $skip query option found. The $skip query option requires a non-negative integer value."))
                    })?
                }
                "count" => q.count = v.eq_ignore_ascii_case("true"),
                "search" => q.search = Some(Search::parse(&v)?),
                "orderby" => q.orderby = parse_orderby(&v)?,
                // Graph ignores options it does not know when they carry no `$`; `$format` too.
                _ => {}
            }
        }
        if family == Family::Directory {
            // Without the header the directory ignores `$count=true` silently, and refuses `$search`.
            q.advanced = consistency_eventual && q.count;
            q.count = q.advanced;
            if q.search.is_some() && !consistency_eventual {
                return Err(GraphError::new(
                    400,
                    "Request_UnsupportedQuery",
                    "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'",
                ));
            }
        }
        if q.search.is_some() && family == Family::Entitlement {
            return Err(GraphError::new(
                400,
                "BadRequest",
                "$search is not supported on this resource.",
            ));
        }
        Ok(q)
    }
}

fn parse_orderby(v: &str) -> Result<Vec<(String, bool)>, GraphError> {
    let mut out = Vec::new();
    for part in v.split(',') {
        let mut words = part.split_whitespace();
        let Some(prop) = words.next() else {
            continue;
        };
        let desc = match words.next().map(str::to_ascii_lowercase).as_deref() {
            None | Some("asc") => false,
            Some("desc") => true,
            Some(other) => {
                return Err(GraphError::bad_request(format!(
                "Syntax error at position {}: '{other}' is not 'asc' or 'desc' in '$orderby={v}'.",
                part.len()
            )))
            }
        };
        out.push((prop.to_string(), desc));
    }
    Ok(out)
}

pub(crate) fn filter_error(e: FilterError, family: Family) -> GraphError {
    let detail = match &e {
        FilterError::Syntax(s) => format!("Syntax error: {s}."),
        FilterError::UnknownProperty(p) => format!("Could not find a property named '{p}'."),
        FilterError::BadGuid => "Unrecognized Guid format.".to_string(),
        FilterError::Unsupported(s) => format!("{s} is not supported."),
    };
    match family {
        Family::Entitlement => GraphError::new(
            400,
            "InvalidFilter",
            format!("OData query is invalid: {detail}"),
        ),
        Family::Directory => match e {
            FilterError::Unsupported(_) => GraphError::new(
                400,
                "Request_UnsupportedQuery",
                format!("Unsupported query: {detail}"),
            ),
            _ => GraphError::new(
                400,
                "BadRequest",
                format!("Invalid filter clause: {detail}"),
            ),
        },
    }
}

pub(crate) fn encode_skiptoken(offset: usize) -> String {
    b64url_encode(format!("gw-skip:{offset}").as_bytes())
}

fn decode_skiptoken(s: &str) -> Result<usize, GraphError> {
    b64url_decode(s)
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.strip_prefix("gw-skip:").and_then(|n| n.parse().ok()))
        .ok_or_else(|| {
            GraphError::directory_bad_request("The specified page token value has expired and can no longer be included in your request.")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_nested_expand() {
        let e = Expand::parse("target,accessPackageAssignment($expand=target;$select=id)")
            .expect("expand");
        assert_eq!(e.items.len(), 2);
        assert!(e
            .get("accesspackageassignment")
            .is_some_and(|n| n.has("target")));
        assert!(Expand::parse("a(b").is_err());
        assert!(Expand::parse("*").expect("star").star);
    }

    #[test]
    fn searches_parse_and_match() {
        let s = Search::parse("\"displayName:wa\" OR \"mail:zz\"").expect("search");
        assert!(s.any && s.terms.len() == 2);
        let item = serde_json::json!({"displayName": "Oscar Ward"});
        assert!(s.matches(item.as_object().expect("object")));
        assert!(Search::parse("displayName:wa").is_err());
        assert!(Search::parse("\"a:b\" NEAR \"c:d\"").is_err());
    }

    #[test]
    fn skiptokens_round_trip() {
        assert_eq!(decode_skiptoken(&encode_skiptoken(42)), Ok(42));
        assert!(decode_skiptoken("bogus!").is_err());
    }
}
