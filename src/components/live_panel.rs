//! The live panel: sign in or paste a token, see the account, tenant, scopes and expiry, and the settings.

use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::other_accounts::{AccountSlot, OtherAccounts};
use crate::services::auth_claims::Claims;
use crate::services::auth_msal::in_frame;
use crate::services::clock::now_ms;
use crate::services::live_settings::{SettingsLayer, DEFAULT_GRAPH_BASE, DEFAULT_TENANT};
use crate::services::live_state::Live;
use crate::services::live_state::{Credential, RolesCheck};
use crate::state::{Command, Tone};

/// How long until `exp`, in words.
pub fn expiry_text(claims: &Claims, now_ms: u64) -> Option<String> {
    let exp_ms = claims.expires_at_secs?.saturating_mul(1000);
    let when = js_sys::Date::new(&(exp_ms as f64).into())
        .to_iso_string()
        .as_string()
        .unwrap_or_default();
    Some(if exp_ms <= now_ms {
        format!("expired {} min ago ({when})", (now_ms - exp_ms) / 60_000)
    } else {
        format!("in {} min ({when})", (exp_ms - now_ms).div_ceil(60_000))
    })
}

fn value_of(node: &NodeRef) -> Option<String> {
    node.cast::<HtmlInputElement>().map(|input| input.value())
}

#[derive(Properties, PartialEq, Clone)]
pub struct LivePanelProps {
    pub live: Live,
    /// What signing in asks for: the tutorial's permissions.
    pub scopes: Vec<String>,
    /// The accounts the chosen path's steps run as, besides the reader's.
    #[prop_or_default]
    pub accounts: Vec<AccountSlot>,
    /// The inputs' values that keep every request with the reader (input, value, label).
    #[prop_or_default]
    pub one_account: Vec<(String, String, String)>,
    #[prop_or_default]
    pub on_command: Callback<Command>,
}

