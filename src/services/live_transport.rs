//! The live transport: sends the runner's requests to Microsoft Graph (or a local graphwalk-sandbox) with
//! a bearer token, a `client-request-id` per request, one retry with a fresh token after a 401, and plain
//! words for 403s and network failures.

use std::rc::Rc;

use js_sys::{Array, Reflect};
use wasm_bindgen::prelude::*;
use yew::Callback;

use super::auth::Token;
use super::live_session::LiveSession;
use super::live_settings::DEFAULT_GRAPH_BASE;
use super::transport::{SendFuture, Transport, TransportError};
use crate::state::{Notice, Tone};

#[wasm_bindgen(module = "/js/fetch.js")]
extern "C" {
    #[wasm_bindgen(catch, js_name = sendRequest)]
    async fn send_request(
        method: &str,
        url: &str,
        headers: Array,
        body: Option<String>,
    ) -> Result<JsValue, JsValue>;
}

pub const CLIENT_REQUEST_ID: &str = "client-request-id";

/// Sends requests to `graph_base_url` with tokens for `scopes` from `session`.
#[derive(Clone)]
pub struct LiveTransport {
    pub session: Rc<LiveSession>,
    pub graph_base_url: String,
    /// Every scope the tutorial needs: one token covers the whole run.
    pub scopes: Vec<String>,
    /// Where explanations of 401s and 403s go (the page's notice bar).
    pub on_notice: Callback<Notice>,
}

/// The request's address with Graph's base replaced by the configured one; `None` when the address is
/// not under Graph at all (the token is never sent anywhere else).
pub fn rewrite_base(url: &str, graph_base_url: &str) -> Option<String> {
    let base = graph_base_url.trim_end_matches('/');
    for known in [DEFAULT_GRAPH_BASE, base] {
        let Some(head) = url.get(..known.len()) else {
            continue;
        };
        if head.eq_ignore_ascii_case(known) {
            let rest = &url[known.len()..];
            if rest.is_empty() || rest.starts_with('/') || rest.starts_with('?') {
                return Some(format!("{base}{rest}"));
            }
        }
    }
    None
}

/// A random version 4 UUID for `client-request-id`.
pub fn new_request_id() -> String {
    let a = super::random::seed();
    let b = super::random::seed();
    let time_hi = (a >> 16) as u16 & 0x0fff | 0x4000;
    let clock = (b >> 48) as u16 & 0x3fff | 0x8000;
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        (a >> 32) as u32,
        a as u16,
        time_hi,
        clock,
        b & 0xffff_ffff_ffff
    )
}

/// A scope list for a message: `A, B and C`.
pub fn list(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// What to say when Graph answers 403, from what the token holds and what Graph said.
pub fn explain_forbidden(
    what: &str,
    token: &Token,
    scopes: &[String],
    graph_message: &str,
) -> String {
    let missing = token.claims.missing(scopes);
    if missing.is_empty() {
        format!(
            "Graph refused {what} (403: {graph_message}). The token has the tutorial's permissions, so the signed-in \
             account lacks a directory role this request needs: for entitlement management, Identity Governance \
             Administrator; for role assignments, Privileged Role Administrator (or Global Administrator)."
        )
    } else {
        format!(
            "Graph refused {what} (403). The token lacks the permission{} {}. Grant {} to the app registration \
             (API permissions, delegated, then Grant admin consent in Microsoft Entra), then sign in again, or paste \
             a token that has {}.",
            if missing.len() == 1 { "" } else { "s" },
            list(&missing),
            if missing.len() == 1 { "it" } else { "them" },
            if missing.len() == 1 { "it" } else { "them" },
        )
    }
}

fn graph_error_message(body: &str) -> String {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.pointer("/error/message")?.as_str().map(str::to_string))
        .unwrap_or_else(|| "no details".into())
}

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

async fn send_once(
    method: &str,
    url: &str,
    headers: &[(String, String)],
    token: &Token,
    body: Option<String>,
) -> Result<Reply, TransportError> {
    let list = Array::new();
    for (name, value) in headers {
        list.push(&Array::of2(&name.into(), &value.into()));
    }
    let bearer = format!("Bearer {}", token.secret.expose());
    list.push(&Array::of2(&"Authorization".into(), &bearer.into()));
    let reply = send_request(method, url, list, body).await.map_err(|e| {
        let detail = Reflect::get(&e, &"message".into())
            .ok()
            .and_then(|m| m.as_string())
            .unwrap_or_else(|| "the request failed".into());
        TransportError::Network {
            url: url.to_string(),
            detail: format!("the browser reports \"{detail}\""),
        }
    })?;
    let status = Reflect::get(&reply, &"status".into())
        .ok()
        .and_then(|v| v.as_f64())
        .unwrap_or(0.0) as u16;
    let body = Reflect::get(&reply, &"body".into())
        .ok()
        .and_then(|v| v.dyn_into::<js_sys::Uint8Array>().ok())
        .map(|bytes| match String::from_utf8(bytes.to_vec()) {
            Ok(text) => text,
            Err(invalid) => String::from_utf8_lossy(invalid.as_bytes()).into_owned(),
        })
        .unwrap_or_default();
    let mut pairs = Vec::new();
    if let Ok(list) = Reflect::get(&reply, &"headers".into()) {
        for pair in Array::from(&list).iter() {
            let pair = Array::from(&pair);
            if let (Some(name), Some(value)) = (pair.get(0).as_string(), pair.get(1).as_string()) {
                pairs.push((name, value));
            }
        }
    }
    Ok(Reply {
        status,
        headers: pairs,
        body,
    })
}

