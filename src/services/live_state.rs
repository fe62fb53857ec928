//! Live mode's page state: the mode, the settings layers, who is signed in and what the token allows,
//! and the actions behind the live panel's buttons (sign in, sign out, paste a token).

use std::rc::Rc;

use yew::prelude::*;

use super::auth::{same_account, Account, AuthError, PastedToken, Token};
use super::auth_claims::{self, Claims};
use super::auth_msal::{self, MsalTokenSource, MSAL_SCRIPT};
use super::live_session::SessionHandle;
use super::live_settings::{self, LiveSettings, SettingsLayer, DEFAULT_GRAPH_BASE, REDIRECT_PAGE};
use super::live_transport::LiveTransport;
use super::transport::{Outgoing, Transport};
use crate::roles;
use crate::state::{Notice, Page, PageMsg, Tone};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Sandbox,
    Live,
}

impl Mode {
    pub fn parse(text: &str) -> Option<Mode> {
        match text {
            "sandbox" => Some(Mode::Sandbox),
            "live" => Some(Mode::Live),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Sandbox => "sandbox",
            Mode::Live => "live",
        }
    }
}

/// Where the current token comes from.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Credential {
    #[default]
    None,
    /// Signed in with MSAL.js.
    Msal(Account),
    /// A token pasted into the panel (memory only).
    Pasted,
}

/// What Graph says of the signed-in account's directory roles, against the roles the tutorial needs.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum RolesCheck {
    #[default]
    Unknown,
    Checking,
    /// The needed roles (name, what for) the account lacks; empty when it has them all.
    Missing(Vec<(&'static str, &'static str)>),
    /// Graph could not be asked; why.
    Problem(String),
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct LiveState {
    /// From `config.json` beside the site.
    pub config: SettingsLayer,
    /// From the page's URL.
    pub url: SettingsLayer,
    /// From the settings form (saved in localStorage).
    pub form: SettingsLayer,
    pub config_loaded: bool,
    pub credential: Credential,
    /// The current token's claims (never the token).
    pub claims: Option<Claims>,
    pub message: Option<Notice>,
    pub busy: bool,
    /// MSAL.js has been loaded and started with these settings.
    pub msal_started: Option<(String, String, String)>,
    pub roles: RolesCheck,
    /// Other accounts signed in beside the reader's, for the steps that run as them.
    pub others: Vec<OtherAccount>,
    /// Another account's sign-in is open.
    pub signing_in_as: Option<String>,
}

/// An account a step runs as, signed in beside the reader's: who, and what its token says (never the token).
#[derive(Clone, Debug, PartialEq)]
pub struct OtherAccount {
    pub identity: String,
    pub upn: String,
    pub claims: Claims,
}

pub enum LiveMsg {
    Config(SettingsLayer, Option<String>),
    Form(SettingsLayer),
    Busy(bool),
    MsalStarted((String, String, String)),
    SignedIn(Account, Option<Claims>),
    Pasted(Claims),
    SignedOut,
    Message(Option<Notice>),
    Roles(RolesCheck),
    /// A sign-in as this account (its user principal name) started, or ended without one (`None`).
    SigningInAs(Option<String>),
    OtherSignedIn(OtherAccount),
    OtherSignedOut(String),
}

impl LiveState {
    /// This state after `msg`.
    pub fn apply(self, msg: LiveMsg) -> LiveState {
        let mut next = self;
        match msg {
            LiveMsg::Config(layer, problem) => {
                next.config = layer;
                next.config_loaded = true;
                if let Some(text) = problem {
                    next.message = Some(Notice {
                        text,
                        tone: Tone::Bad,
                    });
                }
            }
            LiveMsg::Form(form) => next.form = form,
            LiveMsg::Busy(busy) => next.busy = busy,
            LiveMsg::MsalStarted(key) => next.msal_started = Some(key),
            LiveMsg::SignedIn(account, claims) => {
                next.credential = Credential::Msal(account);
                next.claims = claims;
                next.busy = false;
            }
            LiveMsg::Pasted(claims) => {
                next.others.clear();
                next.signing_in_as = None;
                next.credential = Credential::Pasted;
                next.claims = Some(claims);
                next.message = None;
            }
            LiveMsg::SignedOut => {
                next.credential = Credential::None;
                next.claims = None;
                next.busy = false;
                next.roles = RolesCheck::Unknown;
                next.others.clear();
                next.signing_in_as = None;
            }
            LiveMsg::SigningInAs(upn) => next.signing_in_as = upn,
            LiveMsg::OtherSignedIn(account) => {
                next.others.retain(|a| !same_account(&a.upn, &account.upn));
                next.others.push(account);
                next.signing_in_as = None;
            }
            LiveMsg::OtherSignedOut(upn) => next.others.retain(|a| !same_account(&a.upn, &upn)),
            LiveMsg::Roles(check) => next.roles = check,
            LiveMsg::Message(message) => {
                next.message = message;
                next.busy = false;
            }
        }
        next
    }
}

