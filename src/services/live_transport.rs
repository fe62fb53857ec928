//! The live transport: sends the run's requests to Microsoft Graph (or a local graphwalk-sandbox) with a
//! bearer token for the step's own scopes, a `client-request-id` per request, and one retry with a fresh
//! token after a 401. Failures come back typed; what to tell the reader is the card's business.

use std::rc::Rc;

use js_sys::{Array, Reflect};
use wasm_bindgen::prelude::*;

use super::auth::{AuthError, Token};
use super::live_session::LiveSession;
use super::live_settings::{DEFAULT_GRAPH_BASE, MICROSOFT_GRAPH_HOSTS};
use super::transport::{Outgoing, Reply, SendFailure, SendFuture, Transport};

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

/// Sends requests to `graph_base_url` with tokens from `session`, each for its own step's scopes.
#[derive(Clone)]
pub struct LiveTransport {
    pub session: Rc<LiveSession>,
    pub graph_base_url: String,
}

/// Why no token came back, as the run's typed failure: only a click can mend these, so none is retried.
pub fn auth_failure(error: AuthError, scopes: &[String]) -> SendFailure {
    match error {
        AuthError::ConsentRequired => SendFailure::NeedsConsent {
            scopes: scopes.to_vec(),
            message: error.to_string(),
        },
        error => SendFailure::NeedsSignIn {
            message: error.to_string(),
        },
    }
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
/// An address on one of Microsoft Graph's own endpoints (global or national clouds).
pub fn is_microsoft_graph(url: &str) -> bool {
    MICROSOFT_GRAPH_HOSTS.iter().any(|host| {
        url.get(..host.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(host))
            && matches!(
                url.as_bytes().get(host.len()),
                None | Some(b'/') | Some(b'?')
            )
    })
}

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

struct Answer {
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
) -> Result<Answer, SendFailure> {
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
        SendFailure::Network {
            message: format!("No response from {url} (the browser reports \"{detail}\")."),
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
    Ok(Answer {
        status,
        headers: pairs,
        body,
    })
}

/// Why no token came back, for a step that runs as `identity` (an account and its user principal name):
/// anything but consent means that account has to sign in first.
fn account_failure(
    error: AuthError,
    scopes: &[String],
    identity: &Option<(String, String)>,
) -> SendFailure {
    match identity {
        Some((identity, upn)) if error != AuthError::ConsentRequired => SendFailure::NeedsAccount {
            identity: identity.clone(),
            upn: upn.clone(),
        },
        _ => auth_failure(error, scopes),
    }
}

impl LiveTransport {
    /// The reader's token (`account` is `None`), or the token of the other account named.
    async fn token(
        &self,
        account: Option<&str>,
        scopes: &[String],
        refresh: bool,
    ) -> Result<Token, AuthError> {
        match account {
            None => self.session.token(scopes, false, refresh).await,
            Some(upn) => self.session.token_as(upn, scopes, false, refresh).await,
        }
    }

    async fn send_async(self, outgoing: Outgoing) -> Reply {
        let Outgoing {
            request,
            scopes,
            identity,
        } = outgoing;
        let original = request.uri().to_string();
        let url = rewrite_base(&original, &self.graph_base_url).ok_or_else(|| {
            SendFailure::HostNotAllowed {
                url: original.clone(),
                allowed: self.graph_base_url.clone(),
            }
        })?;
        if self.session.microsoft_only() && !is_microsoft_graph(&url) {
            return Err(SendFailure::HostNotAllowed {
                url,
                allowed: "Microsoft Graph (a token from Microsoft sign-in goes to no other server)"
                    .into(),
            });
        }
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

        // A step that runs as another account gets that account's token, or is not sent: never the
        // reader's own token in its place.
        let account = identity.as_ref().map(|(_, upn)| upn.as_str());
        let mut token = self
            .token(account, &scopes, false)
            .await
            .map_err(|e| account_failure(e, &scopes, &identity))?;
        let mut reply = send_once(&method, &url, &headers, &token, body.clone()).await?;
        if reply.status == 401 {
            // Once: a token MSAL thought valid may have been revoked, or expired in flight.
            if let Ok(fresh) = self.token(account, &scopes, true).await {
                if fresh.secret != token.secret {
                    token = fresh;
                    reply = send_once(&method, &url, &headers, &token, body).await?;
                }
            }
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
        builder.body(reply.body).map_err(|e| SendFailure::Network {
            message: format!("the response from {url} could not be read ({e})"),
        })
    }
}

impl Transport for LiveTransport {
    fn send(&self, outgoing: Outgoing) -> SendFuture {
        Box::pin(self.clone().send_async(outgoing))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn microsoft_graph_is_its_own_hosts_only() {
        assert!(is_microsoft_graph("https://graph.microsoft.com/v1.0/me"));
        assert!(is_microsoft_graph("https://GRAPH.microsoft.us/v1.0/me"));
        assert!(!is_microsoft_graph(
            "https://graph.microsoft.com.evil.example/v1.0/me"
        ));
        assert!(!is_microsoft_graph("http://127.0.0.1:8787/v1.0/me"));
        assert!(!is_microsoft_graph("http://graph.microsoft.com/v1.0/me"));
    }

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
    fn a_step_run_as_another_account_without_its_token_needs_that_account_not_the_readers() {
        let scopes = vec!["EntitlementMgmt-SubjectAccess.ReadWrite".to_string()];
        let requestor = Some(("requestor".to_string(), "r@contoso.example".to_string()));
        for error in [
            AuthError::NotConfigured,
            AuthError::InteractionRequired,
            AuthError::OneAccountOnly,
            AuthError::Cancelled,
        ] {
            assert!(matches!(
                account_failure(error, &scopes, &requestor),
                SendFailure::NeedsAccount { identity, upn } if identity == "requestor" && upn == "r@contoso.example"
            ));
        }
        assert!(matches!(
            account_failure(AuthError::ConsentRequired, &scopes, &requestor),
            SendFailure::NeedsConsent { .. }
        ));
        assert!(matches!(
            account_failure(AuthError::InteractionRequired, &scopes, &None),
            SendFailure::NeedsSignIn { .. }
        ));
    }

    #[test]
    fn an_auth_error_becomes_a_failure_that_names_what_the_user_must_do() {
        let scopes = vec!["User.ReadWrite.All".to_string()];
        assert!(matches!(
            auth_failure(AuthError::ConsentRequired, &scopes),
            SendFailure::NeedsConsent { scopes: named, .. } if named == scopes
        ));
        assert!(matches!(
            auth_failure(AuthError::NotConfigured, &scopes),
            SendFailure::NeedsSignIn { .. }
        ));
        assert!(matches!(
            auth_failure(AuthError::InteractionRequired, &scopes),
            SendFailure::NeedsSignIn { .. }
        ));
    }
}
