//! `?step=` scrolls to that step's card and puts focus on it, once, after the first render.

use yew::prelude::*;

use crate::app::ExplorerHandle;

#[hook]
pub fn use_focus_step(step: Option<String>, explorer: &ExplorerHandle) {
    let tutorial = explorer.run.tutorial().clone();
    use_effect_with(step, move |step| {
        let index = step.as_deref().and_then(|wanted| {
            tutorial
                .steps
                .iter()
                .position(|s| s.id == wanted)
                .or_else(|| wanted.parse::<usize>().ok().and_then(|n| n.checked_sub(1)))
        });
        if let Some(index) = index.filter(|i| *i < tutorial.steps.len()) {
            focus_card(index);
        }
    });
}

/// Scrolls a step's card into view and focuses it (cards are focusable headings' containers).
pub fn focus_card(index: usize) {
    let element =
        gloo_utils::document().get_element_by_id(&crate::components::step_card::card_id(index));
    if let Some(element) = element {
        element.scroll_into_view();
        if let Ok(element) = wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(element) {
            let _ = element.focus();
        }
    }
}
