//! Live mode's credentials, in memory only: the token source in use and the last token it gave, for the
//! reader's account and for each other account a step runs as.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use super::auth::{AuthError, Token, TokenSource};
use super::clock::now_ms;

/// A token this close to its expiry is renewed before use rather than sent and refused.
const EXPIRY_MARGIN_MS: u64 = 60_000;

/// Hears the user principal name of an account whose sign-in was lost.
type LostAccount = Rc<dyn Fn(String)>;

/// Where tokens come from and the last one handed out. Never saved anywhere.
#[derive(Default)]
pub struct LiveSession {
    source: RefCell<Option<Rc<dyn TokenSource>>>,
    cached: RefCell<Option<Token>>,
    /// The last token of each other account, by lower-case user principal name.
    others: RefCell<HashMap<String, Token>>,
    /// How many tokens each other account has been given: a silent failure that began before a newer
    /// token (a sign-in again) arrived does not undo it.
    given: RefCell<HashMap<String, u64>>,
    /// Counts changes of source: an answer that arrives after one (a sign-in window still open when the
    /// reader signed out) belongs to a session that is over.
    generation: Cell<u64>,
    /// Told the user principal name of another account whose token could no longer be had without the
    /// user (its sign-in expired, or the account is gone), so the page offers its sign-in again.
    on_lost: RefCell<Option<LostAccount>>,
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
        self.generation.set(self.generation.get() + 1);
    }

    /// Changes with every `set_source`.
    pub fn generation(&self) -> u64 {
        self.generation.get()
    }

    /// `lost` hears of another account whose token could not be had silently (see `token_as`).
    pub fn on_lost(&self, lost: impl Fn(String) + 'static) {
        *self.on_lost.borrow_mut() = Some(Rc::new(lost));
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
        let generation = self.generation.get();
        let token = source.token(scopes, interactive, refresh).await?;
        if self.generation.get() != generation {
            // Signed out, or another token pasted, while this one was on its way: it belongs to no one now.
            return Err(AuthError::Cancelled);
        }
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
        let generation = self.generation.get();
        let given = self.given.borrow().get(&key).copied();
        let answer = source.token_as(upn, scopes, interactive, refresh).await;
        if self.generation.get() != generation {
            return Err(AuthError::Cancelled);
        }
        match answer {
            Ok(token) => {
                self.others.borrow_mut().insert(key.clone(), token.clone());
                *self.given.borrow_mut().entry(key).or_default() += 1;
                Ok(token)
            }
            Err(error) => {
                // Only a sign-in that needs the user again (expired, or the account gone) is lost: a network
                // failure or a consent to give leaves the account signed in.
                let lost = matches!(
                    error,
                    AuthError::InteractionRequired | AuthError::WrongAccount { .. }
                );
                let overtaken = self.given.borrow().get(&key).copied() != given;
                if !interactive && lost && !overtaken {
                    self.others.borrow_mut().remove(&key);
                    let lost = self.on_lost.borrow().clone();
                    if let Some(lost) = lost {
                        lost(upn.to_string());
                    }
                }
                Err(error)
            }
        }
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
