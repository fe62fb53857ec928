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

#[wasm_bindgen_test]
async fn a_skip_link_leads_past_the_controls_and_the_requests_are_quiet_for_the_keyboard() {
    let root = mount_app("?tutorial=access-package-beta", false).await;
    all_cards_shown(&root).await;
    let skip = get(&root, "a.skip-link");
    assert_eq!(skip.get_attribute("href").as_deref(), Some("#tutorial"));
    assert!(
        find(&root, "main#tutorial[tabindex='-1']").is_some(),
        "the target takes focus"
    );
    // Every skip link's target can take focus, so the next Tab starts there.
    for link in all(&root, "a.skip-link") {
        let target = link.get_attribute("href").expect("an address");
        assert!(
            find(&root, &format!("{target}[tabindex='-1']")).is_some(),
            "{target} takes focus"
        );
    }
    // Variables in requests are not tab stops, and their origin is still in the text a reader hears.
    let chips = all(&root, ".request .var");
    assert!(chips.len() > 20, "the requests have variables");
    assert!(chips.iter().all(|c| !c.has_attribute("tabindex")));
    assert!(chips
        .iter()
        .all(|c| find(c, ".visually-hidden").is_some_and(|h| !text(&h).is_empty())));
    // No landmark per card: the requests are not regions all named alike.
    assert!(all(&root, "section[aria-label='Request']").is_empty());
}
