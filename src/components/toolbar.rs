//! The header's controls: tutorial picker, mode, Run all with progress, Stop, Reset, Clean up, export.

use std::rc::Rc;

use walkthrough::{BuiltinTutorial, ExportFormat};
use wasm_bindgen::JsCast;
use web_sys::{HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement};
use yew::prelude::*;

use super::export_menu::{ExportMenu, ExportTo};
use super::popover::Popover;
use crate::hooks::use_switch::Source;
use crate::services::live_state::Mode;
use crate::state::Command;

#[derive(Properties, PartialEq, Clone)]
pub struct ToolbarProps {
    pub tutorials: Rc<Vec<BuiltinTutorial>>,
    pub current_id: String,
    pub current_title: String,
    pub busy: bool,
    /// Steps passed, of all steps.
    pub progress: (usize, usize),
    /// Steps that failed, in order.
    pub failed: Vec<usize>,
    /// Objects the run's cleanup still has to remove.
    pub left: usize,
    pub mode: Mode,
    pub embed: bool,
    /// Open a tutorial; false when the reader declined (the picker goes back to the current one).
    pub on_open: Callback<Source, bool>,
    /// Switch modes; false when the reader declined (the radio goes back).
    pub on_mode: Callback<Mode, bool>,
    pub on_run_all: Callback<()>,
    pub on_command: Callback<Command>,
    pub on_export: Callback<(ExportFormat, ExportTo)>,
}

