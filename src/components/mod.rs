//! The explorer's components, one per file.

pub mod cleanup_panel;
pub mod copy_as;
pub mod export_menu;
pub mod import_review;
pub mod json_search;
pub mod json_view;
pub mod live_panel;
pub mod mode_note;
pub mod notice_bar;
pub mod other_accounts;
pub mod panel_bar;
pub mod popover;
pub mod prose;
pub mod request_view;
pub mod response_view;
pub mod sandbox_panel;
pub mod step_card;
pub mod step_rail;
pub mod toolbar;
pub mod tutorial_intro;
pub mod variables_panel;

use yew::prelude::*;

/// A `<details>` element's `ontoggle`: keeps `open` in step with it, so its contents can be built only
/// while it is open.
pub fn track_details_open(open: &UseStateHandle<bool>) -> Callback<Event> {
    let open = open.clone();
    Callback::from(move |e: Event| {
        let details: web_sys::HtmlDetailsElement = e.target_unchecked_into();
        open.set(details.open());
    })
}
