//! `?step=` scrolls to that step's card and puts focus on it, once, after the first render.

use gloo_timers::callback::Timeout;
use yew::prelude::*;

/// How long to keep looking for a card that is not in the page yet (cards below the first few are added
/// after the first paint).
const FIND_FOR_MS: u32 = 2_000;
const LOOK_EVERY_MS: u32 = 25;

/// `step`: the URL's `step=`, a step's id or its number from 1; `ids`: the tutorial's step ids.
#[hook]
pub fn use_focus_step(step: Option<String>, ids: Vec<String>) {
    use_effect_with(step, move |step| {
        let index = step
            .as_deref()
            .and_then(|wanted| {
                ids.iter()
                    .position(|id| *id == wanted)
                    .or_else(|| wanted.parse::<usize>().ok().and_then(|n| n.checked_sub(1)))
            })
            .filter(|i| *i < ids.len());
        if let Some(index) = index {
            focus_when_shown(index, FIND_FOR_MS / LOOK_EVERY_MS);
        }
    });
}

/// Focuses the card now if it is in the page, or looks again shortly (`tries` more times). The looks are
/// few and harmless after an unmount (the card is then simply not found), so they are not cancelled.
fn focus_when_shown(index: usize, tries: u32) {
    if focus_card(index) || tries == 0 {
        return;
    }
    Timeout::new(LOOK_EVERY_MS, move || focus_when_shown(index, tries - 1)).forget();
}

/// Focuses the element with this id, if it is in the page and can take focus. True when it was found.
pub fn focus_id(id: &str) -> bool {
    let element = gloo_utils::document()
        .get_element_by_id(id)
        .and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(e).ok());
    if let Some(element) = &element {
        let _ = element.focus();
    }
    element.is_some()
}

/// Scrolls a step's card into view and focuses it (cards are focusable headings' containers).
/// False when the card is not in the page.
pub fn focus_card(index: usize) -> bool {
    let element =
        gloo_utils::document().get_element_by_id(&crate::components::step_card::card_id(index));
    let Some(element) = element else {
        return false;
    };
    element.scroll_into_view();
    if let Ok(element) = wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(element) {
        let _ = element.focus();
    }
    true
}
