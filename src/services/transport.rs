//! The seam between the runner and the network: one `Transport` for the in-page sandbox, live Graph,
//! or a local `graphwalk-sandbox` server.

use std::fmt;
use std::future::Future;
use std::pin::Pin;

pub type SendFuture = Pin<Box<dyn Future<Output = Result<http::Response<String>, TransportError>>>>;

/// Sends one request and resolves with Graph's response, or with why no response came back.
pub trait Transport {
    fn send(&self, request: http::Request<String>) -> SendFuture;
}

/// Why a request got no HTTP response at all. A Graph error status is a response, not a `TransportError`.
#[derive(Clone, Debug, PartialEq)]
pub enum TransportError {
    /// The browser could not reach the server, or CORS hid the response.
    Network { url: String, detail: String },
    /// No token could be obtained for the request's scopes.
    Auth(String),
    /// The sandbox tenant in this page could not take the request (its module did not load).
    Sandbox(String),
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TransportError::Network { url, detail } => write!(
                f,
                "No response from {url}: {detail}. Check the Graph base URL, your network, and that the server \
                 allows this page's origin (CORS)."
            ),
            TransportError::Auth(detail) => write!(f, "Could not get an access token: {detail}"),
            TransportError::Sandbox(detail) => write!(f, "Nothing was sent: {detail}."),
        }
    }
}
