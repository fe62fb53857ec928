//! Sets up live mode: on entering it, `config.json` and a silent pick-up of an earlier MSAL sign-in.
//! Sandbox mode loads none of it. The mode and live state themselves are in the page's reducer.

use yew::prelude::*;

use crate::services::auth::same_account;
use crate::services::auth_msal::resolve_url;
use crate::services::fetch::fetch_text;
use crate::services::live_session::SessionHandle;
use crate::services::live_settings::{self, SettingsLayer};
use crate::services::live_state::{Live, LiveMsg, LiveState, Mode};
use crate::state::{Page, PageMsg};

/// The mode to start in: the URL's `mode=`, else the last visit's (when the page persists), else sandbox.
pub fn initial_mode(from_url: Option<&str>, persist: bool) -> Mode {
    from_url
        .and_then(Mode::parse)
        .or_else(|| {
            persist
                .then(live_settings::load_mode)
                .flatten()
                .as_deref()
                .and_then(Mode::parse)
        })
        .unwrap_or(Mode::Sandbox)
}

/// Live mode's first state: the settings from the URL's `query` (when the page's own URL is used) and
/// from the saved form.
pub fn initial_live(query: Option<&str>, persist: bool) -> LiveState {
    LiveState {
        url: query.map(SettingsLayer::from_query).unwrap_or_default(),
        form: if persist {
            live_settings::load_form()
        } else {
            SettingsLayer::default()
        },
        ..LiveState::default()
    }
}

/// `scopes`: what a silent pick-up of an earlier sign-in asks for (the tutorial's permissions).
#[hook]
pub fn use_live(page: &UseReducerHandle<Page>, persist: bool, scopes: Vec<String>) -> Live {
    let session = use_memo((), |_| SessionHandle::default());
    let live = Live {
        mode: page.mode,
        state: page.live.clone(),
        session: (*session).clone(),
        persist,
        page: page.dispatcher(),
    };

    // config.json is only looked for once live mode is chosen, so sandbox visitors never ask for it.
    {
        let dispatcher = page.dispatcher();
        let wanted = page.mode == Mode::Live && !page.live.config_loaded;
        use_effect_with(wanted, move |wanted| {
            if *wanted {
                wasm_bindgen_futures::spawn_local(async move {
                    let (layer, problem) = match fetch_text(&resolve_url("config.json")).await {
                        Ok(text) => match SettingsLayer::from_json(&text) {
                            Ok(layer) => (layer, None),
                            Err(problem) => (SettingsLayer::default(), Some(problem)),
                        },
                        // No config.json is the normal case: settings come from the URL or the form.
                        Err(_) => (SettingsLayer::default(), None),
                    };
                    dispatcher.dispatch(PageMsg::Live(LiveMsg::Config(layer, problem)));
                });
            }
        });
    }

    // Once the settings are known, start MSAL.js if configured and pick up an earlier sign-in.
    {
        let live = live.clone();
        let ready = page.mode == Mode::Live && page.live.config_loaded;
        let client_id = live.settings().client_id;
        // Accounts the run's steps sign in as, which an earlier visit in this tab may have signed in.
        let others: Vec<(String, String, Vec<String>)> =
            crate::components::other_accounts::slots(&page.run)
                .into_iter()
                .filter_map(|slot| Some((slot.identity, slot.upn?, slot.scopes)))
                .collect();
        use_effect_with((ready, client_id), move |(ready, client_id)| {
            if *ready && !client_id.is_empty() {
                wasm_bindgen_futures::spawn_local(live.resume(scopes, others));
            }
        });
    }
    // Another account's token that could no longer be had silently: its sign-in is offered again.
    {
        let session = session.clone();
        let dispatcher = page.dispatcher();
        use_effect_with((), move |_| {
            session.0.on_lost(move |upn| {
                dispatcher.dispatch(PageMsg::Live(LiveMsg::OtherSignedOut(upn.clone())));
                // MSAL.js forgets it too, so a sign-in again (perhaps of an account created anew under the
                // same name) is the only one it holds by that name.
                wasm_bindgen_futures::spawn_local(async move {
                    let _ = crate::services::auth_msal::forget(&upn).await;
                });
            });
        });
    }

    // An account signed in for a run's steps that no step runs as any more (Reset, a new run, another
    // tutorial) is forgotten, so a later account created under the same name is never handed its token.
    {
        let live = live.clone();
        let wanted: Vec<String> = page
            .run
            .run_as
            .iter()
            .flatten()
            .filter_map(|(_, upn)| upn.clone())
            .collect();
        let signed_in: Vec<String> = page.live.others.iter().map(|a| a.upn.clone()).collect();
        use_effect_with((wanted, signed_in), move |(wanted, signed_in)| {
            for upn in signed_in {
                if !wanted.iter().any(|w| same_account(w, upn)) {
                    wasm_bindgen_futures::spawn_local(live.clone().sign_out_other(upn.clone()));
                }
            }
        });
    }
    live
}