#[component]
pub fn Toolbar(props: &ToolbarProps) -> Html {
    let busy = props.busy;
    let (passed, total) = props.progress;
    let current_id = props.current_id.clone();
    let left = props.left;
    let mode = props.mode;
    let url_input = use_node_ref();

    let on_pick = {
        let on_open = props.on_open.clone();
        let current_id = current_id.clone();
        Callback::from(move |e: Event| {
            let select: HtmlSelectElement = e.target_unchecked_into();
            if !on_open.emit(Source::Builtin(select.value())) {
                // Declined: the rendered state did not change, so Yew will not put the picker back.
                select.set_value(&current_id);
            }
        })
    };

    let on_file = {
        let on_open = props.on_open.clone();
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            let Some(file) = input.files().and_then(|files| files.get(0)) else {
                return;
            };
            input.set_value("");
            on_open.emit(Source::File(file));
        })
    };

    let on_url_submit = {
        let on_open = props.on_open.clone();
        let url_input = url_input.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            // Read the field itself: what is in it when the form is sent is what the user asked for.
            let url = url_input
                .cast::<HtmlInputElement>()
                .map(|input| input.value().trim().to_string())
                .unwrap_or_default();
            if !url.is_empty() {
                on_open.emit(Source::Address(url));
            }
        })
    };

    let paste_input = use_node_ref();
    let on_paste_submit = {
        let on_open = props.on_open.clone();
        let paste_input = paste_input.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Some(area) = paste_input.cast::<HtmlTextAreaElement>() else {
                return;
            };
            let text = area.value();
            if !text.trim().is_empty() && on_open.emit(Source::Text(text)) {
                area.set_value("");
            }
        })
    };

    // The run's buttons stay focusable when they cannot act (aria-disabled, presses ignored): a disabled
    // button would drop the reader's focus to the page's start the moment it was pressed.
    let off = |unavailable: bool| unavailable.then_some("true");
    let run_all_off = busy;
    let stop_off = !busy;
    let reset_off = busy;
    let cleanup_off = busy || left == 0;
    let on_run_all = {
        let on_run_all = props.on_run_all.clone();
        Callback::from(move |_: MouseEvent| {
            if !run_all_off {
                on_run_all.emit(())
            }
        })
    };
    let command_unless = |unavailable: bool, command: Command| {
        let on_command = props.on_command.clone();
        Callback::from(move |_: MouseEvent| {
            if !unavailable {
                on_command.emit(command.clone())
            }
        })
    };
    let on_cleanup = command_unless(cleanup_off, Command::Cleanup);
    let on_stop = command_unless(stop_off, Command::Stop);
    let on_reset = command_unless(reset_off, Command::Reset);

    let on_mode = {
        let on_mode_change = props.on_mode.clone();
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            let Some(wanted) = Mode::parse(&input.value()) else {
                return;
            };
            if !on_mode_change.emit(wanted) {
                // Declined: put the radio back, as Yew sees no change to render.
                let selector = format!("input[name=mode][value={}]", mode.as_str());
                if let Some(current) = gloo_utils::document()
                    .query_selector(&selector)
                    .ok()
                    .flatten()
                    .and_then(|e| e.dyn_into::<HtmlInputElement>().ok())
                {
                    current.set_checked(true);
                }
            }
        })
    };

    let builtin = props.tutorials.iter().any(|t| t.id == current_id);

    html! {
        <div class="toolbar" role="toolbar" aria-label="Tutorial controls">
            <label class="field picker">
                <span class="visually-hidden">{ "Tutorial" }</span>
                <select id="tutorial-picker" onchange={on_pick} disabled={busy}>
                    { for props.tutorials.iter().map(|t| html! {
                        <option value={t.id.clone()} selected={t.id == current_id}>{ picker_label(&t.title) }</option>
                    }) }
                    if !builtin {
                        <option value={current_id.clone()} selected=true>{ props.current_title.clone() }</option>
                    }
                </select>
            </label>
            if !props.embed {
                <Popover label="Load…" class="load-tutorial">
                    <label class="field">
                        <span class="field-label">{ "From a file (.md): a tutorial or a docs page" }</span>
                        <input type="file" accept=".md,.markdown,text/markdown,text/plain" onchange={on_file} disabled={busy} />
                    </label>
                    <form class="field url-form" onsubmit={on_url_submit}>
                        <label for="tutorial-url" class="field-label">{ "From an address" }</label>
                        <input id="tutorial-url" type="url" placeholder="https://example.com/tutorial.md"
                            ref={url_input} />
                        <button type="submit" disabled={busy}>{ "Load" }</button>
                    </form>
                    <form class="field paste-form" onsubmit={on_paste_submit}>
                        <label for="tutorial-paste" class="field-label">
                            { "Pasted Markdown: a graphwalk tutorial, or a Microsoft Graph docs page to import" }
                        </label>
                        <textarea id="tutorial-paste" rows="4" ref={paste_input} spellcheck="false" />
                        <button type="submit" id="load-pasted" disabled={busy}>{ "Load pasted text" }</button>
                    </form>
                    <p class="hint">
                        { "A docs page (request and response blocks) is imported: the ids its samples share \
                           become variables, and a review lists how each one was wired." }
                    </p>
                </Popover>
            }
            <fieldset class="mode">
                <legend class="visually-hidden">{ "Mode" }</legend>
                <label title="An emulated tenant in this page: no account needed">
                    <input type="radio" name="mode" id="mode-sandbox" value="sandbox" checked={mode == Mode::Sandbox}
                        onchange={on_mode.clone()} disabled={busy} />{ " Sandbox" }
                </label>
                <label title="Your own tenant through Microsoft Graph, or a local graphwalk-sandbox">
                    <input type="radio" name="mode" id="mode-live" value="live" checked={mode == Mode::Live}
                        onchange={on_mode} disabled={busy} />{ " Live" }
                </label>
            </fieldset>
            <div class="run-controls">
                <button type="button" class="primary" id="run-all" onclick={on_run_all} aria-disabled={off(run_all_off)}>
                    { "Run all" }
                </button>
                <button type="button" id="stop" onclick={on_stop} aria-disabled={off(stop_off)}>{ "Stop" }</button>
                <button type="button" id="reset" onclick={on_reset} aria-disabled={off(reset_off)}>{ "Reset" }</button>
                <button type="button" id="clean-up" onclick={on_cleanup} aria-disabled={off(cleanup_off)}>
                    { if left > 0 { format!("Clean up ({left})") } else { "Clean up".to_string() } }
                </button>
            </div>
            <div class={classes!("progress", (!props.failed.is_empty()).then_some("has-failures"))}>
                <progress max={total.to_string()} value={passed.to_string()} aria-label="Steps passed"></progress>
                <span class="progress-text" id="progress-text">{ format!("{passed}/{total} passed") }</span>
                if let Some(first) = props.failed.first() {
                    <a class="failed-link" id="first-failure" href={format!("#step-{}", first + 1)}>
                        { format!("{} failed: step {}", props.failed.len(), first + 1) }
                    </a>
                }
            </div>
            <Popover label="Export…" class="export-popover" summary_id="export-toggle">
                <ExportMenu on_export={props.on_export.clone()} />
            </Popover>
        </div>
    }
}

/// A tutorial's title for the picker, with what tells two alike apart first (a narrow picker cuts the end):
/// "Build … (beta API)" reads "beta API: Build …".
pub fn picker_label(title: &str) -> String {
    match title.strip_suffix(')').and_then(|t| t.rsplit_once(" (")) {
        Some((name, which)) if !which.is_empty() => format!("{which}: {name}"),
        _ => title.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::picker_label;

    #[test]
    fn the_picker_puts_what_tells_tutorials_apart_first() {
        assert_eq!(
            picker_label("Build an access package with entitlement management (beta API)"),
            "beta API: Build an access package with entitlement management"
        );
        assert_eq!(picker_label("Plain title"), "Plain title");
        assert_eq!(picker_label("Odd ()"), "Odd ()");
    }
}
