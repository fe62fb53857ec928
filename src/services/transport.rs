//! The seam between the run and the network: one `Transport` for the in-page sandbox, live Graph, or a local
//! `graphwalk-sandbox` server. It answers with a response or a typed failure, and never writes to the page.

use std::future::Future;
use std::pin::Pin;

pub use walkthrough::SendFailure;

/// A request on its way out, with what it needs besides its text.
#[derive(Debug)]
pub struct Outgoing {
    pub request: http::Request<String>,
    /// The delegated permissions this request needs (the step's own scopes): the token is asked for these.
    pub scopes: Vec<String>,
    /// Whose account the request runs as (the tutorial's identity name and the account's user principal
    /// name); `None` is the signed-in user.
    pub identity: Option<(String, String)>,
}

impl From<http::Request<String>> for Outgoing {
    /// A request with no scopes of its own, as the signed-in user.
    fn from(request: http::Request<String>) -> Self {
        Outgoing {
            request,
            scopes: Vec::new(),
            identity: None,
        }
    }
}

pub type Reply = Result<http::Response<String>, SendFailure>;
pub type SendFuture = Pin<Box<dyn Future<Output = Reply>>>;

/// Sends one request and resolves with the server's response (any status), or with why none came back.
pub trait Transport {
    fn send(&self, outgoing: Outgoing) -> SendFuture;
}
