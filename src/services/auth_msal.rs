//! Tokens from MSAL.js: loads the library on demand; silently, and a popup (or a redirect when popups are
//! blocked, never inside a frame) only when a user's click asked for it.

use js_sys::{Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::auth::{same_account, Account, AuthError, Token, TokenFuture, TokenSource};

#[wasm_bindgen(module = "/js/auth.js")]
extern "C" {
    #[wasm_bindgen(catch, js_name = msalInit)]
    async fn msal_init(
        client_id: &str,
        authority: &str,
        redirect_uri: &str,
    ) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_name = msalAccount)]
    fn msal_account() -> JsValue;
    #[wasm_bindgen(catch, js_name = msalSilent)]
    async fn msal_silent(
        scopes: Vec<String>,
        force_refresh: bool,
        username: Option<String>,
    ) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_name = msalPopup)]
    async fn msal_popup(
        scopes: Vec<String>,
        login_hint: Option<String>,
        other: bool,
    ) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_name = msalForget)]
    async fn msal_forget(username: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_name = msalRedirect)]
    async fn msal_redirect(
        scopes: Vec<String>,
        login_hint: Option<String>,
    ) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_name = msalTakeRefusal)]
    fn msal_take_refusal() -> JsValue;
    #[wasm_bindgen(catch, js_name = msalSignOut)]
    async fn msal_sign_out(popup: bool) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_name = msalErrorCode)]
    fn msal_error_code(error: &JsValue) -> String;
    #[wasm_bindgen(js_name = msalErrorMessage)]
    fn msal_error_message(error: &JsValue) -> String;
    #[wasm_bindgen(js_name = msalInteractionRequired)]
    fn msal_interaction_required(error: &JsValue) -> bool;
    /// `path` resolved against the document's base URL (so sub-path hosting works).
    #[wasm_bindgen(js_name = resolveUrl)]
    pub fn resolve_url(path: &str) -> String;
    /// True when the page runs inside an iframe (the embedded docs companion).
    #[wasm_bindgen(js_name = inFrame)]
    pub fn in_frame() -> bool;
}

/// Where the build puts MSAL.js, relative to the site (copied from node_modules, served from our origin).
pub const MSAL_SCRIPT: &str = "vendor/msal/msal-browser.min.js";
const SCRIPT_ID: &str = "graphwalk-msal";

/// Error codes after which only the user can help: nobody signed in, consent or a fresh sign-in needed.
const NEEDS_USER: &[&str] = &[
    "no_account_error",
    "interaction_required",
    "login_required",
    "no_tokens_found",
];

/// Error codes of a silent request whose hidden renewal frame never came back: the refresh token is gone
/// or expired (a single-page app's lasts 24 hours) and Microsoft's page needs the user.
const SILENT_TIMED_OUT: &[&str] = &["timed_out", "monitor_window_timeout"];

/// Adds MSAL.js to the page with a `<script src>` (once) and waits until it has run.
pub async fn load_script(src: &str) -> Result<(), AuthError> {
    let global = js_sys::global();
    if Reflect::get(&global, &"msal".into()).is_ok_and(|m| !m.is_undefined()) {
        return Ok(());
    }
    let unavailable = |what: &str| AuthError::Unavailable(what.to_string());
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or_else(|| unavailable("no document"))?;
    // An earlier attempt that failed leaves its element behind: start over with a fresh one.
    if let Some(old) = document.get_element_by_id(SCRIPT_ID) {
        old.remove();
    }
    let script = document
        .create_element("script")
        .map_err(|_| unavailable("could not create a script element"))?;
    script.set_id(SCRIPT_ID);
    let _ = script.set_attribute("src", src);
    let loaded = Promise::new(&mut |resolve, reject| {
        let _ = script.add_event_listener_with_callback("load", &resolve);
        let _ = script.add_event_listener_with_callback("error", &reject);
    });
    let parent = document
        .head()
        .map(|h| h.unchecked_into::<web_sys::Element>())
        .or_else(|| document.document_element())
        .ok_or_else(|| unavailable("no place for a script element"))?;
    parent
        .append_child(&script)
        .map_err(|_| unavailable("could not add the script element"))?;
    JsFuture::from(loaded).await.map_err(|_| {
        AuthError::Unavailable(format!(
            "{src} did not load. Check that the site was built with `make build` (which copies MSAL.js from \
             node_modules) and that nothing blocks scripts from this site."
        ))
    })?;
    Ok(())
}