impl LiveTransport {
    async fn send_async(
        self,
        request: http::Request<String>,
    ) -> Result<http::Response<String>, TransportError> {
        let original = request.uri().to_string();
        let url = rewrite_base(&original, &self.graph_base_url).ok_or_else(|| {
            TransportError::Network {
                url: original.clone(),
                detail: format!(
                    "live mode sends requests, and the token, only to the Graph base URL ({})",
                    self.graph_base_url
                ),
            }
        })?;
        let method = request.method().to_string();
        let request_id = new_request_id();
        let mut headers: Vec<(String, String)> = request
            .headers()
            .iter()
            .filter(|(name, _)| {
                *name != http::header::AUTHORIZATION && name.as_str() != CLIENT_REQUEST_ID
            })
            .filter_map(|(name, value)| Some((name.to_string(), value.to_str().ok()?.to_string())))
            .collect();
        headers.push((CLIENT_REQUEST_ID.into(), request_id.clone()));
        let body = Some(request.body().clone()).filter(|b| !b.is_empty());
        if body.is_some() && !request.headers().contains_key(http::header::CONTENT_TYPE) {
            headers.push(("Content-Type".into(), "application/json".into()));
        }

        let auth = |e: super::auth::AuthError| TransportError::Auth(e.to_string());
        let mut token = self
            .session
            .token(&self.scopes, false, false)
            .await
            .map_err(auth)?;
        let mut reply = send_once(&method, &url, &headers, &token, body.clone()).await?;
        if reply.status == 401 {
            // Once: a token MSAL thought valid may have been revoked, or expired in flight.
            if let Ok(fresh) = self.session.token(&self.scopes, false, true).await {
                if fresh.secret != token.secret {
                    token = fresh;
                    reply = send_once(&method, &url, &headers, &token, body).await?;
                }
            }
        }
        let what = format!("{method} {}", path_of(&url));
        match reply.status {
            401 => self.on_notice.emit(Notice {
                text: format!(
                    "Graph refused {what} (401: {}). The token is expired or not valid here: sign in again, or \
                     paste a fresh token, then run the step again.",
                    graph_error_message(&reply.body)
                ),
                tone: Tone::Bad,
            }),
            403 => self.on_notice.emit(Notice {
                text: explain_forbidden(&what, &token, &self.scopes, &graph_error_message(&reply.body)),
                tone: Tone::Bad,
            }),
            _ => {}
        }

        let mut builder = http::Response::builder().status(reply.status);
        let mut echoed = false;
        for (name, value) in &reply.headers {
            echoed |= name.eq_ignore_ascii_case(CLIENT_REQUEST_ID);
            builder = builder.header(name.as_str(), value.as_str());
        }
        if !echoed {
            // Graph's CORS may hide the echo: show the id that was sent, for support requests.
            builder = builder.header(CLIENT_REQUEST_ID, request_id.as_str());
        }
        builder
            .body(reply.body)
            .map_err(|e| TransportError::Network {
                url,
                detail: format!("the response could not be read ({e})"),
            })
    }
}

fn path_of(url: &str) -> &str {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let path = after_scheme.find('/').map_or("/", |i| &after_scheme[i..]);
    path.split('?').next().unwrap_or(path)
}

impl Transport for LiveTransport {
    fn send(&self, request: http::Request<String>) -> SendFuture {
        Box::pin(self.clone().send_async(request))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_only_graph_addresses() {
        let local = "http://127.0.0.1:8787";
        assert_eq!(
            rewrite_base("https://graph.microsoft.com/v1.0/me?$select=id", local).as_deref(),
            Some("http://127.0.0.1:8787/v1.0/me?$select=id")
        );
        assert_eq!(
            rewrite_base("http://127.0.0.1:8787/beta/users", local).as_deref(),
            Some("http://127.0.0.1:8787/beta/users")
        );
        assert_eq!(
            rewrite_base("https://graph.microsoft.com.evil.example/v1.0", local),
            None
        );
        assert_eq!(
            rewrite_base("https://example.com/v1.0/me", DEFAULT_GRAPH_BASE),
            None
        );
        // An address shorter than Graph's own base is still matched against the configured one.
        assert_eq!(
            rewrite_base("http://h:1/me", "http://h:1").as_deref(),
            Some("http://h:1/me")
        );
    }

    #[test]
    fn a_403_names_the_missing_permission_or_the_role() {
        let scopes = vec![
            "User.Read".to_string(),
            "EntitlementManagement.ReadWrite.All".into(),
        ];
        let mut token = Token::from_text("not-a-jwt".into());
        token.claims.scopes = vec!["User.Read".into()];
        let lacking = explain_forbidden("GET /v1.0/x", &token, &scopes, "Insufficient privileges");
        assert!(
            lacking.contains("lacks the permission EntitlementManagement.ReadWrite.All"),
            "{lacking}"
        );
        token
            .claims
            .scopes
            .push("EntitlementManagement.ReadWrite.All".into());
        let role = explain_forbidden("GET /v1.0/x", &token, &scopes, "Insufficient privileges");
        assert!(role.contains("Identity Governance Administrator"), "{role}");
    }

    #[test]
    fn paths_and_lists() {
        assert_eq!(path_of("https://h/v1.0/users?$top=1"), "/v1.0/users");
        assert_eq!(list(&["A", "B", "C"]), "A, B and C");
    }
}
