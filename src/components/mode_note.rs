//! The panel of the mode not in use: what that mode is, and a button to switch to it.

use yew::prelude::*;

use crate::services::live_state::Mode;
use crate::state::Panel;

#[derive(Properties, PartialEq, Clone)]
pub struct ModeNoteProps {
    /// The mode this panel belongs to (not the one in use).
    pub mode: Mode,
    /// Switch modes; false when the reader declined.
    pub on_mode: Callback<Mode, bool>,
}

#[component]
pub fn ModeNote(props: &ModeNoteProps) -> Html {
    let mode = props.mode;
    let (panel, text, button) = match mode {
        Mode::Live => (
            Panel::Live,
            "Live mode runs the tutorial against your own tenant through Microsoft Graph (or a local \
             graphwalk-sandbox), with your sign-in or a pasted access token.",
            "Switch to live mode",
        ),
        Mode::Sandbox => (
            Panel::Sandbox,
            "The sandbox is an emulated tenant in this page: no account needed, and nothing leaves your browser.",
            "Switch to the sandbox",
        ),
    };
    let on_mode = props.on_mode.clone();
    let onclick = Callback::from(move |_: MouseEvent| {
        on_mode.emit(mode);
    });
    html! {
        <section class="panel mode-note" aria-labelledby={panel.title_id()}>
            <h2 id={panel.title_id()} tabindex="-1">{ panel.label() }</h2>
            <p>{ text }</p>
            <button type="button" class="switch-mode" {onclick}>{ button }</button>
        </section>
    }
}