/// Live mode as the page has it now, and the actions behind the live panel's buttons. What the actions
/// learn goes to the page's reducer.
#[derive(Clone, PartialEq)]
pub struct Live {
    pub mode: Mode,
    pub state: LiveState,
    pub session: SessionHandle,
    pub persist: bool,
    pub page: UseReducerDispatcher<Page>,
}

impl Live {
    fn dispatch(&self, msg: LiveMsg) {
        self.page.dispatch(PageMsg::Live(msg));
    }

    fn say(&self, tone: Tone, text: impl Into<String>) {
        self.dispatch(LiveMsg::Message(Some(Notice {
            text: text.into(),
            tone,
        })));
    }
}

thread_local! {
    /// The redirect page's address, resolved once: the page's base address does not change, and the
    /// settings are read on every render of the app.
    static REDIRECT_URL: String = auth_msal::resolve_url(REDIRECT_PAGE);
}

impl Live {
    /// The settings in force: config.json < URL < form, then the defaults.
    /// A link's Graph base URL waits for the reader's confirmation (see `linked_graph_to_confirm`); until
    /// then requests go where the other layers say.
    pub fn settings(&self) -> LiveSettings {
        let state = &self.state;
        let mut url = state.url.clone();
        if self.linked_graph().is_some() {
            url.graph_base_url = None;
        }
        REDIRECT_URL.with(|redirect| {
            live_settings::precedence(&state.config, &url, &state.form).resolve(redirect)
        })
    }

    /// The Graph base URL a link asks for that the reader has not confirmed.
    pub fn linked_graph(&self) -> Option<String> {
        live_settings::linked_graph_to_confirm(&self.state.url, &self.state.form)
    }

    /// The reader confirms the link's Graph base URL: it goes into the settings form, as if typed there.
    pub fn use_linked_graph(&self) {
        if let Some(graph) = self.linked_graph() {
            let mut form = self.state.form.clone();
            form.graph_base_url = Some(graph);
            self.save_form(form);
        }
    }

    pub fn set_mode(&self, mode: Mode) {
        if self.persist {
            live_settings::save_mode(mode.as_str());
        }
        self.page.dispatch(PageMsg::Mode(mode));
    }

    pub fn save_form(&self, form: SettingsLayer) {
        if self.persist {
            live_settings::save_form(&form);
        }
        self.dispatch(LiveMsg::Form(form));
    }

    /// Loads and starts MSAL.js for the current settings, unless already started with them.
    async fn ensure_msal(&self, settings: &LiveSettings) -> Result<(), AuthError> {
        if settings.client_id.is_empty() {
            return Err(AuthError::NotConfigured);
        }
        let key = (
            settings.client_id.clone(),
            settings.authority(),
            settings.redirect_uri.clone(),
        );
        if self.state.msal_started.as_ref() == Some(&key) {
            return Ok(());
        }
        auth_msal::load_script(&auth_msal::resolve_url(MSAL_SCRIPT)).await?;
        auth_msal::start(&key.0, &key.1, &key.2).await?;
        self.dispatch(LiveMsg::MsalStarted(key));
        Ok(())
    }

    /// On entering live mode: start MSAL.js if it is configured and pick up an earlier sign-in silently,
    /// and that of each of `others` (identity, user principal name, scopes) signed in beside it.
    pub async fn resume(self, scopes: Vec<String>, others: Vec<(String, String, Vec<String>)>) {
        let settings = self.settings();
        if settings.client_id.is_empty() || self.state.credential == Credential::Pasted {
            return;
        }
        self.dispatch(LiveMsg::Busy(true));
        if let Err(error) = self.ensure_msal(&settings).await {
            self.say(Tone::Bad, error.to_string());
            return;
        }
        if let Some(error) = auth_msal::take_redirect_refusal() {
            self.say(Tone::Bad, error.to_string());
        }
        let Some(account) = auth_msal::current_account() else {
            self.dispatch(LiveMsg::Busy(false));
            return;
        };
        let source = MsalTokenSource::for_page();
        self.session.0.set_source(Some(Rc::new(source)));
        let generation = self.session.0.generation();
        let claims = match self.session.0.token(&scopes, false, false).await {
            Ok(token) => Some(token.claims),
            Err(_) => None,
        };
        if self.session.0.generation() != generation {
            // A token pasted, or a sign-out, meanwhile: that is what the page uses now.
            self.dispatch(LiveMsg::Busy(false));
            return;
        }
        let signed_in = claims.is_some();
        self.dispatch(LiveMsg::SignedIn(account, claims));
        if !signed_in {
            return;
        }
        self.check_roles(&scopes).await;
        for (identity, upn, scopes) in others {
            // Silently only: an account that never signed in here stays for the reader's click.
            if let Ok(token) = self.session.0.token_as(&upn, &scopes, false, false).await {
                self.dispatch(LiveMsg::OtherSignedIn(OtherAccount {
                    identity,
                    upn,
                    claims: token.claims,
                }));
            }
        }
    }

