//! Whether a CSS media query matches, kept current as the window changes.

use yew::prelude::*;

/// True while `query` matches (false where the browser cannot tell).
#[hook]
pub fn use_media(query: &'static str) -> bool {
    let list = use_memo((), move |_| {
        web_sys::window().and_then(|w| w.match_media(query).ok().flatten())
    });
    let matches = use_state(|| list.as_ref().as_ref().is_some_and(|l| l.matches()));
    {
        let matches = matches.clone();
        use_effect_with((), move |_| {
            let listener = list.as_ref().as_ref().map(|l| {
                let l2 = l.clone();
                gloo_events::EventListener::new(l, "change", move |_| matches.set(l2.matches()))
            });
            move || drop(listener)
        });
    }
    *matches
}
