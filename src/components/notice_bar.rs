//! The page's status line: restored runs, cleanup results, load errors. Announced to screen readers.

use yew::prelude::*;

use crate::context::Shared;
use crate::state::{Msg, Tone};

#[component]
pub fn NoticeBar() -> Html {
    let shared = use_context::<Shared>().expect("NoticeBar is inside the app");
    let explorer = shared.explorer.clone();
    let notice = explorer.notice.clone();
    let on_dismiss = Callback::from(move |_: MouseEvent| explorer.dispatch(Msg::DismissNotice));
    html! {
        <div class="notice-area" role="status" aria-live="polite">
            if let Some(notice) = notice {
                <div class={classes!("notice", match notice.tone { Tone::Info => "info", Tone::Good => "good", Tone::Bad => "bad" })}>
                    <span class="notice-text">{ notice.text }</span>
                    <button type="button" class="link" onclick={on_dismiss} aria-label="Dismiss this message">{ "Dismiss" }</button>
                </div>
            }
        </div>
    }
}
