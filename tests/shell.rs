//! The app mounts into a fresh element and renders its header, controls and tutorial area.
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn renders_header_controls_and_tutorial_area() {
    let root = mount_app("", false).await;

    assert_eq!(text(&get(&root, "header h1")), "graphwalk");
    let main = get(&root, "main#tutorial");
    assert_eq!(
        main.get_attribute("aria-label").as_deref(),
        Some("Tutorial")
    );
    for control in [
        "#run-all",
        "#stop",
        "#reset",
        "#clean-up",
        "#tutorial-picker",
    ] {
        assert!(find(&root, control).is_some(), "{control} is rendered");
    }
    assert!(
        all(&root, "li.step").len() > 5,
        "the default tutorial's steps are rendered as cards"
    );
}

#[wasm_bindgen_test]
async fn embed_layout_drops_the_page_chrome() {
    let root = mount_app("?embed=1", false).await;
    assert!(
        find(&root, "header h1").is_none(),
        "no brand heading in the embed layout"
    );
    assert!(find(&root, ".app.embed").is_some());
    assert!(find(&root, "#run-all").is_some(), "the run controls stay");
}
