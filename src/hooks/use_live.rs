//! Sets up live mode: the mode from the URL or the last visit, the settings layers, and, on entering live
//! mode, `config.json` and a silent pick-up of an earlier MSAL sign-in. Sandbox mode loads none of it.

use yew::prelude::*;

use crate::services::auth_msal::resolve_url;
use crate::services::fetch::fetch_text;
use crate::services::live_session::SessionHandle;
use crate::services::live_settings::{self, SettingsLayer};
use crate::services::live_state::{Live, LiveMsg, LiveState, Mode};

/// `mode`: the URL's `mode=`; `query`: the URL's query (for the settings), when the page's own URL is used.
#[hook]
pub fn use_live(
    mode: Option<String>,
    query: Option<String>,
    persist: bool,
    scopes: Vec<String>,
) -> Live {
    let mode = use_state(move || {
        mode.as_deref()
            .and_then(Mode::parse)
            .or_else(|| {
                persist
                    .then(live_settings::load_mode)
                    .flatten()
                    .as_deref()
                    .and_then(Mode::parse)
            })
            .unwrap_or(Mode::Sandbox)
    });
    let state = use_reducer(move || LiveState {
        url: query
            .as_deref()
            .map(SettingsLayer::from_query)
            .unwrap_or_default(),
        form: if persist {
            live_settings::load_form()
        } else {
            SettingsLayer::default()
        },
        ..LiveState::default()
    });
    let session = use_memo((), |_| SessionHandle::default());
    let live = Live {
        mode: mode.clone(),
        state: state.clone(),
        session: (*session).clone(),
        persist,
    };

    // config.json is only looked for once live mode is chosen, so sandbox visitors never ask for it.
    {
        let state = state.clone();
        let wanted = *mode == Mode::Live && !state.config_loaded;
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
                    state.dispatch(LiveMsg::Config(layer, problem));
                });
            }
        });
    }

    // Once the settings are known, start MSAL.js if configured and pick up an earlier sign-in.
    {
        let live = live.clone();
        let ready = *mode == Mode::Live && state.config_loaded;
        let client_id = live.settings().client_id;
        use_effect_with((ready, client_id), move |(ready, client_id)| {
            if *ready && !client_id.is_empty() {
                wasm_bindgen_futures::spawn_local(live.resume(scopes));
            }
        });
    }
    live
}
