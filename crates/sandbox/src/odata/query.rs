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

#[derive(Debug, Default)]
pub(crate) struct Query {
    pub filter: Option<Expr>,
    pub select: Option<Vec<String>>,
    pub expand: Expand,
    pub top: Option<usize>,
    pub skip: usize,
    pub count: bool,
    pub search: bool,
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
                "count" => q.count = v.eq_ignore_ascii_case("true"),
                "search" => q.search = true,
                // Graph ignores options it does not know when they carry no `$`;
                // `$orderby` and `$format` are accepted and left to the default order.
                _ => {}
            }
        }
        if (q.count || q.search) && family == Family::Directory && !consistency_eventual {
            return Err(GraphError::new(
                400,
                "Request_UnsupportedQuery",
                "$count and $search on directory objects only work through Microsoft Graph with a special request header: 'ConsistencyLevel: eventual'",
            ));
        }
        if q.search && family == Family::Entitlement {
            return Err(GraphError::new(
                400,
                "BadRequest",
                "$search is not supported on this resource.",
            ));
        }
        Ok(q)
    }
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
    fn skiptokens_round_trip() {
        assert_eq!(decode_skiptoken(&encode_skiptoken(42)), Ok(42));
        assert!(decode_skiptoken("bogus!").is_err());
    }
}
