//! Live mode's credentials, in memory only: the token source in use and the last token it gave, for the
//! reader's account and for each other account a step runs as.

use std::cell::RefCell;
use std::collections::HashMap;
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
    /// The last token of each other account, by lower-case user principal name.
    others: RefCell<HashMap<String, Token>>,
}

/// A token that is still fresh and grants `scopes`.
fn usable(token: &Token, scopes: &[String]) -> bool {
    !token
        .claims
        .is_expired(now_ms().saturating_add(EXPIRY_MARGIN_MS))
        && token.claims.missing(scopes).is_empty()
}

impl LiveSession {
    /// Uses `source` from now on (`None`: signed out), forgetting any token from the previous one.
    pub fn set_source(&self, source: Option<Rc<dyn TokenSource>>) {
        *self.source.borrow_mut() = source;
        *self.cached.borrow_mut() = None;
        self.others.borrow_mut().clear();
    }

    /// Forgets another account's token (it signed out here).
    pub fn forget(&self, upn: &str) {
        self.others.borrow_mut().remove(&upn.to_lowercase());
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
            // A token for other scopes is not handed out for these: the source is asked instead
            // (MSAL.js then gets, silently, one that has them).
            let fresh = self
                .cached
                .borrow()
                .as_ref()
                .filter(|token| usable(token, scopes))
                .cloned();
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

    /// A token of another account, `upn`, as `token` gives the reader's: never the reader's own.
    pub async fn token_as(
        &self,
        upn: &str,
        scopes: &[String],
        interactive: bool,
        refresh: bool,
    ) -> Result<Token, AuthError> {
        let key = upn.to_lowercase();
        if !refresh {
            let fresh = self
                .others
                .borrow()
                .get(&key)
                .filter(|token| usable(token, scopes))
                .cloned();
            if let Some(token) = fresh {
                return Ok(token);
            }
        }
        let source = self.source.borrow().clone();
        let source = source.ok_or(AuthError::NotConfigured)?;
        let token = source.token_as(upn, scopes, interactive, refresh).await?;
        self.others.borrow_mut().insert(key, token.clone());
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
