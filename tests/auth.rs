//! Live mode's auth seam in a real browser: silently without a click and the popup at once for one,
//! against a fake `msal` global; token claim decoding, settings precedence, and the live panel with a
//! pasted token.
#![cfg(target_arch = "wasm32")]

mod common;

use std::time::Duration;

use common::*;
use graphwalk::services::auth::AuthError;
use graphwalk::services::auth_claims::{self, ClaimsError};
use graphwalk::services::auth_msal::{self, MsalTokenSource};
use graphwalk::services::live_settings::{self, SettingsLayer, DEFAULT_GRAPH_BASE};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// A stand-in for MSAL.js: each call is recorded in `__fakeMsal.calls`, and `__fakeMsal.silent` /
/// `__fakeMsal.popup` say how acquireTokenSilent and acquireTokenPopup end ("ok" or an error code);
/// `__fakeMsal.answerAs` makes Microsoft answer as that user, `__fakeMsal.signedIn` starts with Ada
/// signed in as the active account.
const FAKE_MSAL: &str = r#"
const script = globalThis.__fakeMsal;
class InteractionRequiredAuthError extends Error { constructor(code) { super(code); this.errorCode = code; } }
class BrowserAuthError extends Error { constructor(code) { super('https://aka.ms/msaljs/browser_errors'); this.errorCode = code; } }
const payload = btoa(JSON.stringify({ scp: 'User.Read Group.ReadWrite.All', tid: 'tenant-1', upn: 'ada@contoso.example', exp: 4102444800 })).replace(/=+$/, '');
const account = { username: 'ada@contoso.example', tenantId: 'tenant-1', homeAccountId: 'ada.tenant-1' };
const answer = () => script.answerAs
  ? { ...result, account: { username: script.answerAs, tenantId: 'tenant-1', homeAccountId: script.answerAs + '.tenant-1' } }
  : result;
const result = { accessToken: 'h.' + payload + '.s', account, tenantId: 'tenant-1' };
class PublicClientApplication {
  constructor(config) { script.config = config; this.active = script.signedIn ? account : null; }
  async initialize() { script.calls.push('initialize'); }
  async handleRedirectPromise() { return script.redirectBack ? answer() : null; }
  getAllAccounts() { return script.accounts || []; }
  getActiveAccount() { return this.active; }
  setActiveAccount(a) { this.active = a; }
  async acquireTokenSilent() {
    script.calls.push('silent');
    if (script.silent === 'ok') return answer();
    if (script.silent === 'interaction_required') throw new InteractionRequiredAuthError('interaction_required');
    throw new BrowserAuthError(script.silent);
  }
  addEventCallback() { return 'callback-id'; }
  async acquireTokenPopup(request) {
    script.calls.push('popup');
    script.popupRequest = request;
    if (script.popup === 'ok') return answer();
    throw new BrowserAuthError(script.popup);
  }
  async acquireTokenRedirect(request) { script.calls.push('redirect'); script.redirectRequest = request; }
  getAccount({ username }) { return [account, ...(script.accounts || [])].find((a) => a.username === username) || null; }
  async clearCache(request) { script.calls.push(request && request.account ? 'clearCache ' + request.account.username : 'clearCache'); }
  async logoutPopup() { script.calls.push('logoutPopup'); }
}
globalThis.msal = { PublicClientApplication, InteractionRequiredAuthError, BrowserAuthError, version: 'fake' };
"#;

/// Installs the fake with this script and starts the seam on it.
async fn fake_msal(silent: &str, popup: &str) {
    fake_msal_with(silent, popup, "").await;
}

/// `extra`: more of `__fakeMsal`'s settings, as JavaScript properties (`answerAs: '…', signedIn: true`).
async fn fake_msal_with(silent: &str, popup: &str, extra: &str) {
    let _ = web_sys::window()
        .and_then(|w| w.session_storage().ok().flatten())
        .map(|s| s.clear());
    let setup = format!(
        "globalThis.__fakeMsal = {{ silent: {silent:?}, popup: {popup:?}, calls: [], {extra} }};"
    );
    js_sys::Function::new_no_args(&format!("{setup}\n{FAKE_MSAL}"))
        .call0(&JsValue::NULL)
        .expect("the fake installs");
    auth_msal::start(
        "client",
        "https://login.microsoftonline.com/organizations",
        "https://site/redirect.html",
    )
    .await
    .expect("the fake starts");
}