#[component]
pub fn LivePanel(props: &LivePanelProps) -> Html {
    let live = props.live.clone();
    let state = live.state.clone();
    let settings = live.settings();
    let scopes = props.scopes.clone();
    let token_input = use_node_ref();
    let fields = [
        use_node_ref(),
        use_node_ref(),
        use_node_ref(),
        use_node_ref(),
    ];
    let framed = use_memo((), |_| in_frame());

    let on_sign_in = {
        let live = live.clone();
        let scopes = scopes.clone();
        Callback::from(move |_: MouseEvent| {
            wasm_bindgen_futures::spawn_local(live.clone().sign_in(scopes.clone()))
        })
    };
    let on_sign_out = {
        let live = live.clone();
        Callback::from(move |_: MouseEvent| {
            wasm_bindgen_futures::spawn_local(live.clone().sign_out())
        })
    };
    let on_paste = {
        let live = live.clone();
        let scopes = scopes.clone();
        let token_input = token_input.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Some(input) = token_input.cast::<HtmlInputElement>() else {
                return;
            };
            // The field is emptied at once: the token lives only in the session's memory.
            let text = input.value();
            input.set_value("");
            live.use_pasted(&text, scopes.clone());
        })
    };
    let on_save = {
        let live = live.clone();
        let fields = fields.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let [client, tenant, redirect, graph] = &fields;
            let form = SettingsLayer {
                client_id: value_of(client),
                tenant: value_of(tenant),
                redirect_uri: value_of(redirect),
                graph_base_url: value_of(graph),
            };
            live.save_form(form);
        })
    };

    let form = &state.form;
    let [client_ref, tenant_ref, redirect_ref, graph_ref] = fields;
    let missing: Vec<&str> = state
        .claims
        .as_ref()
        .map(|c| c.missing(&scopes))
        .unwrap_or_default();
    let now = now_ms();
    let expired = state.claims.as_ref().is_some_and(|c| c.is_expired(now));
    let open_settings = settings.client_id.is_empty() && state.credential == Credential::None;
    let linked_graph = live.linked_graph();
    let on_use_linked = {
        let live = live.clone();
        Callback::from(move |_: MouseEvent| live.use_linked_graph())
    };
    let new_tab = {
        let href = web_sys::window()
            .and_then(|w| w.location().href().ok())
            .unwrap_or_default();
        href.replace("embed=1", "embed=0")
    };

    html! {
        <section class="panel live-panel" id="live-panel" aria-labelledby="live-title">
            <h2 id="live-title" tabindex="-1">{ "Live tenant" }</h2>
            if let Some(graph) = linked_graph {
                <div class="error-box" role="alert" id="linked-graph">
                    <p>
                        { "The link that opened this page asks for requests, with your access token, to go to " }
                        <code>{ graph.clone() }</code>
                        { ", which is not Microsoft Graph. They go to Microsoft Graph until you choose it. \
                           Choose it only if it is your own server, such as a local graphwalk-sandbox." }
                    </p>
                    <button type="button" id="use-linked-graph" onclick={on_use_linked}>
                        { format!("Send requests to {graph}") }
                    </button>
                </div>
            }
            <p class="live-target">
                { "Requests go to " }<code id="live-graph-base">{ settings.graph_base_url.clone() }</code>
                if settings.is_custom_graph() { { " (not Microsoft Graph)" } }
            </p>
            if settings.is_custom_graph() && matches!(state.credential, Credential::Msal(_)) {
                <p class="live-warning" id="msal-graph-only">
                    { "A token from Microsoft sign-in is sent to Microsoft Graph only, so requests to this address are not sent. \
                       To use another server, such as a local graphwalk-sandbox, paste a token for it." }
                </p>
            }
            <div class="live-status" id="live-status">
                { match &state.credential {
                    Credential::Msal(account) => html! {
                        <>
                            <p>{ "Signed in as " }<strong id="live-account">{ account.username.clone() }</strong></p>
                            <p>{ "Tenant " }<code id="live-tenant">{ account.tenant_id.clone() }</code></p>
                            // When a token can no longer be had silently (the sign-in expired), signing in
                            // again is one click here, as the messages say.
                            <button type="button" id="sign-in" onclick={on_sign_in.clone()} disabled={state.busy || state.signing_in_as.is_some()}>
                                { if state.busy { "Signing in…" } else { "Sign in again" } }
                            </button>
                            { " " }
                            <button type="button" id="sign-out" onclick={on_sign_out}>{ "Sign out" }</button>
                        </>
                    },
                    Credential::Pasted => html! {
                        <>
                            <p>{ "Using a pasted access token (kept in this tab's memory only)." }</p>
                            <button type="button" id="sign-out" onclick={on_sign_out}>{ "Forget the token" }</button>
                        </>
                    },
                    Credential::None => html! {
                        <>
                            if settings.client_id.is_empty() {
                                <p id="live-setup">
                                    { "Not signed in. Signing in needs an app registration in your tenant: a single-page application \
                                       with " }<code>{ settings.redirect_uri.clone() }</code>{ " as its redirect URI. Put its \
                                       application (client) id in Settings below (docs/live-mode.md in graphwalk's repository \
                                       walks through it). Or paste an access token below, from Graph Explorer for example." }
                                </p>
                            } else {
                                <p>{ "Not signed in. Sign in with your work account, or paste an access token below." }</p>
                            }
                            <button type="button" class="primary" id="sign-in" onclick={on_sign_in} disabled={state.busy}>
                                { if state.busy { "Signing in…" } else { "Sign in" } }
                            </button>
                            if *framed {
                                <p class="hint">
                                    { "Signing in from inside this frame opens a graphwalk window: choose Continue there to reach Microsoft's sign-in page, and it hands the result back here. If that window is blocked, " }
                                    <a href={new_tab} target="_blank" rel="noopener noreferrer" id="open-new-tab">{ "open graphwalk in a new tab" }</a>
                                    { "." }
                                </p>
                            }
                        </>
                    },
                } }
            </div>
            if let Some(claims) = &state.claims {
                <dl class="token-claims" id="token-claims">
                    <dt>{ "Account" }</dt><dd id="claim-account">{ claims.account.clone().unwrap_or_else(|| "(not in the token)".into()) }</dd>
                    <dt>{ "Tenant" }</dt><dd id="claim-tenant">{ claims.tenant_id.clone().unwrap_or_else(|| "(not in the token)".into()) }</dd>
                    <dt>{ "Expires" }</dt><dd id="claim-expiry">{ expiry_text(claims, now).unwrap_or_else(|| "(not in the token)".into()) }</dd>
                    <dt>{ "Scopes" }</dt>
                    <dd id="claim-scopes">
                        { for claims.scopes.iter().map(|s| html! { <><code class="scope">{ s.clone() }</code>{ " " }</> }) }
                    </dd>
                </dl>
                if expired {
                    <p class="live-warning" role="alert" id="token-expired">
                        { "This token has expired: Graph will answer 401. Sign in again or paste a fresh token." }
                    </p>
                }
                if !missing.is_empty() {
                    <div class="live-warning" role="alert" id="missing-scopes">
                        <p>
                            { "Before you run: this token lacks " }
                            { for missing.iter().map(|s| html! { <><code class="scope">{ s.to_string() }</code>{ " " }</> }) }
                            { match (&state.credential, missing.len()) {
                                // MSAL.js is asked for each step's own permissions as it runs.
                                (Credential::Msal(_), 1) => "for now. A step that needs it asks MSAL.js for it when it runs; if nobody has consented to it, that step stops before anything is sent and says so.",
                                (Credential::Msal(_), _) => "for now. A step that needs them asks MSAL.js for them when it runs; if nobody has consented to one, that step stops before anything is sent and says so.",
                                (_, 1) => "and the steps that need it will get 403.",
                                _ => "and the steps that need them will get 403.",
                            } }
                        </p>
                        <p class="hint">
                            { "To grant them: in the Microsoft Entra admin center, open the app registration, add them under \
                               API permissions (Microsoft Graph, delegated), choose Grant admin consent, then sign in again. \
                               For a token from Graph Explorer: consent to them under Modify permissions, then copy a new token." }
                        </p>
                    </div>
                }
            }
            { match &state.roles {
                RolesCheck::Missing(missing) if !missing.is_empty() => html! {
                    <div class="live-warning" role="alert" id="missing-roles">
                        <p>
                            { "Before you run: Graph lists no assignment of " }
                            { for missing.iter().enumerate().map(|(i, (name, what))| html! {
                                <>{ if i == 0 { "" } else if i + 1 == missing.len() { " or " } else { ", " } }
                                <strong>{ *name }</strong>{ format!(" (to {what})") }</>
                            }) }
                            { " to this account, so the steps that need them will get 403." }
                        </p>
                        <p class="hint">
                            { "Sign in with an account that holds them (Global Administrator holds them all), or have                                them assigned in the Microsoft Entra admin center under Roles and administrators." }
                        </p>
                    </div>
                },
                RolesCheck::Missing(_) => html! {
                    <p class="hint" id="roles-checked">{ "This account holds the directory roles the tutorial needs." }</p>
                },
                RolesCheck::Problem(problem) => html! {
                    <p class="hint" id="roles-unknown">{ format!("The account's directory roles could not be read ({problem}).") }</p>
                },
                RolesCheck::Checking => html! {
                    <p class="hint" id="roles-checking" role="status">{ "Asking Graph for this account's directory roles…" }</p>
                },
                RolesCheck::Unknown => html! {},
            } }
            // In an element of its own: an empty component beside conditional siblings confuses Yew's
            // placement of the nodes that follow.
            <div class="other-accounts-slot">
                if !props.accounts.is_empty() {
                    <OtherAccounts live={live.clone()} slots={props.accounts.clone()} choices={props.one_account.clone()}
                        on_command={props.on_command.clone()} />
                }
            </div>
            if let Some(message) = &state.message {
                <p class={classes!("live-message", match message.tone { Tone::Bad => "bad", Tone::Good => "good", Tone::Info => "info" })}
                    role={if message.tone == Tone::Bad { "alert" } else { "status" }} id="live-message">
                    { message.text.clone() }
                </p>
            }
            <details class="paste-token">
                <summary>{ "Use an access token" }</summary>
                <form id="token-form" onsubmit={on_paste}>
                    <label for="pasted-token" class="field-label">{ "Access token for Microsoft Graph" }</label>
                    <input id="pasted-token" type="password" autocomplete="off" spellcheck="false" ref={token_input} />
                    <button type="submit">{ "Use token" }</button>
                    <p class="hint">{ "Read here, never saved, exported or sent anywhere but the Graph base URL." }</p>
                </form>
            </details>
            <details class="live-settings" open={open_settings}>
                <summary>{ "Settings" }</summary>
                <form id="live-settings-form" onsubmit={on_save}>
                    <label class="field">
                        <span class="field-label">{ "Application (client) id" }</span>
                        <input id="setting-client-id" ref={client_ref} value={form.client_id.clone().unwrap_or_default()}
                            placeholder={settings.client_id.clone()} autocomplete="off" spellcheck="false" />
                    </label>
                    <label class="field">
                        <span class="field-label">{ "Tenant (id, domain or organizations)" }</span>
                        <input id="setting-tenant" ref={tenant_ref} value={form.tenant.clone().unwrap_or_default()}
                            placeholder={if settings.tenant.is_empty() { DEFAULT_TENANT.to_string() } else { settings.tenant.clone() }} />
                    </label>
                    <label class="field">
                        <span class="field-label">{ "Redirect URI" }</span>
                        <input id="setting-redirect-uri" ref={redirect_ref} type="url" value={form.redirect_uri.clone().unwrap_or_default()}
                            placeholder={settings.redirect_uri.clone()} />
                    </label>
                    <label class="field">
                        <span class="field-label">{ "Graph base URL" }</span>
                        <input id="setting-graph-base" ref={graph_ref} type="url" value={form.graph_base_url.clone().unwrap_or_default()}
                            placeholder={DEFAULT_GRAPH_BASE} />
                    </label>
                    <button type="submit" id="save-settings">{ "Save settings" }</button>
                    { for settings.problems().into_iter().map(|p| html! { <p class="live-warning">{ p }</p> }) }
                </form>
            </details>
        </section>
    }
}
