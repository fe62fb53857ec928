//! A disclosure that floats over the page (Load…, Export…): a `<details>` that closes when focus or a click
//! leaves it, or on Esc (focus then goes back to its summary).

use wasm_bindgen::JsCast;
use web_sys::{HtmlDetailsElement, HtmlElement, Node};
use yew::prelude::*;

#[derive(Properties, PartialEq, Clone)]
pub struct PopoverProps {
    /// What the summary says.
    pub label: AttrValue,
    #[prop_or_default]
    pub class: Classes,
    #[prop_or_default]
    pub summary_id: Option<AttrValue>,
    /// The summary's accessible name, where its text alone would be ambiguous (one per card).
    #[prop_or_default]
    pub summary_label: Option<AttrValue>,
    #[prop_or_default]
    pub children: Html,
}

/// True when `target` is `details` or inside it.
fn inside(details: &HtmlDetailsElement, target: Option<web_sys::EventTarget>) -> bool {
    target
        .and_then(|t| t.dyn_into::<Node>().ok())
        .is_some_and(|node| details.contains(Some(&node)))
}

#[component]
pub fn Popover(props: &PopoverProps) -> Html {
    let details = use_node_ref();
    // A click anywhere else closes it.
    {
        let details = details.clone();
        use_effect_with((), move |_| {
            let listener =
                gloo_events::EventListener::new(&gloo_utils::document(), "pointerdown", move |e| {
                    if let Some(d) = details.cast::<HtmlDetailsElement>() {
                        if d.open() && !inside(&d, e.target()) {
                            d.set_open(false);
                        }
                    }
                });
            move || drop(listener)
        });
    }
    // Focus moving to something outside closes it. Focus that leaves the page (a file chooser, another
    // window) has no related target: that keeps it open.
    let on_focusout = {
        let details = details.clone();
        Callback::from(move |e: FocusEvent| {
            if let Some(d) = details.cast::<HtmlDetailsElement>() {
                let to = e.related_target();
                if d.open() && to.is_some() && !inside(&d, to) {
                    d.set_open(false);
                }
            }
        })
    };
    let on_keydown = {
        let details = details.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() != "Escape" {
                return;
            }
            if let Some(d) = details.cast::<HtmlDetailsElement>() {
                if d.open() {
                    e.prevent_default();
                    d.set_open(false);
                    if let Some(summary) = d
                        .query_selector("summary")
                        .ok()
                        .flatten()
                        .and_then(|s| s.dyn_into::<HtmlElement>().ok())
                    {
                        let _ = summary.focus();
                    }
                }
            }
        })
    };
    html! {
        <details class={classes!("popover", props.class.clone())} ref={details} onfocusout={on_focusout}
            onkeydown={on_keydown}>
            <summary id={props.summary_id.clone()} aria-label={props.summary_label.clone()}>{ props.label.clone() }</summary>
            <div class="popover-panel">{ props.children.clone() }</div>
        </details>
    }
}