fn calls() -> Vec<String> {
    let fake = js_sys::Reflect::get(&js_sys::global(), &"__fakeMsal".into()).expect("fake");
    let calls = js_sys::Reflect::get(&fake, &"calls".into()).expect("calls");
    js_sys::Array::from(&calls)
        .iter()
        .filter_map(|v| v.as_string())
        .collect()
}

async fn acquire(in_frame: bool, interactive: bool) -> Result<String, AuthError> {
    MsalTokenSource { in_frame }
        .acquire(vec!["User.Read".into()], interactive, false)
        .await
        .map(|token| token.claims.account.unwrap_or_default())
}

#[wasm_bindgen_test]
async fn a_silent_token_needs_no_prompt() {
    fake_msal("ok", "ok").await;
    assert_eq!(
        acquire(false, false).await,
        Ok("ada@contoso.example".into())
    );
    assert_eq!(calls(), ["initialize", "silent"]);
}

#[wasm_bindgen_test]
async fn no_account_without_a_click_asks_for_sign_in_and_opens_nothing() {
    fake_msal("no_account_error", "ok").await;
    assert_eq!(
        acquire(false, false).await,
        Err(AuthError::InteractionRequired)
    );
    assert_eq!(calls(), ["initialize", "silent"]);
}

#[wasm_bindgen_test]
async fn a_click_opens_the_popup_at_once_with_nothing_awaited_before() {
    // A silent attempt first could take the hidden frame's 10 s, after which the browser no longer counts
    // the window as opened by the click.
    fake_msal("ok", "ok").await;
    assert_eq!(acquire(false, true).await, Ok("ada@contoso.example".into()));
    assert_eq!(calls(), ["initialize", "popup"]);
    let fake = js_sys::Reflect::get(&js_sys::global(), &"__fakeMsal".into()).expect("fake");
    let request = js_sys::Reflect::get(&fake, &"popupRequest".into()).expect("request");
    let override_in_progress =
        js_sys::Reflect::get(&request, &"overrideInteractionInProgress".into()).expect("flag");
    assert_eq!(
        override_in_progress.as_bool(),
        Some(true),
        "a window closed earlier does not block the next sign-in"
    );
    // Top-level, no popup relay: the redirect bridge reaches this window.
    let config = js_sys::Reflect::get(&fake, &"config".into()).expect("config");
    let auth = js_sys::Reflect::get(&config, &"auth".into()).expect("auth");
    assert!(js_sys::Reflect::get(&auth, &"popupRelayUri".into())
        .expect("read")
        .is_undefined());
}

#[wasm_bindgen_test]
async fn a_blocked_popup_falls_back_to_a_redirect() {
    fake_msal("interaction_required", "popup_window_error").await;
    assert_eq!(acquire(false, true).await, Err(AuthError::Redirecting));
    assert_eq!(calls(), ["initialize", "popup", "redirect"]);
}

#[wasm_bindgen_test]
async fn a_blocked_popup_in_a_frame_never_redirects() {
    fake_msal("no_account_error", "empty_window_error").await;
    assert_eq!(
        acquire(true, true).await,
        Err(AuthError::PopupBlockedInFrame)
    );
    assert_eq!(calls(), ["initialize", "popup"]);
}

#[wasm_bindgen_test]
async fn a_cancelled_popup_says_so() {
    fake_msal("no_account_error", "user_cancelled").await;
    assert_eq!(acquire(false, true).await, Err(AuthError::Cancelled));
}

#[wasm_bindgen_test]
async fn declined_consent_or_consent_only_an_admin_may_give_says_so() {
    fake_msal("no_account_error", "access_denied").await;
    assert_eq!(acquire(false, true).await, Err(AuthError::ConsentRequired));
}

#[wasm_bindgen_test]
async fn other_silent_errors_are_reported_without_a_prompt() {
    fake_msal("endpoints_resolution_error", "ok").await;
    let error = acquire(false, false).await.expect_err("fails");
    assert!(
        matches!(&error, AuthError::Msal { code, .. } if code == "endpoints_resolution_error"),
        "{error:?}"
    );
    assert_eq!(calls(), ["initialize", "silent"]);
}