    /// From a click: silent first, then a popup (or a redirect when popups are blocked, never in a frame).
    pub async fn sign_in(self, scopes: Vec<String>) {
        let tutorial_scopes = scopes.clone();
        let settings = self.settings();
        if let Some(problem) = settings.problems().into_iter().next() {
            self.say(Tone::Bad, problem);
            return;
        }
        self.dispatch(LiveMsg::Busy(true));
        if let Err(error) = self.ensure_msal(&settings).await {
            self.say(Tone::Bad, error.to_string());
            return;
        }
        let source = MsalTokenSource::for_page();
        let generation = self.session.0.generation();
        let answer = source.acquire(scopes, true, false).await;
        if self.session.0.generation() != generation {
            // Signed out, or a token pasted, while the window was open: the page keeps that.
            self.dispatch(LiveMsg::Busy(false));
            return;
        }
        match answer {
            Ok(token) => {
                let account = auth_msal::current_account().unwrap_or_else(|| Account {
                    username: token.claims.account.clone().unwrap_or_default(),
                    tenant_id: token.claims.tenant_id.clone().unwrap_or_default(),
                });
                // The same reader signing in again keeps the session, so steps waiting for a token go on.
                let same_reader = self.session.0.has_source()
                    && matches!(&self.state.credential, Credential::Msal(was) if same_account(&was.username, &account.username));
                if !same_reader {
                    self.session.0.set_source(Some(Rc::new(source)));
                }
                let claims = token.claims.clone();
                self.session.0.remember(token);
                self.dispatch(LiveMsg::Message(None));
                self.dispatch(LiveMsg::SignedIn(account, Some(claims)));
                self.check_roles(&tutorial_scopes).await;
            }
            Err(AuthError::Redirecting) => self.say(Tone::Info, AuthError::Redirecting.to_string()),
            Err(error) => self.say(Tone::Bad, error.to_string()),
        }
    }

    /// From a click: signs in another account, `upn`, in a popup beside the reader's (who stays signed
    /// in), for the steps that run as `identity`. True once that account's token is here.
    pub async fn sign_in_as(self, identity: String, upn: String, scopes: Vec<String>) -> bool {
        if !matches!(self.state.credential, Credential::Msal(_)) {
            self.say(Tone::Bad, AuthError::OneAccountOnly.to_string());
            return false;
        }
        if self.state.busy || self.state.signing_in_as.is_some() {
            self.say(Tone::Bad, AuthError::InProgress.to_string());
            return false;
        }
        self.dispatch(LiveMsg::SigningInAs(Some(upn.clone())));
        let generation = self.session.0.generation();
        // The popup opens before any awaiting, so the browser still counts the click.
        let result = self.session.0.token_as(&upn, &scopes, true, false).await;
        if self.session.0.generation() != generation {
            // The reader signed out (or pasted a token) while the window was open: keep nothing of it.
            self.session.0.forget(&upn);
            self.dispatch(LiveMsg::SigningInAs(None));
            let _ = auth_msal::forget(&upn).await;
            return false;
        }
        match result {
            Ok(token) => {
                self.dispatch(LiveMsg::OtherSignedIn(OtherAccount {
                    identity: identity.clone(),
                    upn: upn.clone(),
                    claims: token.claims,
                }));
                self.say(
                    Tone::Good,
                    format!("The {identity}, {upn}, is signed in beside you: the steps that run as them use their token."),
                );
                true
            }
            Err(error) => {
                self.dispatch(LiveMsg::SigningInAs(None));
                let text = match error {
                    AuthError::PopupBlocked | AuthError::PopupBlockedInFrame => format!(
                        "The browser blocked the sign-in window. Allow popups for this site, then click Sign in as the {identity} again."
                    ),
                    error => format!("Signing in as the {identity}: {error}"),
                };
                self.say(Tone::Bad, text);
                false
            }
        }
    }

    /// Forgets another account's tokens in this page; the reader stays signed in.
    pub async fn sign_out_other(self, upn: String) {
        self.session.0.forget(&upn);
        self.dispatch(LiveMsg::OtherSignedOut(upn.clone()));
        if let Err(error) = auth_msal::forget(&upn).await {
            self.say(Tone::Bad, error.to_string());
        }
    }

