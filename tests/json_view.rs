//! The JSON view: a collapsible tree that builds closed subtrees only when opened, and shows
//! anything that is not JSON as plain text.
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use graphwalk::components::json_view::{JsonView, JsonViewProps};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

async fn mount(body: &str) -> web_sys::Element {
    let root = fresh_root();
    let props = JsonViewProps {
        body: std::sync::Arc::from(body),
    };
    yew::Renderer::<JsonView>::with_root_and_props(root.clone(), props).render();
    yew::scheduler::flush().await;
    root
}

#[wasm_bindgen_test]
async fn deep_subtrees_start_closed_and_open_on_click() {
    let root = mount(r#"{"id":"a1","owner":{"profile":{"secret":"deep-value"}}}"#).await;
    assert!(text(&root).contains("\"a1\""), "top-level values are shown");
    assert!(
        !text(&root).contains("deep-value"),
        "the deep value is not built yet"
    );

    // Open every closed toggle, level by level.
    for _ in 0..3 {
        for toggle in all(&root, ".json-toggle[aria-expanded='false']") {
            click(&toggle).await;
        }
    }
    assert!(
        text(&root).contains("\"deep-value\""),
        "opening the subtree renders it"
    );
}

#[wasm_bindgen_test]
async fn long_arrays_are_shown_a_page_at_a_time() {
    let items: Vec<String> = (0..450).map(|i| format!("{{\"n\":{i}}}")).collect();
    let root = mount(&format!("[{}]", items.join(","))).await;
    let toggle = get(&root, ".json-toggle");
    if toggle.get_attribute("aria-expanded").as_deref() == Some("false") {
        click(&toggle).await;
    }
    assert_eq!(
        all(
            &root,
            ".json-view > .json-line > .json-children > .json-line"
        )
        .len(),
        200
    );
    click(&get(&root, ".json-more")).await;
    assert_eq!(
        all(
            &root,
            ".json-view > .json-line > .json-children > .json-line"
        )
        .len(),
        400
    );
}

#[wasm_bindgen_test]
async fn markup_in_a_body_is_shown_as_text_never_run() {
    let payload = "<img src=x onerror=\"window.__pwned=1\"><script>window.__pwned=1</script>";
    let root = mount(payload).await;
    assert!(
        text(&root).contains("<script>"),
        "the markup is visible as text"
    );
    assert!(
        find(&root, "script").is_none() && find(&root, "img").is_none(),
        "no element was created"
    );

    let json = serde_json::json!({ "displayName": payload }).to_string();
    let root = mount(&json).await;
    assert!(text(&root).contains("onerror"));
    assert!(find(&root, "img").is_none());
    let pwned = js_sys::Reflect::get(&gloo_utils::window(), &"__pwned".into()).unwrap();
    assert!(pwned.is_undefined());
}

#[wasm_bindgen_test]
async fn an_empty_body_says_so() {
    let root = mount("").await;
    assert_eq!(text(&get(&root, ".json-empty")), "(empty body)");
}

#[wasm_bindgen_test]
async fn a_large_body_is_parsed_after_the_first_render_and_then_shown() {
    let items: Vec<String> = (0..20_000)
        .map(|i| format!("{{\"id\":\"item-{i}\",\"n\":{i}}}"))
        .collect();
    let root = mount(&format!("{{\"value\":[{}]}}", items.join(","))).await;
    assert!(
        find(&root, ".json-pending").is_some(),
        "a placeholder first, so the parse is not in the same task"
    );
    wait_for("the tree", std::time::Duration::from_secs(10), || {
        find(&root, ".json-view").is_some()
    })
    .await;
    assert!(
        text(&root).contains("20000 items"),
        "the big array is summarized, closed"
    );
    assert!(
        !text(&root).contains("item-19999"),
        "its items are not built"
    );
}
