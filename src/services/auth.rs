//! The auth seam: where access tokens come from (MSAL.js, a pasted token, or a test's fake), kept in memory.
//!
//! Nothing here is ever saved, logged, rendered or exported. `Secret` has no `Display`, prints as `***`
//! with `Debug`, and is not `Serialize`, so a token cannot slip into a card, an export or storage by accident.

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use super::auth_claims::{self, Claims};

/// An access token's text. Only the live transport reads it, to build the `Authorization` header.
#[derive(Clone, PartialEq)]
pub struct Secret(String);

impl Secret {
    pub fn new(text: String) -> Self {
        Secret(text)
    }

    /// The token itself, for the `Authorization` header and nothing else.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// A token and what it says about itself.
#[derive(Clone, Debug, PartialEq)]
pub struct Token {
    pub secret: Secret,
    pub claims: Claims,
}

impl Token {
    /// Reads the claims of a token text; tokens that are not JWTs still work, with no claims shown.
    pub fn from_text(text: String) -> Token {
        let claims = auth_claims::decode(&text).unwrap_or_default();
        Token {
            secret: Secret::new(text),
            claims,
        }
    }
}

/// Who is signed in, for display.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Account {
    pub username: String,
    pub tenant_id: String,
}

/// User names compare without regard to case, as Entra's do (and as `js/auth.js` compares them, with
/// `toLowerCase`).
pub fn same_account(a: &str, b: &str) -> bool {
    a.to_lowercase() == b.to_lowercase()
}

/// Why no token came back, in terms the live panel can act on.
#[derive(Clone, Debug, PartialEq)]
pub enum AuthError {
    /// Live mode needs a client id (or a pasted token) first.
    NotConfigured,
    /// MSAL.js could not be loaded or started.
    Unavailable(String),
    /// Nobody is signed in, or sign-in is needed again: only a click may start that.
    InteractionRequired,
    /// The user (or an administrator, for admin-only permissions) must consent to these scopes first.
    ConsentRequired,
    /// The browser blocked the sign-in popup.
    PopupBlocked,
    /// Inside an iframe a popup was blocked and a redirect is not allowed: sign in from a new tab.
    PopupBlockedInFrame,
    /// The page is navigating to the sign-in page and will come back with the result.
    Redirecting,
    /// The user closed the sign-in window.
    Cancelled,
    /// Another sign-in is still open.
    InProgress,
    /// A step runs as another account, and only the reader's own token is here (a pasted token).
    OneAccountOnly,
    /// Microsoft was asked for `wanted`'s token (a sign-in or a silent renewal) and answered as `got`.
    WrongAccount { wanted: String, got: String },
    /// Anything else MSAL reported, by its error code.
    Msal { code: String, message: String },
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuthError::NotConfigured => f.write_str(
                "Live mode needs an application (client) id in the settings, or a pasted access token.",
            ),
            AuthError::Unavailable(detail) => write!(f, "MSAL.js could not start: {detail}"),
            AuthError::InteractionRequired => {
                f.write_str("Sign in (or consent to the tutorial's permissions) with the Sign in button.")
            }
            AuthError::ConsentRequired => f.write_str(
                "The app registration has no consent for this step's permissions yet: sign in again to consent, or ask an administrator to grant admin consent.",
            ),
            AuthError::PopupBlocked => {
                f.write_str("The browser blocked the sign-in popup. Allow popups for this site, or sign in again to use a redirect.")
            }
            AuthError::PopupBlockedInFrame => f.write_str(
                "The sign-in popup was blocked, and signing in cannot happen inside this frame. Open graphwalk in a new tab to sign in.",
            ),
            AuthError::Redirecting => f.write_str("Going to the Microsoft sign-in page…"),
            AuthError::Cancelled => f.write_str("Sign-in was cancelled."),
            AuthError::InProgress => f.write_str("A sign-in window is already open: finish or close it first."),
            AuthError::OneAccountOnly => f.write_str(
                "A pasted token is one account's: another account cannot sign in beside it. Sign in with the Sign in button instead, or choose the path where you make every request.",
            ),
            AuthError::WrongAccount { wanted, got } => write!(
                f,
                "Microsoft answered as {got}, not {wanted}, so nothing of that answer was kept. Sign in again as {wanted} (on Microsoft's page, choose Use another account if {got} is offered); to change who you are signed in as, Sign out first.",
            ),
            AuthError::Msal { code, message } if message.is_empty() => write!(f, "MSAL.js error {code}."),
            AuthError::Msal { code, message } => write!(f, "MSAL.js error {code}: {message}"),
        }
    }
}

pub type TokenFuture = Pin<Box<dyn Future<Output = Result<Token, AuthError>>>>;

/// Where tokens come from. `interactive` is true only when a user's click started the request: only then
/// may a popup or a redirect happen. `refresh` asks for a new token instead of a cached one (after a 401).
pub trait TokenSource {
    fn token(&self, scopes: &[String], interactive: bool, refresh: bool) -> TokenFuture;

    /// A token of another account, `upn`, signed in beside the reader's (a step that runs as someone
    /// else). Only MSAL.js can sign in a second account.
    fn token_as(
        &self,
        _upn: &str,
        _scopes: &[String],
        _interactive: bool,
        _refresh: bool,
    ) -> TokenFuture {
        Box::pin(async { Err(AuthError::OneAccountOnly) })
    }

    /// True for tokens from Microsoft sign-in: they are sent to Microsoft Graph only, whatever Graph base
    /// URL is set (a pasted token may go to another server, such as a local graphwalk-sandbox).
    fn microsoft_only(&self) -> bool {
        false
    }
}

/// A token the user pasted: used as is, for every scope, until it expires.
pub struct PastedToken(pub Token);

impl TokenSource for PastedToken {
    fn token(&self, _scopes: &[String], _interactive: bool, _refresh: bool) -> TokenFuture {
        let token = self.0.clone();
        Box::pin(async move { Ok(token) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_never_prints() {
        let token = Token::from_text("aaa.bbb.ccc".into());
        assert!(!format!("{token:?}").contains("aaa.bbb.ccc"));
    }
}
