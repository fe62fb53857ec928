//! Helpers for the browser tests: a fresh element to mount into, waiting on the DOM, and real DOM events.
#![allow(dead_code)]

use std::rc::Rc;
use std::time::Duration;

use graphwalk::{App, AppProps, Params};
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement};

/// A new, empty element appended to the page's body.
pub fn fresh_root() -> Element {
    let document = gloo_utils::document();
    let root = document.create_element("div").expect("create a div");
    document
        .body()
        .expect("a body")
        .append_child(&root)
        .expect("append the div");
    root
}

/// Mounts the whole app with no latency and quick delivery, so a run takes milliseconds.
pub async fn mount_app(query: &str, persist: bool) -> Element {
    let root = fresh_root();
    let mut params = Params::parse(query);
    params.latency_ms.get_or_insert(0);
    params.delivery_ms.get_or_insert(50);
    let props = AppProps {
        params: Some(Rc::new(params)),
        persist,
    };
    yew::Renderer::<App>::with_root_and_props(root.clone(), props).render();
    all_cards_shown(&root).await;
    root
}

/// The first render shows the first few cards; the rest follow after it has been painted.
pub async fn all_cards_shown(root: &Element) {
    yew::scheduler::flush().await;
    wait_for("every card to be shown", Duration::from_secs(5), || {
        find(root, "ol.steps").is_some() && find(root, "ol.steps[aria-busy]").is_none()
    })
    .await;
}

pub async fn sleep(ms: u32) {
    gloo_timers::future::TimeoutFuture::new(ms).await;
}

/// Waits until `check` holds, polling the DOM; panics with `what` after `timeout`.
pub async fn wait_for(what: &str, timeout: Duration, check: impl FnMut() -> bool) {
    if !became(timeout, check).await {
        panic!("timed out after {timeout:?} waiting for {what}");
    }
}

/// Polls the DOM until `check` holds (true) or `timeout` passes (false), for tests that tally outcomes
/// instead of stopping at the first one that fails.
pub async fn became(timeout: Duration, mut check: impl FnMut() -> bool) -> bool {
    let start = js_sys::Date::now();
    loop {
        yew::scheduler::flush().await;
        if check() {
            return true;
        }
        if js_sys::Date::now() - start > timeout.as_millis() as f64 {
            return false;
        }
        sleep(10).await;
    }
}

pub fn find(root: &Element, selector: &str) -> Option<Element> {
    root.query_selector(selector).ok().flatten()
}

pub fn get(root: &Element, selector: &str) -> Element {
    find(root, selector).unwrap_or_else(|| panic!("nothing matches {selector}"))
}

pub fn all(root: &Element, selector: &str) -> Vec<Element> {
    let list = root.query_selector_all(selector).expect("a valid selector");
    (0..list.length())
        .filter_map(|i| list.item(i))
        .filter_map(|n| n.dyn_into::<Element>().ok())
        .collect()
}

pub fn text(element: &Element) -> String {
    element.text_content().unwrap_or_default()
}

pub async fn click(element: &Element) {
    element.unchecked_ref::<HtmlElement>().click();
    yew::scheduler::flush().await;
}

/// Sets a text field's value and fires a bubbling `input` event, as typing would.
pub async fn type_into(element: &Element, value: &str) {
    if let Some(input) = element.dyn_ref::<web_sys::HtmlInputElement>() {
        input.set_value(value);
    } else if let Some(area) = element.dyn_ref::<web_sys::HtmlTextAreaElement>() {
        area.set_value(value);
    }
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    let event = web_sys::InputEvent::new_with_event_init_dict("input", &init.unchecked_into())
        .expect("an input event");
    element.dispatch_event(&event).expect("dispatch input");
    yew::scheduler::flush().await;
}

/// Submits a form the way pressing Enter or its submit button would.
pub async fn submit(form: &Element) {
    form.unchecked_ref::<web_sys::HtmlFormElement>()
        .request_submit()
        .expect("the form submits");
    yew::scheduler::flush().await;
}

/// The card of the step numbered `n` (1-based).
pub fn card(root: &Element, n: usize) -> Element {
    get(root, &format!("#step-{n}"))
}

pub fn status_of(root: &Element, n: usize) -> String {
    card(root, n)
        .get_attribute("data-status")
        .unwrap_or_default()
}

pub fn clear_storage() {
    if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = storage.clear();
    }
}

/// The beta tutorial's run with step 1 sent and answered by `response` at `now_ms`.
pub fn beta_run_with_first_answer(
    response: http::Response<String>,
    now_ms: u64,
) -> walkthrough::Run {
    use walkthrough::{builtin_tutorials, Action, Event, Run, RunOptions};
    let tutorial = builtin_tutorials()
        .into_iter()
        .find(|t| t.id == "access-package-beta")
        .expect("the beta tutorial");
    let mut run = Run::new(tutorial, RunOptions::default());
    let request_id = run
        .handle(Event::RunStep { step: 0, now_ms })
        .into_iter()
        .find_map(|a| match a {
            Action::Send { request_id, .. } => Some(request_id),
            _ => None,
        })
        .expect("step 1 sends");
    run.handle(Event::Response {
        request_id,
        response,
        now_ms: now_ms + 5,
    });
    run
}

/// Saves `run` where the app looks for it, then mounts the app on `query` (saving, no latency), as after a
/// reload. Keep the handle alive for as long as the app should run.
pub async fn mount_over_saved_run(
    run: &walkthrough::Run,
    saved_at_ms: u64,
    query: &str,
) -> (Element, yew::AppHandle<App>) {
    // Saved the way the app saves, so a change to the saved format changes these tests' input too.
    graphwalk::services::storage::save_run(run, saved_at_ms)
        .unwrap_or_else(|e| panic!("the run could not be saved: {e}"));
    let root = fresh_root();
    let mut params = Params::parse(query);
    params.latency_ms = Some(0);
    params.delivery_ms = Some(50);
    let props = AppProps {
        params: Some(Rc::new(params)),
        persist: true,
    };
    let handle = yew::Renderer::<App>::with_root_and_props(root.clone(), props).render();
    all_cards_shown(&root).await;
    (root, handle)
}