#[wasm_bindgen_test]
async fn a_silent_renewal_that_timed_out_needs_the_user_and_a_click_opens_the_popup() {
    // The hidden renewal frame never came back (the refresh token expired): not a failure to report as
    // is, but a sign-in the user has to make.
    fake_msal("timed_out", "ok").await;
    let error = acquire(false, false).await.expect_err("needs the user");
    assert_eq!(error, AuthError::InteractionRequired);
    assert_eq!(calls(), ["initialize", "silent"]);
    fake_msal("timed_out", "ok").await;
    acquire(false, true).await.expect("the popup signs in");
    assert_eq!(calls(), ["initialize", "popup"]);
}

fn popup_request(key: &str) -> JsValue {
    let fake = js_sys::Reflect::get(&js_sys::global(), &"__fakeMsal".into()).expect("fake");
    let request = js_sys::Reflect::get(&fake, &"popupRequest".into()).expect("request");
    js_sys::Reflect::get(&request, &key.into()).expect("read")
}

/// Signs `upn` in beside the reader, with a click (the popup), for User.Read.
async fn sign_in_beside(upn: &str) -> Result<graphwalk::services::auth::Token, AuthError> {
    MsalTokenSource { in_frame: false }
        .acquire_as(upn.into(), vec!["User.Read".into()], true, false)
        .await
}

fn reader() -> Option<String> {
    auth_msal::current_account().map(|a| a.username)
}

#[wasm_bindgen_test]
async fn a_silent_renewal_answered_as_someone_else_is_refused_and_the_reader_stays() {
    // Microsoft's hidden frame takes whichever session answers: after another account signed in in
    // this browser, that can be theirs.
    fake_msal_with(
        "ok",
        "ok",
        "signedIn: true, answerAs: 'grace@contoso.example'",
    )
    .await;
    assert_eq!(
        acquire(false, false).await,
        Err(AuthError::WrongAccount {
            wanted: "ada@contoso.example".into(),
            got: "grace@contoso.example".into(),
        })
    );
    assert_eq!(reader().as_deref(), Some("ada@contoso.example"));
    assert_eq!(
        calls(),
        ["initialize", "silent", "clearCache grace@contoso.example"],
        "nothing of the stranger's answer is kept"
    );
}

#[wasm_bindgen_test]
async fn signing_in_again_names_the_reader_and_refuses_anyone_else() {
    fake_msal_with(
        "ok",
        "ok",
        "signedIn: true, answerAs: 'grace@contoso.example'",
    )
    .await;
    let error = acquire(false, true).await.expect_err("refused");
    assert!(
        matches!(&error, AuthError::WrongAccount { got, .. } if got == "grace@contoso.example"),
        "{error:?}"
    );
    assert_eq!(
        popup_request("loginHint").as_string().as_deref(),
        Some("ada@contoso.example")
    );
    assert!(
        popup_request("prompt").is_undefined(),
        "the reader's own session may answer"
    );
    assert_eq!(
        reader().as_deref(),
        Some("ada@contoso.example"),
        "the reader is still the active account"
    );
    // The reader themself is welcome back.
    fake_msal_with("ok", "ok", "signedIn: true").await;
    assert_eq!(acquire(false, true).await, Ok("ada@contoso.example".into()));
}

#[wasm_bindgen_test]
async fn another_account_signs_in_with_a_fresh_prompt_beside_the_reader() {
    fake_msal_with(
        "ok",
        "ok",
        "signedIn: true, answerAs: 'grace@contoso.example'",
    )
    .await;
    let token = sign_in_beside("Grace@Contoso.example")
        .await
        .expect("signed in");
    assert_eq!(token.claims.tenant_id.as_deref(), Some("tenant-1"));
    assert_eq!(
        popup_request("prompt").as_string().as_deref(),
        Some("login")
    );
    assert_eq!(
        popup_request("loginHint").as_string().as_deref(),
        Some("Grace@Contoso.example")
    );
    assert_eq!(
        reader().as_deref(),
        Some("ada@contoso.example"),
        "never made the active account"
    );
    // Anyone else at that sign-in is refused and nothing of them is kept.
    fake_msal_with(
        "ok",
        "ok",
        "signedIn: true, answerAs: 'mallory@contoso.example'",
    )
    .await;
    let error = sign_in_beside("grace@contoso.example")
        .await
        .expect_err("refused");
    assert_eq!(
        error,
        AuthError::WrongAccount {
            wanted: "grace@contoso.example".into(),
            got: "mallory@contoso.example".into(),
        }
    );
    assert_eq!(
        calls(),
        ["initialize", "popup", "clearCache mallory@contoso.example"]
    );
}

