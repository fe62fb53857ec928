//! The header's controls: tutorial picker, mode, Run all with progress, Stop, Reset, Clean up, export.

use walkthrough::{parse_tutorial, Tutorial};
use wasm_bindgen::JsCast;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use super::export_menu::ExportMenu;
use super::is_busy;
use crate::context::{fresh_options, Shared};
use crate::services::fetch::fetch_text;
use crate::services::live_state::Mode;
use crate::state::{Command, Msg, Notice, Tone};

#[component]
pub fn Toolbar() -> Html {
    let shared = use_context::<Shared>().expect("Toolbar is inside the app");
    let explorer = shared.explorer.clone();
    let run = explorer.run();
    let busy = is_busy(&run);
    let (passed, total) = run.progress();
    let current_id = run.tutorial().id.clone();
    let url_input = use_node_ref();

    let load = {
        let explorer = explorer.clone();
        Callback::from(move |tutorial: Tutorial| {
            let left = explorer.run().ledger().left().len();
            if left > 0 {
                let question = format!(
                    "This run still has {left} object(s) in the tenant that only its cleanup knows about. \
                     Switch tutorials anyway and leave them behind?"
                );
                let confirmed = web_sys::window()
                    .and_then(|w| w.confirm_with_message(&question).ok())
                    .unwrap_or(false);
                if !confirmed {
                    return;
                }
            }
            explorer.dispatch(Msg::Load(Box::new(tutorial), fresh_options()));
        })
    };

    let on_pick = {
        let load = load.clone();
        let tutorials = shared.tutorials.clone();
        Callback::from(move |e: Event| {
            let select: HtmlSelectElement = e.target_unchecked_into();
            if let Some(tutorial) = tutorials.iter().find(|t| t.id == select.value()) {
                load.emit(tutorial.load());
            }
        })
    };

    let loaded = {
        let load = load.clone();
        let explorer = explorer.clone();
        Callback::from(move |(origin, text): (String, Result<String, String>)| {
            let parsed = text.and_then(|text| parse_tutorial(&text).map_err(|e| e.to_string()));
            match parsed {
                Ok(tutorial) => load.emit(tutorial),
                Err(error) => explorer.dispatch(Msg::Notify(Notice {
                    text: format!(
                        "Could not load the tutorial from {}: {error}",
                        shorten(&origin, 96)
                    ),
                    tone: Tone::Bad,
                })),
            }
        })
    };

    let on_file = {
        let loaded = loaded.clone();
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            let Some(file) = input.files().and_then(|files| files.get(0)) else {
                return;
            };
            input.set_value("");
            let loaded = loaded.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let name = file.name();
                let text = wasm_bindgen_futures::JsFuture::from(file.text())
                    .await
                    .ok()
                    .and_then(|v| v.as_string())
                    .ok_or_else(|| "the file could not be read as text".to_string());
                loaded.emit((name, text));
            });
        })
    };

    let on_url_submit = {
        let loaded = loaded.clone();
        let url_input = url_input.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            // Read the field itself: what is in it when the form is sent is what the user asked for.
            let url = url_input
                .cast::<HtmlInputElement>()
                .map(|input| input.value().trim().to_string())
                .unwrap_or_default();
            if url.is_empty() {
                return;
            }
            let loaded = loaded.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let text = fetch_text(&url).await;
                loaded.emit((url, text));
            });
        })
    };

    let on_run_all = {
        let explorer = explorer.clone();
        let live = shared.live.clone();
        let on_command = shared.on_command.clone();
        Callback::from(move |_: MouseEvent| {
            // In live mode, say what is missing up front rather than fail the first steps one by one.
            if *live.mode == Mode::Live && !live.session.0.has_source() {
                explorer.dispatch(Msg::Notify(Notice {
                    text: "Live mode needs a token first: sign in, or paste an access token, in the live panel."
                        .into(),
                    tone: Tone::Bad,
                }));
                return;
            }
            on_command.emit(Command::RunAll)
        })
    };
    let on_cleanup = shared.on_command.reform(|_: MouseEvent| Command::Cleanup);
    let on_stop = shared.on_command.reform(|_: MouseEvent| Command::Stop);
    let on_reset = shared.on_command.reform(|_: MouseEvent| Command::Reset);

    let mode = *shared.live.mode;
    let on_mode = {
        let live = shared.live.clone();
        let explorer = explorer.clone();
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            let Some(wanted) = Mode::parse(&input.value()) else {
                return;
            };
            if wanted == *live.mode {
                return;
            }
            let left = explorer.run().ledger().left().len();
            if left > 0 {
                let question = format!(
                    "This run still has {left} object(s) that only its cleanup knows about. Switch modes anyway \
                     and leave them behind? (Clean up first to remove them.)"
                );
                let confirmed = web_sys::window()
                    .and_then(|w| w.confirm_with_message(&question).ok())
                    .unwrap_or(false);
                if !confirmed {
                    // Put the radio back: the rendered state did not change, so Yew will not.
                    let selector = format!("input[name=mode][value={}]", live.mode.as_str());
                    if let Some(current) = gloo_utils::document()
                        .query_selector(&selector)
                        .ok()
                        .flatten()
                    {
                        if let Ok(current) = current.dyn_into::<HtmlInputElement>() {
                            current.set_checked(true);
                        }
                    }
                    return;
                }
            }
            // A run's ids belong to the tenant that made them: start afresh in the other mode.
            let tutorial = explorer.run().tutorial().clone();
            explorer.dispatch(Msg::Load(Box::new(tutorial), fresh_options()));
            live.set_mode(wanted);
        })
    };

    let builtin = shared.tutorials.iter().any(|t| t.id == current_id);
    let left = run.ledger().left().len();

    html! {
        <div class="toolbar" role="toolbar" aria-label="Tutorial controls">
            <div class="toolbar-group">
                <label class="field">
                    <span class="field-label">{ "Tutorial" }</span>
                    <select id="tutorial-picker" onchange={on_pick} disabled={busy}>
                        { for shared.tutorials.iter().map(|t| html! {
                            <option value={t.id.clone()} selected={t.id == current_id}>{ t.title.clone() }</option>
                        }) }
                        if !builtin {
                            <option value={current_id.clone()} selected=true>{ run.tutorial().title.clone() }</option>
                        }
                    </select>
                </label>
                if !shared.embed {
                    <details class="load-tutorial">
                        <summary>{ "Load…" }</summary>
                        <div class="load-panel">
                            <label class="field">
                                <span class="field-label">{ "From a file (.md)" }</span>
                                <input type="file" accept=".md,.markdown,text/markdown,text/plain" onchange={on_file} disabled={busy} />
                            </label>
                            <form class="field url-form" onsubmit={on_url_submit}>
                                <label for="tutorial-url" class="field-label">{ "From an address" }</label>
                                <input id="tutorial-url" type="url" placeholder="https://example.com/tutorial.md"
                                    ref={url_input} />
                                <button type="submit" disabled={busy}>{ "Load" }</button>
                            </form>
                        </div>
                    </details>
                }
                <fieldset class="mode">
                    <legend class="field-label">{ "Mode" }</legend>
                    <label title="An emulated tenant in this page: no account needed">
                        <input type="radio" name="mode" id="mode-sandbox" value="sandbox" checked={mode == Mode::Sandbox}
                            onchange={on_mode.clone()} disabled={busy} />{ " Sandbox" }
                    </label>
                    <label title="Your own tenant through Microsoft Graph, or a local graphwalk-sandbox">
                        <input type="radio" name="mode" id="mode-live" value="live" checked={mode == Mode::Live}
                            onchange={on_mode} disabled={busy} />{ " Live" }
                    </label>
                </fieldset>
            </div>
            <div class="toolbar-group run-controls">
                <button type="button" class="primary" id="run-all" onclick={on_run_all} disabled={busy}>
                    { "Run all" }
                </button>
                <button type="button" id="stop" onclick={on_stop} disabled={!busy}>{ "Stop" }</button>
                <button type="button" id="reset" onclick={on_reset} disabled={busy}>{ "Reset" }</button>
                <button type="button" id="clean-up" onclick={on_cleanup} disabled={busy || left == 0}>
                    { if left > 0 { format!("Clean up ({left})") } else { "Clean up".to_string() } }
                </button>
                <div class="progress" aria-live="polite">
                    <progress max={total.to_string()} value={passed.to_string()} aria-label="Steps passed"></progress>
                    <span class="progress-text" id="progress-text">{ format!("{passed}/{total} passed") }</span>
                </div>
                <ExportMenu />
            </div>
        </div>
    }
}

/// `text` cut to at most `max` characters, with an ellipsis where it was cut (a `data:` address can be long).
fn shorten(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}
