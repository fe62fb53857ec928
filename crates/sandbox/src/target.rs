//! The request target: API version, decoded path segments and query options.

use crate::reply::GraphError;

/// The two Graph versions the sandbox speaks. Both views share one tenant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Version {
    Beta,
    V1,
}

impl Version {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Version::Beta => "beta",
            Version::V1 => "v1.0",
        }
    }
}

#[derive(Debug)]
pub(crate) struct Target {
    /// `scheme://host[:port]` the client used, so `@odata.nextLink` leads back here.
    pub origin: String,
    pub version: Version,
    /// Path segments after the version, percent-decoded; `name('key')` is split in two.
    pub segments: Vec<String>,
    /// The path as sent (after the version), for building next links.
    pub raw_path: String,
    /// Raw `name=value` query pairs as sent.
    pub raw_query: Vec<String>,
}

impl Target {
    pub(crate) fn parse(uri: &http::Uri) -> Result<Self, GraphError> {
        let origin = match (uri.scheme_str(), uri.authority()) {
            (Some(s), Some(a)) => format!("{s}://{a}"),
            _ => "https://graph.microsoft.com".to_string(),
        };
        let path = uri.path();
        let mut raw = path.trim_start_matches('/').splitn(2, '/');
        let ver = percent_decode(raw.next().unwrap_or(""), false);
        let rest = raw.next().unwrap_or("");
        let version = if ver.eq_ignore_ascii_case("beta") {
            Version::Beta
        } else if ver.eq_ignore_ascii_case("v1.0") {
            Version::V1
        } else {
            return Err(GraphError::bad_request(format!("Invalid version: {ver}")));
        };
        let mut segments = Vec::new();
        for seg in rest.split('/').filter(|s| !s.is_empty()) {
            let seg = percent_decode(seg, false);
            match split_key(&seg) {
                Some((name, key)) => {
                    segments.push(name.to_string());
                    segments.push(key);
                }
                None => segments.push(seg),
            }
        }
        let raw_query = uri
            .query()
            .unwrap_or("")
            .split('&')
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .collect();
        Ok(Target {
            origin,
            version,
            segments,
            raw_path: format!("/{}/{}", version.as_str(), rest),
            raw_query,
        })
    }

    /// Decoded query options as (name, value), names as sent.
    pub(crate) fn query_pairs(&self) -> Vec<(String, String)> {
        self.raw_query
            .iter()
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (percent_decode(k, true), percent_decode(v, true))
            })
            .collect()
    }

    /// The URL of the next page: the same request with `$skiptoken` replaced.
    /// The request's URL without its query.
    pub(crate) fn url(&self) -> String {
        format!("{}{}", self.origin, self.raw_path)
    }

    pub(crate) fn next_link(&self, skiptoken: &str) -> String {
        let mut parts: Vec<&str> = self
            .raw_query
            .iter()
            .map(String::as_str)
            .filter(|p| {
                let name = p.split('=').next().unwrap_or("");
                let name = percent_decode(name, true);
                !name.eq_ignore_ascii_case("$skiptoken") && !name.eq_ignore_ascii_case("skiptoken")
            })
            .collect();
        let token = format!("$skiptoken={skiptoken}");
        parts.push(&token);
        format!("{}{}?{}", self.origin, self.raw_path, parts.join("&"))
    }
}

/// `users('abc')` or `users(abc)` → ("users", "abc").
fn split_key(seg: &str) -> Option<(&str, String)> {
    let open = seg.find('(')?;
    if !seg.ends_with(')') || open == 0 {
        return None;
    }
    let name = &seg[..open];
    let inner = &seg[open + 1..seg.len() - 1];
    // Function calls such as filterByCurrentUser(on='target') keep their form.
    if inner.contains('=') {
        return None;
    }
    let key = inner.trim_matches('\'').replace("''", "'");
    Some((name, key))
}

/// Decode %XX escapes (and `+` as space in queries); invalid escapes stay as they are.
pub(crate) fn percent_decode(s: &str, plus_is_space: bool) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => {
                let hex = std::str::from_utf8(&b[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(v) => {
                        out.push(v);
                        i += 3;
                    }
                    None => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Target {
        Target::parse(&s.parse().expect("uri")).expect("target")
    }

    #[test]
    fn parses_absolute_and_relative() {
        let a = t("https://graph.microsoft.com/beta/users/abc?$top=2");
        assert_eq!(a.version, Version::Beta);
        assert_eq!(a.segments, vec!["users", "abc"]);
        assert_eq!(a.origin, "https://graph.microsoft.com");
        let b = t("/v1.0/groups('x')/members");
        assert_eq!(b.segments, vec!["groups", "x", "members"]);
        let c = t("http://127.0.0.1:9/v1.0/me");
        assert_eq!(c.origin, "http://127.0.0.1:9");
        assert!(Target::parse(&"/v2/me".parse().expect("uri")).is_err());
    }

    #[test]
    fn decodes_queries_and_builds_next_links() {
        let a = t("/beta/x?$filter=(a+eq+%27b%27)&$top=1&$skiptoken=zz");
        assert_eq!(a.query_pairs()[0], ("$filter".into(), "(a eq 'b')".into()));
        assert_eq!(
            a.next_link("q"),
            "https://graph.microsoft.com/beta/x?$filter=(a+eq+%27b%27)&$top=1&$skiptoken=q"
        );
        assert_eq!(percent_decode("%zz%4", false), "%zz%4");
    }
}