    pub async fn sign_out(self) {
        let was_msal = matches!(self.state.credential, Credential::Msal(_));
        self.session.0.set_source(None);
        self.dispatch(LiveMsg::SignedOut);
        if was_msal {
            // Outside a frame also end the Microsoft session in a popup; inside one only forget it here.
            if let Err(error) = auth_msal::sign_out(!auth_msal::in_frame()).await {
                self.say(Tone::Bad, error.to_string());
            }
        }
    }

    /// Uses a pasted access token (memory only). Returns false, with a message, when it is not readable.
    /// `scopes`: the tutorial's, for the check of the account's roles that follows.
    pub fn use_pasted(&self, text: &str, scopes: Vec<String>) -> bool {
        let text = auth_claims::clean_pasted(text);
        match auth_claims::decode(&text) {
            Ok(claims) => {
                let token = Token {
                    secret: super::auth::Secret::new(text),
                    claims: claims.clone(),
                };
                self.session
                    .0
                    .set_source(Some(Rc::new(PastedToken(token.clone()))));
                self.session.0.remember(token);
                self.dispatch(LiveMsg::Pasted(claims));
                let live = self.clone();
                wasm_bindgen_futures::spawn_local(async move { live.check_roles(&scopes).await });
                true
            }
            Err(error) => {
                self.say(Tone::Bad, error.to_string());
                false
            }
        }
    }
}

impl Live {
    /// Asks Graph which directory roles the signed-in account holds (its `/me` id, then the role
    /// assignments to it) and notes which of the tutorial's roles it lacks. Token claims are not used:
    /// Graph's answer is what counts. Skipped when the tutorial has no role-management permission to read
    /// them with.
    async fn check_roles(&self, scopes: &[String]) {
        let Some(scope) = scopes
            .iter()
            .find(|s| s.starts_with("RoleManagement.") && s.ends_with(".Directory"))
            .cloned()
        else {
            return;
        };
        self.dispatch(LiveMsg::Roles(RolesCheck::Checking));
        let transport = LiveTransport {
            session: self.session.0.clone(),
            graph_base_url: self.settings().graph_base_url,
        };
        let check = match roles_of_me(&transport, &scope).await {
            Ok(assigned) => RolesCheck::Missing(roles::missing(&assigned)),
            Err(problem) => RolesCheck::Problem(problem),
        };
        self.dispatch(LiveMsg::Roles(check));
    }
}

/// The role definition ids assigned to the signed-in account, as Graph lists them.
async fn roles_of_me(transport: &LiveTransport, scope: &str) -> Result<Vec<String>, String> {
    let get = |path: String, scope: &str| -> Result<Outgoing, String> {
        let request = http::Request::get(format!("{DEFAULT_GRAPH_BASE}/v1.0/{path}"))
            .body(String::new())
            .map_err(|e| e.to_string())?;
        Ok(Outgoing {
            request,
            scopes: vec![scope.to_string()],
            identity: None,
        })
    };
    let answer = |reply: super::transport::Reply, what: &str| -> Result<String, String> {
        let response =
            reply.map_err(|f| format!("{what}: {}", crate::advice::failure_detail(&f)))?;
        if response.status() != 200 {
            return Err(format!("{what}: Graph answered {}", response.status()));
        }
        Ok(response.into_body())
    };
    let me = answer(
        transport
            .send(get("me?$select=id".into(), "User.Read")?)
            .await,
        "reading the account",
    )?;
    let id = serde_json::from_str::<serde_json::Value>(&me)
        .ok()
        .and_then(|v| v.get("id").and_then(|i| i.as_str()).map(str::to_string))
        .ok_or("reading the account: no id in Graph's answer")?;
    let filter = format!("principalId eq '{id}'")
        .replace(' ', "%20")
        .replace('\'', "%27");
    let body = answer(
        transport
            .send(get(
                format!("roleManagement/directory/roleAssignments?$filter={filter}"),
                scope,
            )?)
            .await,
        "reading its role assignments",
    )?;
    roles::assigned(&body)
}

#[cfg(test)]
mod sign_in_as_tests {
    use super::*;

    #[test]
    fn signing_out_or_pasting_ends_a_sign_in_as_another_account_in_progress() {
        let busy =
            LiveState::default().apply(LiveMsg::SigningInAs(Some("r@contoso.example".into())));
        assert!(busy.signing_in_as.is_some());
        assert_eq!(busy.clone().apply(LiveMsg::SignedOut).signing_in_as, None);
        let pasted = busy.apply(LiveMsg::Pasted(Claims::default()));
        assert_eq!(pasted.signing_in_as, None);
    }
}
