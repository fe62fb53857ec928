//! Live mode's credentials, in memory only: the token source in use and the last token it gave.

use std::cell::RefCell;
use std::rc::Rc;

use super::auth::{AuthError, Token, TokenSource};
use super::clock::now_ms;

/// A token this close to its expiry is renewed before use rather than sent and refused.
const EXPIRY_MARGIN_MS: u64 = 60_000;

/// Where tokens come from and the last one handed out. Never saved anywhere.
#[derive(Default)]
pub struct LiveSession {
    source: RefCell<Option<Rc<dyn TokenSource>>>,
    cached: RefCell<Option<Token>>,
}

impl LiveSession {
    /// Uses `source` from now on (`None`: signed out), forgetting any token from the previous one.
    pub fn set_source(&self, source: Option<Rc<dyn TokenSource>>) {
        *self.source.borrow_mut() = source;
        *self.cached.borrow_mut() = None;
    }

    pub fn has_source(&self) -> bool {
        self.source.borrow().is_some()
    }

    /// The tokens in use may go to Microsoft Graph only (they come from Microsoft sign-in).
    pub fn microsoft_only(&self) -> bool {
        self.source
            .borrow()
            .as_ref()
            .is_some_and(|source| source.microsoft_only())
    }

    /// Keeps `token` as the current one (after an interactive sign-in returned it).
    pub fn remember(&self, token: Token) {
        *self.cached.borrow_mut() = Some(token);
    }

    /// A token for `scopes`: the current one while it is fresh and grants them, else one from the source.
    /// `refresh` skips the current one (after Graph answered 401).
    pub async fn token(
        &self,
        scopes: &[String],
        interactive: bool,
        refresh: bool,
    ) -> Result<Token, AuthError> {
        if !refresh {
            let fresh = self.cached.borrow().as_ref().and_then(|token| {
                // A token for other scopes is not handed out for these: the source is asked instead
                // (MSAL.js then gets, silently, one that has them).
                let ok = !token
                    .claims
                    .is_expired(now_ms().saturating_add(EXPIRY_MARGIN_MS))
                    && token.claims.missing(scopes).is_empty();
                ok.then(|| token.clone())
            });
            if let Some(token) = fresh {
                return Ok(token);
            }
        }
        let source = self.source.borrow().clone();
        let source = source.ok_or(AuthError::NotConfigured)?;
        let token = source.token(scopes, interactive, refresh).await?;
        *self.cached.borrow_mut() = Some(token.clone());
        Ok(token)
    }
}

/// The session, compared by identity (for Yew props and contexts).
#[derive(Clone, Default)]
pub struct SessionHandle(pub Rc<LiveSession>);

impl PartialEq for SessionHandle {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}
