//! The app shell mounts into a fresh element and renders its header and tutorial area.
#![cfg(target_arch = "wasm32")]

use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn fresh_root() -> web_sys::Element {
    let document = gloo_utils::document();
    let root = document.create_element("div").expect("create a div");
    document.body().expect("a body").append_child(&root).expect("append the div");
    root
}

#[wasm_bindgen_test]
async fn renders_header_and_tutorial_area() {
    let root = fresh_root();
    yew::Renderer::<graphwalk::App>::with_root(root.clone()).render();
    yew::scheduler::flush().await;

    let title = root.query_selector("header h1").unwrap().expect("a heading");
    assert_eq!(title.text_content().as_deref(), Some("graphwalk"));
    let main = root.query_selector("main#tutorial").unwrap().expect("a tutorial area");
    assert_eq!(main.get_attribute("aria-label").as_deref(), Some("Tutorial"));
}
