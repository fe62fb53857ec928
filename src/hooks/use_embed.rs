//! In the embed layout, tells the parent page the app's height, and only ever the origin it named.
//!
//! Messages the app posts: `{ "type": "graphwalk:height", "height": <px> }`.
//! Messages it accepts, from that origin only: `{ "type": "graphwalk:focus-step", "step": <step number from 1> }`.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use yew::prelude::*;

#[hook]
pub fn use_embed_height(embed: bool, origin: Option<String>) {
    use_effect_with((embed, origin), move |(embed, origin)| {
        let mut cleanup: Option<Box<dyn FnOnce()>> = None;
        if let (true, Some(origin)) = (*embed, origin.clone()) {
            cleanup = start(origin);
        }
        move || {
            if let Some(cleanup) = cleanup {
                cleanup();
            }
        }
    });
}

fn start(origin: String) -> Option<Box<dyn FnOnce()>> {
    let window = web_sys::window()?;
    let parent = window.parent().ok().flatten()?;
    let body = window.document()?.body()?;

    let report = {
        let origin = origin.clone();
        let last = std::cell::Cell::new(0);
        move || {
            let Some(document) = web_sys::window().and_then(|w| w.document()) else {
                return;
            };
            let Some(root) = document.document_element() else {
                return;
            };
            let height = root.scroll_height();
            if height != last.get() {
                last.set(height);
                let message = js_sys::Object::new();
                let _ = js_sys::Reflect::set(&message, &"type".into(), &"graphwalk:height".into());
                let _ = js_sys::Reflect::set(&message, &"height".into(), &height.into());
                let _ = parent.post_message(&message, &origin);
            }
        }
    };
    report();
    let on_resize = Closure::<dyn FnMut()>::new(report);
    let observer = web_sys::ResizeObserver::new(on_resize.as_ref().unchecked_ref()).ok()?;
    observer.observe(&body);

    let allowed = origin;
    let listener = gloo_events::EventListener::new(&window, "message", move |event| {
        let Some(event) = event.dyn_ref::<web_sys::MessageEvent>() else {
            return;
        };
        // Anything from another origin is ignored: only the page that embeds us may steer us.
        if event.origin() != allowed {
            return;
        }
        let data = event.data();
        let kind = js_sys::Reflect::get(&data, &"type".into())
            .ok()
            .and_then(|v| v.as_string());
        if kind.as_deref() != Some("graphwalk:focus-step") {
            return;
        }
        let step = js_sys::Reflect::get(&data, &"step".into()).ok();
        if let Some(number) = step.and_then(|s| s.as_f64()) {
            if number >= 1.0 {
                super::use_focus_step::focus_card(number as usize - 1);
            }
        }
    });

    Some(Box::new(move || {
        observer.disconnect();
        drop(on_resize);
        drop(listener);
    }))
}