/// Starts MSAL with these settings and returns the signed-in account, if any (also after a redirect back).
pub async fn start(
    client_id: &str,
    authority: &str,
    redirect_uri: &str,
) -> Result<Option<Account>, AuthError> {
    let account = msal_init(client_id, authority, redirect_uri)
        .await
        .map_err(|e| classify(&e))?;
    Ok(account_from(&account))
}

/// A redirect sign-in that came back as someone other than the reader it was for, once: the reader's
/// account was kept.
pub fn take_redirect_refusal() -> Option<AuthError> {
    let refusal = msal_take_refusal();
    (!refusal.is_null() && !refusal.is_undefined()).then(|| classify(&refusal))
}

pub fn current_account() -> Option<Account> {
    account_from(&msal_account())
}

/// Forgets the signed-in account here; outside a frame also signs out at Microsoft in a popup.
pub async fn sign_out(popup: bool) -> Result<(), AuthError> {
    msal_sign_out(popup)
        .await
        .map(|_| ())
        .map_err(|e| classify(&e))
}

/// Forgets another account signed in beside the reader's (its tokens in this page).
pub async fn forget(username: &str) -> Result<(), AuthError> {
    msal_forget(username)
        .await
        .map(|_| ())
        .map_err(|e| classify(&e))
}

fn account_from(value: &JsValue) -> Option<Account> {
    if value.is_null() || value.is_undefined() {
        return None;
    }
    Some(Account {
        username: text(value, "username"),
        tenant_id: text(value, "tenantId"),
    })
}

fn text(value: &JsValue, key: &str) -> String {
    Reflect::get(value, &key.into())
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_default()
}

fn token_from(value: &JsValue) -> Result<Token, AuthError> {
    let access = text(value, "accessToken");
    if access.is_empty() {
        return Err(AuthError::Msal {
            code: "no_access_token".into(),
            message: "MSAL.js answered without an access token".into(),
        });
    }
    let mut token = Token::from_text(access);
    if token.claims.account.is_none() {
        token.claims.account = Some(text(value, "username")).filter(|s| !s.is_empty());
    }
    if token.claims.tenant_id.is_none() {
        token.claims.tenant_id = Some(text(value, "tenantId")).filter(|s| !s.is_empty());
    }
    Ok(token)
}

/// The account MSAL.js says answered (its `username`, from the ID token's `preferred_username`): unlike an
/// access token's `upn`, it is there for guests too.
fn answered_as(value: &JsValue) -> String {
    text(value, "username")
}

fn classify(error: &JsValue) -> AuthError {
    let code = msal_error_code(error);
    match code.as_str() {
        // js/auth.js refused an answer as someone other than the account asked for.
        "account_mismatch" => AuthError::WrongAccount {
            wanted: text(error, "wanted"),
            got: Some(text(error, "got"))
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| "another account".into()),
        },
        "user_cancelled" => AuthError::Cancelled,
        // Consent declined, or only an administrator may grant it (AADSTS65004, AADSTS90094).
        "consent_required" | "access_denied" => AuthError::ConsentRequired,
        "interaction_in_progress" => AuthError::InProgress,
        "popup_window_error" | "empty_window_error" => AuthError::PopupBlocked,
        c if NEEDS_USER.contains(&c) || msal_interaction_required(error) => {
            AuthError::InteractionRequired
        }
        _ => AuthError::Msal {
            code,
            message: msal_error_message(error),
        },
    }
}

/// MSAL.js as a `TokenSource`. Call `start` first.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MsalTokenSource {
    /// Inside an iframe a redirect is never tried: Entra refuses to show its pages framed.
    pub in_frame: bool,
}

impl MsalTokenSource {
    pub fn for_page() -> Self {
        MsalTokenSource {
            in_frame: in_frame(),
        }
    }

