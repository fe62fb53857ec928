//! `?step=` puts focus on that step's card, also on one that is added after the first paint. In a file
//! of its own, so the page holds just this app and its card ids.
#![cfg(target_arch = "wasm32")]

mod common;

use std::time::Duration;

use common::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn a_step_named_in_the_address_gets_focus_even_below_the_first_cards() {
    let root = mount_app("?tutorial=access-package-beta&step=12", false).await;
    let card = card(&root, 12);
    wait_for("step 12 to have focus", Duration::from_secs(10), || {
        gloo_utils::document().active_element().as_ref() == Some(&card)
    })
    .await;
}