fn jwt(payload: &str) -> String {
    let encoded = web_sys::window()
        .and_then(|w| w.btoa(payload).ok())
        .expect("btoa");
    let encoded = encoded
        .trim_end_matches('=')
        .replace('+', "-")
        .replace('/', "_");
    format!("eyJhbGciOiJub25lIn0.{encoded}.c2ln")
}

#[wasm_bindgen_test]
fn claims_decode_in_the_browser() {
    let token = jwt(
        r#"{"scp":"User.Read EntitlementManagement.ReadWrite.All","tid":"t-9","preferred_username":"grace@contoso.example","exp":1}"#,
    );
    let claims = auth_claims::decode(&token).expect("decodes");
    assert_eq!(claims.account.as_deref(), Some("grace@contoso.example"));
    assert_eq!(claims.tenant_id.as_deref(), Some("t-9"));
    assert!(claims.is_expired(js_sys::Date::now() as u64));
    let needed = vec!["User.Read".to_string(), "Group.ReadWrite.All".into()];
    assert_eq!(claims.missing(&needed), vec!["Group.ReadWrite.All"]);
    assert_eq!(
        auth_claims::decode("not a token"),
        Err(ClaimsError::NotAJwt)
    );
}

#[wasm_bindgen_test]
fn settings_precedence_config_then_url_then_form_and_the_form_is_saved() {
    clear_storage();
    let config = SettingsLayer::from_json(r#"{"clientId":"config-id","tenant":"contoso.example","graphBaseUrl":"https://config.example"}"#)
        .expect("valid config.json");
    let url = SettingsLayer::from_query("?mode=live&client_id=url-id");
    let form = SettingsLayer {
        graph_base_url: Some("http://127.0.0.1:8787/".into()),
        ..SettingsLayer::default()
    };
    live_settings::save_form(&form);
    let saved = live_settings::load_form();
    let settings =
        live_settings::precedence(&config, &url, &saved).resolve("https://site/redirect.html");
    assert_eq!(settings.client_id, "url-id");
    assert_eq!(settings.tenant, "contoso.example");
    assert_eq!(settings.graph_base_url, "http://127.0.0.1:8787");
    assert_eq!(settings.redirect_uri, "https://site/redirect.html");
    let defaults = SettingsLayer::default().resolve("r");
    assert_eq!(defaults.graph_base_url, DEFAULT_GRAPH_BASE);
    clear_storage();
}

const WAIT: Duration = Duration::from_secs(10);

#[wasm_bindgen_test]
async fn the_live_panel_reads_a_pasted_token_and_keeps_it_out_of_the_page() {
    clear_storage();
    let root = mount_app("?mode=live&tutorial=access-package-v1", false).await;
    assert!(
        find(&root, "#live-panel").is_some(),
        "live mode shows the live panel"
    );
    assert!(
        find(&root, ".panel.sandbox").is_none(),
        "and not the sandbox panel"
    );
    let token = jwt(
        r#"{"scp":"User.Read User.ReadWrite.All Group.ReadWrite.All RoleManagement.ReadWrite.Directory","tid":"t-1","upn":"ada@contoso.example","exp":4102444800}"#,
    );
    type_into(&get(&root, "#pasted-token"), &token).await;
    submit(&get(&root, "#token-form")).await;
    wait_for("the token's claims", WAIT, || {
        find(&root, "#token-claims").is_some()
    })
    .await;
    assert_eq!(text(&get(&root, "#claim-account")), "ada@contoso.example");
    assert_eq!(text(&get(&root, "#claim-tenant")), "t-1");
    let missing = text(&get(&root, "#missing-scopes"));
    assert!(
        missing.contains("EntitlementManagement.ReadWrite.All"),
        "{missing}"
    );
    assert!(
        !missing.contains("GroupMember.Read.All"),
        "Group.ReadWrite.All covers it: {missing}"
    );
    let field = get(&root, "#pasted-token");
    assert_eq!(
        field.unchecked_ref::<web_sys::HtmlInputElement>().value(),
        "",
        "the field is emptied"
    );
    assert!(
        !root.outer_html().contains(&token),
        "the token is not in the DOM"
    );
    let stored = web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .map(|s| {
            (0..s.length().unwrap_or(0))
                .filter_map(|i| {
                    s.key(i)
                        .ok()
                        .flatten()
                        .and_then(|k| s.get_item(&k).ok().flatten())
                })
                .collect::<String>()
        })
        .unwrap_or_default();
    assert!(!stored.contains(&token), "the token is not in localStorage");
    clear_storage();
}

#[wasm_bindgen_test]
async fn a_live_step_without_a_token_says_to_sign_in() {
    clear_storage();
    let root = mount_app("?mode=live&tutorial=access-package-v1", false).await;
    click(&get(&card(&root, 1), ".run-step")).await;
    wait_for("the step to fail", WAIT, || status_of(&root, 1) == "failed").await;
    let error = text(&get(&card(&root, 1), ".error-box"));
    assert!(error.contains("Not sent: sign in first"), "{error}");
    assert!(
        error.contains("Sign in, or paste an access token"),
        "{error}"
    );
    // Not mistaken for a network failure: no retry, and no advice about connections or CORS.
    assert!(!error.contains("CORS"), "{error}");
    assert!(
        find(&card(&root, 1), ".timeline").is_none(),
        "one attempt only: a timeline appears once a request is retried"
    );
    assert!(
        find(&root, "#sign-in").is_some(),
        "the panel offers to sign in"
    );
}

#[wasm_bindgen_test]
async fn the_mode_switch_brings_up_the_live_panel_and_run_all_asks_for_a_token() {
    clear_storage();
    let root = mount_app("?tutorial=access-package-v1", false).await;
    assert!(
        find(&root, "#live-panel").is_none(),
        "sandbox mode by default"
    );
    click(&get(&root, "#mode-live")).await;
    wait_for("the live panel", WAIT, || {
        find(&root, "#live-panel").is_some()
    })
    .await;
    // The tutorial's path changed with the mode, and the page says so.
    wait_for("the path notice", WAIT, || {
        find(&root, ".notice").is_some_and(|n| text(&n).contains("Live mode starts on the path"))
    })
    .await;
    // Without a client id the panel says what signing in needs, before anyone clicks Sign in.
    wait_for("the setup note", WAIT, || {
        find(&root, "#live-setup").is_some()
    })
    .await;
    let setup = text(&get(&root, "#live-setup"));
    assert!(
        setup.contains("redirect URI")
            && setup.contains("redirect.html")
            && setup.contains("client) id"),
        "{setup}"
    );
    click(&get(&root, "#run-all")).await;
    wait_for("a notice", WAIT, || find(&root, ".notice").is_some()).await;
    assert!(text(&get(&root, ".notice")).contains("needs a token first"));
    assert_eq!(status_of(&root, 1), "idle", "nothing was sent");
    click(&get(&root, "#mode-sandbox")).await;
    wait_for("the sandbox panel", WAIT, || {
        find(&root, ".panel.sandbox").is_some()
    })
    .await;
}

/// A token source that counts how often it is asked, and gives a token with exactly the scopes asked for.
struct Counting(std::rc::Rc<std::cell::Cell<u32>>);

impl graphwalk::services::auth::TokenSource for Counting {
    fn token(
        &self,
        scopes: &[String],
        _interactive: bool,
        _refresh: bool,
    ) -> graphwalk::services::auth::TokenFuture {
        self.0.set(self.0.get() + 1);
        let token = token_with(scopes);
        Box::pin(async move { Ok(token) })
    }
}

fn token_with(scopes: &[String]) -> graphwalk::services::auth::Token {
    graphwalk::services::auth::Token {
        secret: graphwalk::services::auth::Secret::new("h.p.s".into()),
        claims: auth_claims::Claims {
            scopes: scopes.to_vec(),
            expires_at_secs: Some(4_102_444_800),
            ..auth_claims::Claims::default()
        },
    }
}

#[wasm_bindgen_test]
async fn the_cached_token_is_handed_out_only_for_scopes_it_grants() {
    let asked = std::rc::Rc::new(std::cell::Cell::new(0));
    let session = graphwalk::services::live_session::LiveSession::default();
    session.set_source(Some(std::rc::Rc::new(Counting(asked.clone()))));
    session.remember(token_with(&["User.Read".to_string()]));
    let read = session
        .token(&["User.Read".to_string()], false, false)
        .await
        .unwrap();
    assert_eq!(asked.get(), 0, "the cached token grants User.Read");
    assert_eq!(read.claims.scopes, vec!["User.Read".to_string()]);
    let write = vec!["Group.ReadWrite.All".to_string()];
    let token = session.token(&write, false, false).await.unwrap();
    assert_eq!(
        asked.get(),
        1,
        "a token without Group.ReadWrite.All is not handed out for it"
    );
    assert_eq!(token.claims.scopes, write);
}

/// A source whose other account's token fails with `error` (after an optional first success).
struct OtherFails(AuthError);

impl graphwalk::services::auth::TokenSource for OtherFails {
    fn token(
        &self,
        scopes: &[String],
        _interactive: bool,
        _refresh: bool,
    ) -> graphwalk::services::auth::TokenFuture {
        let token = token_with(scopes);
        Box::pin(async move { Ok(token) })
    }

    fn token_as(
        &self,
        _upn: &str,
        _scopes: &[String],
        _interactive: bool,
        _refresh: bool,
    ) -> graphwalk::services::auth::TokenFuture {
        let error = self.0.clone();
        Box::pin(async move { Err(error) })
    }
}

#[wasm_bindgen_test]
async fn another_accounts_lost_sign_in_is_reported_so_the_page_offers_it_again() {
    let session = graphwalk::services::live_session::LiveSession::default();
    let lost = std::rc::Rc::new(std::cell::RefCell::new(Vec::<String>::new()));
    {
        let lost = lost.clone();
        session.on_lost(move |upn| lost.borrow_mut().push(upn));
    }
    let scopes = ["EntitlementMgmt-SubjectAccess.ReadWrite".to_string()];
    let before = session.generation();
    session.set_source(Some(std::rc::Rc::new(OtherFails(
        AuthError::InteractionRequired,
    ))));
    assert_ne!(
        session.generation(),
        before,
        "a new source is a new generation"
    );
    let upn = "requestor1@contoso.example";
    assert!(session.token_as(upn, &scopes, false, false).await.is_err());
    assert_eq!(*lost.borrow(), [upn], "a silent failure is reported");
    // A click's failure (a closed window) and a consent to give are not a lost sign-in.
    assert!(session.token_as(upn, &scopes, true, false).await.is_err());
    session.set_source(Some(std::rc::Rc::new(OtherFails(
        AuthError::ConsentRequired,
    ))));
    assert!(session.token_as(upn, &scopes, false, false).await.is_err());
    // Nor is a failure to reach Microsoft: the account is still signed in.
    session.set_source(Some(std::rc::Rc::new(OtherFails(AuthError::Msal {
        code: "endpoints_resolution_error".into(),
        message: String::new(),
    }))));
    assert!(session.token_as(upn, &scopes, false, false).await.is_err());
    assert_eq!(lost.borrow().len(), 1);
}

#[wasm_bindgen_test]
async fn a_redirect_sign_in_names_the_reader_and_one_that_comes_back_as_someone_else_is_refused() {
    // Popups blocked: the reader's sign-in again goes by redirect, naming them.
    fake_msal_with("ok", "popup_window_error", "signedIn: true").await;
    assert_eq!(acquire(false, true).await, Err(AuthError::Redirecting));
    let fake = js_sys::Reflect::get(&js_sys::global(), &"__fakeMsal".into()).expect("fake");
    let request = js_sys::Reflect::get(&fake, &"redirectRequest".into()).expect("request");
    let hint = js_sys::Reflect::get(&request, &"loginHint".into()).expect("read");
    assert_eq!(hint.as_string().as_deref(), Some("ada@contoso.example"));
    // The page comes back from Microsoft as Grace: refused, and Ada stays the reader.
    let storage = web_sys::window()
        .and_then(|w| w.session_storage().ok().flatten())
        .expect("sessionStorage");
    assert_eq!(
        storage
            .get_item("graphwalk.redirect-for")
            .ok()
            .flatten()
            .as_deref(),
        Some("ada@contoso.example"),
        "the page remembers whom the redirect is for"
    );
    let setup = "Object.assign(globalThis.__fakeMsal, { redirectBack: true, answerAs: 'grace@contoso.example', calls: [] });";
    js_sys::Function::new_no_args(setup)
        .call0(&JsValue::NULL)
        .expect("set");
    auth_msal::start(
        "client",
        "https://login.microsoftonline.com/organizations",
        "https://site/redirect.html",
    )
    .await
    .expect("starts");
    assert_eq!(reader().as_deref(), Some("ada@contoso.example"));
    assert!(
        matches!(auth_msal::take_redirect_refusal(), Some(AuthError::WrongAccount { got, .. }) if got == "grace@contoso.example")
    );
    assert_eq!(auth_msal::take_redirect_refusal(), None, "reported once");
    assert!(calls().contains(&"clearCache grace@contoso.example".to_string()));
}

/// A source whose tokens take a while to come.
struct Slow;

impl graphwalk::services::auth::TokenSource for Slow {
    fn token(
        &self,
        scopes: &[String],
        _interactive: bool,
        _refresh: bool,
    ) -> graphwalk::services::auth::TokenFuture {
        let token = token_with(scopes);
        Box::pin(async move {
            gloo_timers::future::TimeoutFuture::new(50).await;
            Ok(token)
        })
    }

    fn token_as(
        &self,
        _upn: &str,
        scopes: &[String],
        _interactive: bool,
        _refresh: bool,
    ) -> graphwalk::services::auth::TokenFuture {
        self.token(scopes, true, false)
    }
}

#[wasm_bindgen_test]
async fn a_token_that_arrives_after_a_sign_out_or_a_paste_is_dropped() {
    use std::cell::RefCell;
    use std::rc::Rc;
    let session = Rc::new(graphwalk::services::live_session::LiveSession::default());
    session.set_source(Some(Rc::new(Slow)));
    let scopes = vec!["EntitlementMgmt-SubjectAccess.ReadWrite".to_string()];
    let answers = Rc::new(RefCell::new(Vec::new()));
    {
        let (session, answers, scopes) = (session.clone(), answers.clone(), scopes.clone());
        wasm_bindgen_futures::spawn_local(async move {
            let other = session
                .token_as("r@contoso.example", &scopes, true, false)
                .await;
            let own = session.token(&scopes, false, false).await;
            answers.borrow_mut().push((other.err(), own.is_ok()));
        });
    }
    // The reader pastes a token while the other account's sign-in is still on its way.
    gloo_timers::future::TimeoutFuture::new(10).await;
    let pasted = token_with(&scopes);
    session.set_source(Some(Rc::new(graphwalk::services::auth::PastedToken(
        pasted,
    ))));
    gloo_timers::future::TimeoutFuture::new(200).await;
    assert_eq!(answers.borrow()[0].0, Some(AuthError::Cancelled));
    assert!(
        answers.borrow()[0].1,
        "the pasted token is what the page uses now"
    );
    // Nothing of it was kept: the pasted token's session cannot give another account's token.
    assert_eq!(
        session
            .token_as("r@contoso.example", &scopes, false, false)
            .await
            .err(),
        Some(AuthError::OneAccountOnly)
    );
}

#[wasm_bindgen_test]
async fn after_another_account_signed_in_here_the_next_sign_in_after_sign_out_asks_which_account() {
    // Grace signed in beside Ada, then the page forgot Grace (a Reset): her Microsoft session lives on.
    fake_msal_with(
        "ok",
        "ok",
        "signedIn: true, answerAs: 'grace@contoso.example'",
    )
    .await;
    sign_in_beside("grace@contoso.example")
        .await
        .expect("signed in");
    auth_msal::forget("grace@contoso.example")
        .await
        .expect("forgotten");
    auth_msal::sign_out(false).await.expect("signed out");
    assert_eq!(reader(), None);
    // Microsoft might answer with Grace's session: the sign-in asks which account.
    let setup = "Object.assign(globalThis.__fakeMsal, { answerAs: undefined });";
    js_sys::Function::new_no_args(setup)
        .call0(&JsValue::NULL)
        .expect("set");
    acquire(false, true).await.expect("signed in");
    assert_eq!(
        popup_request("prompt").as_string().as_deref(),
        Some("select_account")
    );
    assert_eq!(reader().as_deref(), Some("ada@contoso.example"));
    // Once someone has chosen, the question is not asked again.
    auth_msal::sign_out(false).await.expect("signed out");
    acquire(false, true).await.expect("signed in");
    assert!(popup_request("prompt").is_undefined());
}
