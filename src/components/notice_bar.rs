//! The page's status line: restored runs, cleanup results, load errors. Announced to screen readers.

use yew::prelude::*;

use crate::state::{Notice, Panel, Tone};

#[derive(Properties, PartialEq, Clone)]
pub struct NoticeBarProps {
    pub notice: Option<Notice>,
    pub on_dismiss: Callback<()>,
    /// The panel the notice is about: it links there.
    #[prop_or_default]
    pub panel: Option<Panel>,
    #[prop_or_default]
    pub on_panel: Callback<Panel>,
}

#[component]
pub fn NoticeBar(props: &NoticeBarProps) -> Html {
    let notice = props.notice.clone();
    let on_dismiss = props.on_dismiss.reform(|_: MouseEvent| ());
    html! {
        <div class="notice-area" role="status" aria-live="polite">
            if let Some(notice) = notice {
                <div class={classes!("notice", match notice.tone { Tone::Info => "info", Tone::Good => "good", Tone::Bad => "bad" })}>
                    <span class="notice-text">{ notice.text }</span>
                    if let Some(panel) = props.panel {
                        <a class="notice-link" href={format!("#{}", panel.id())}
                            onclick={props.on_panel.reform(move |e: MouseEvent| { e.prevent_default(); panel })}>
                            { format!("Open the {} panel", panel.label().to_lowercase()) }
                        </a>
                    }
                    <button type="button" class="link" onclick={on_dismiss} aria-label="Dismiss this message">{ "Dismiss" }</button>
                </div>
            }
        </div>
    }
}
