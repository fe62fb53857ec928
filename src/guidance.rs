//! Notes on a request as written, in the spirit of Microsoft's Dev Proxy guidance plugins: what would be
//! better in production code, shown on the step's card. Pure, tested natively.
//!
//! - Beta: Microsoft Graph's beta endpoint "is subject to change" and its use "in production applications
//!   is not supported" (the versioning page, learn.microsoft.com/graph/versioning-and-support; Dev Proxy's
//!   GraphBetaSupportGuidancePlugin).
//! - `$select`: a GET of a collection without `$select` returns each item's default properties; asking
//!   only for what is used is lighter (learn.microsoft.com/graph/query-parameters#select; Dev Proxy's
//!   GraphSelectGuidancePlugin).
//! - `client-request-id`: the id Graph echoes and support asks for (learn.microsoft.com/graph/best-practices-concept
//!   "Reliability and support"; Dev Proxy's GraphClientRequestIdGuidancePlugin). graphwalk adds one to each
//!   request it sends; a request copied elsewhere needs its own.

use walkthrough::{RenderedRequest, RenderedSegment};

/// One note for a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Guidance {
    Beta,
    SelectMissing,
    ClientRequestId,
}

impl Guidance {
    pub fn text(self) -> &'static str {
        match self {
            Guidance::Beta => "Beta endpoint: its APIs can change without notice and are not supported in production. Use v1.0 where the same call exists.",
            Guidance::SelectMissing => "This list comes back with each item's default properties. In your own code, add $select with only the properties you use.",
            Guidance::ClientRequestId => "graphwalk adds a client-request-id header to this request, the id Microsoft support asks for. Copied elsewhere, send one of your own.",
        }
    }
}

/// The notes for `request`, most important first.
pub fn guidance(request: &RenderedRequest) -> Vec<Guidance> {
    let url = flatten(&request.url);
    let (path, query) = url.split_once('?').unwrap_or((&url, ""));
    let path = path
        .split_once("://")
        .map_or(path, |(_, rest)| rest.find('/').map_or("", |i| &rest[i..]));
    let mut notes = Vec::new();
    if path.starts_with("/beta/") {
        notes.push(Guidance::Beta);
    }
    if request.method.eq_ignore_ascii_case("GET")
        && is_collection(path)
        && !query
            .split('&')
            .any(|pair| pair.split('=').next() == Some("$select"))
    {
        notes.push(Guidance::SelectMissing);
    }
    let has_id = request
        .headers
        .iter()
        .any(|(name, _)| name.eq_ignore_ascii_case("client-request-id"));
    if !has_id {
        notes.push(Guidance::ClientRequestId);
    }
    notes
}

/// The text of a rendered part, with `{{name}}` where a value is still missing.
fn flatten(segments: &[RenderedSegment]) -> String {
    segments
        .iter()
        .map(|segment| match segment {
            RenderedSegment::Text(text) => text.clone(),
            RenderedSegment::Var { value: Some(v), .. } => v.clone(),
            RenderedSegment::Var { name, .. } => format!("{{{{{name}}}}}"),
        })
        .collect()
}

/// A path that names a set rather than one object: its last segment is not an id, a key, `me`, a
/// `$value`/`$count` or a function call.
fn is_collection(path: &str) -> bool {
    let last = path.trim_end_matches('/').rsplit('/').next().unwrap_or("");
    let is_id = last.len() >= 32
        && last
            .chars()
            .all(|c| c.is_ascii_hexdigit() || c == '-' || c == '{' || c == '}');
    let is_placeholder = last.contains("{{");
    !(last.is_empty()
        || is_id
        || is_placeholder
        || last == "me"
        || last.starts_with('$')
        || last.contains('(')
        || last.contains('@')
        || last.split('.').count() > 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(method: &str, url: &str, headers: &[&str]) -> RenderedRequest {
        RenderedRequest {
            method: method.into(),
            url: vec![RenderedSegment::Text(url.into())],
            headers: headers
                .iter()
                .map(|h| (h.to_string(), vec![RenderedSegment::Text("x".into())]))
                .collect(),
            body: None,
            edited: false,
        }
    }

    #[test]
    fn beta_is_named_and_v1_is_not() {
        let beta = request("GET", "https://graph.microsoft.com/beta/me", &[]);
        assert!(guidance(&beta).contains(&Guidance::Beta));
        let v1 = request("GET", "https://graph.microsoft.com/v1.0/me", &[]);
        assert!(!guidance(&v1).contains(&Guidance::Beta));
    }

    #[test]
    fn a_list_without_select_gets_the_suggestion_one_object_does_not() {
        let base = "https://graph.microsoft.com/v1.0";
        let list = request(
            "GET",
            &format!("{base}/users?$filter=startswith(displayName,'a')"),
            &[],
        );
        assert!(guidance(&list).contains(&Guidance::SelectMissing));
        let selected = request("GET", &format!("{base}/users?$select=id,displayName"), &[]);
        assert!(!guidance(&selected).contains(&Guidance::SelectMissing));
        for one in [
            format!("{base}/users/3f2504e0-4f89-11d3-9a0c-0305e82c3301"),
            format!("{base}/me"),
            format!("{base}/users/{{{{user_id}}}}"),
            format!("{base}/users/$count"),
            format!("{base}/identityGovernance/entitlementManagement/accessPackages/filterByCurrentUser(on='allowedRequestor')"),
        ] {
            assert!(!guidance(&request("GET", &one, &[])).contains(&Guidance::SelectMissing), "{one}");
        }
        let post = request("POST", &format!("{base}/users"), &[]);
        assert!(!guidance(&post).contains(&Guidance::SelectMissing));
    }

    #[test]
    fn a_request_with_its_own_client_request_id_gets_no_note() {
        let url = "https://graph.microsoft.com/v1.0/me";
        assert!(guidance(&request("GET", url, &[])).contains(&Guidance::ClientRequestId));
        assert!(!guidance(&request("GET", url, &["Client-Request-Id"]))
            .contains(&Guidance::ClientRequestId));
    }
}