    /// Without a click: silently (cached, refresh token, then MSAL.js's hidden frame). For a click: the
    /// sign-in window at once, before any other awaiting, so the browser still counts it as the click's
    /// (a silent attempt first can take 10 s and lose that); a redirect if the window was blocked (not in
    /// a frame). Once the reader has signed in, every token is theirs: an answer as anyone else (another
    /// account's Microsoft session in this browser, or another name typed in at the sign-in) is refused.
    pub async fn acquire(
        self,
        scopes: Vec<String>,
        interactive: bool,
        refresh: bool,
    ) -> Result<Token, AuthError> {
        let reader = current_account()
            .map(|a| a.username)
            .filter(|u| !u.is_empty());
        let answer = if interactive {
            // Named, so Microsoft picks the reader's session (or fills in their name) among several.
            msal_popup(scopes.clone(), reader.clone(), false).await
        } else {
            return silent(scopes, refresh, None, reader.as_deref()).await;
        };
        match answer {
            Ok(value) => checked(&value, reader.as_deref()),
            Err(error) => match classify(&error) {
                AuthError::PopupBlocked if self.in_frame => Err(AuthError::PopupBlockedInFrame),
                AuthError::PopupBlocked => {
                    msal_redirect(scopes, reader)
                        .await
                        .map_err(|e| classify(&e))?;
                    Err(AuthError::Redirecting)
                }
                other => Err(other),
            },
        }
    }

    /// A token of another account, `upn`, kept beside the reader's: silently once it has signed in here;
    /// for a click, Microsoft's sign-in page in a popup with `prompt=login` and `upn` filled in. Never a
    /// redirect (the page would come back with that account as the reader's). A sign-in as anyone else
    /// is refused.
    pub async fn acquire_as(
        self,
        upn: String,
        scopes: Vec<String>,
        interactive: bool,
        refresh: bool,
    ) -> Result<Token, AuthError> {
        if interactive {
            // js/auth.js refuses a sign-in as anyone else and keeps nothing of it.
            let value = msal_popup(scopes, Some(upn.clone()), true)
                .await
                .map_err(|e| match classify(&e) {
                    AuthError::PopupBlocked if self.in_frame => AuthError::PopupBlockedInFrame,
                    other => other,
                })?;
            checked(&value, Some(&upn))
        } else {
            silent(scopes, refresh, Some(upn.clone()), Some(&upn)).await
        }
    }
}

/// The token in MSAL.js's answer, if it is `wanted`'s (when an account was asked for).
fn checked(value: &JsValue, wanted: Option<&str>) -> Result<Token, AuthError> {
    let got = answered_as(value);
    match wanted {
        Some(wanted) if !same_account(wanted, &got) => Err(AuthError::WrongAccount {
            wanted: wanted.to_string(),
            got: if got.is_empty() {
                "another account".into()
            } else {
                got
            },
        }),
        _ => token_from(value),
    }
}

/// Without a click: cached, refresh token, then MSAL.js's hidden frame; `username` for another account,
/// and the answer must be `wanted`'s.
async fn silent(
    scopes: Vec<String>,
    refresh: bool,
    username: Option<String>,
    wanted: Option<&str>,
) -> Result<Token, AuthError> {
    match msal_silent(scopes, refresh, username).await {
        Ok(value) => checked(&value, wanted),
        Err(error) => Err(match classify(&error) {
            AuthError::Msal { code, .. } if SILENT_TIMED_OUT.contains(&code.as_str()) => {
                AuthError::InteractionRequired
            }
            other => other,
        }),
    }
}

impl TokenSource for MsalTokenSource {
    fn token(&self, scopes: &[String], interactive: bool, refresh: bool) -> TokenFuture {
        Box::pin(self.acquire(scopes.to_vec(), interactive, refresh))
    }

    fn token_as(
        &self,
        upn: &str,
        scopes: &[String],
        interactive: bool,
        refresh: bool,
    ) -> TokenFuture {
        Box::pin(self.acquire_as(upn.to_string(), scopes.to_vec(), interactive, refresh))
    }

    fn microsoft_only(&self) -> bool {
        true
    }
}
