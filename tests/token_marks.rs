//! Live mode with a pasted token: the cards and the outline mark, before anything is sent, exactly the steps
//! the token lacks a permission for, and none when it has them all.
#![cfg(target_arch = "wasm32")]

mod common;

use std::time::Duration;

use common::*;
use wasm_bindgen_test::*;
use web_sys::Element;

wasm_bindgen_test_configure!(run_in_browser);

const WAIT: Duration = Duration::from_secs(10);

fn jwt(payload: &str) -> String {
    let encoded = web_sys::window()
        .and_then(|w| w.btoa(payload).ok())
        .expect("btoa");
    let encoded = encoded
        .trim_end_matches('=')
        .replace('+', "-")
        .replace('/', "_");
    format!("eyJhbGciOiJub25lIn0.{encoded}.c2ln")
}

async fn paste(root: &Element, scopes: &str) {
    let token = jwt(&format!(
        r#"{{"scp":"{scopes}","tid":"t-1","upn":"ada@contoso.example","exp":4102444800}}"#
    ));
    type_into(&get(root, "#pasted-token"), &token).await;
    submit(&get(root, "#token-form")).await;
    wait_for("the token's claims", WAIT, || {
        find(root, "#token-claims").is_some()
    })
    .await;
    yew::scheduler::flush().await;
}

/// The card ids (`step-N`) of the steps on the chosen path, run by the signed-in account, that need `scope`.
fn steps_needing(root: &Element, scope: &str) -> Vec<String> {
    let tutorial = walkthrough::builtin_catalog()
        .into_iter()
        .find(|t| t.id == "access-package-v1")
        .expect("built in")
        .load();
    tutorial
        .steps
        .iter()
        .enumerate()
        .filter(|(i, s)| {
            s.run_as.is_none()
                && s.scopes.iter().any(|sc| sc == scope)
                && card(root, i + 1).get_attribute("data-status").as_deref() != Some("off-path")
        })
        .map(|(i, _)| format!("step-{}", i + 1))
        .collect()
}

fn marked_cards(root: &Element) -> Vec<String> {
    all(root, "li.step[data-lacks]")
        .iter()
        .map(|c| c.id())
        .collect()
}

fn marked_rail(root: &Element) -> Vec<String> {
    all(root, "#step-rail a[data-lacks]")
        .iter()
        .filter_map(|a| a.get_attribute("href"))
        .map(|href| href.trim_start_matches('#').to_string())
        .collect()
}

#[wasm_bindgen_test]
async fn a_pasted_token_lacking_a_scope_marks_exactly_the_steps_that_need_it() {
    clear_storage();
    let root = mount_app("?mode=live&tutorial=access-package-v1", false).await;
    assert!(
        marked_cards(&root).is_empty(),
        "nothing is marked before a token"
    );
    paste(
        &root,
        "User.Read User.ReadWrite.All Group.ReadWrite.All RoleManagement.ReadWrite.Directory EntitlementManagement.Read.All",
    )
    .await;
    let expected = steps_needing(&root, "EntitlementManagement.ReadWrite.All");
    assert!(expected.len() >= 4, "{expected:?}");
    wait_for("the marks", WAIT, || marked_cards(&root) == expected).await;
    assert_eq!(
        marked_rail(&root),
        expected,
        "the outline marks the same steps"
    );

    let first = get(&root, &format!("#{}", expected[0]));
    let warning = text(&get(&first, ".lacks"));
    assert!(
        warning.contains("This token lacks EntitlementManagement.ReadWrite.All"),
        "{warning}"
    );
    assert!(
        warning.contains("A pasted token cannot be given more permissions"),
        "{warning}"
    );
    let link = get(&root, &format!("#step-rail a[href=\"#{}\"]", expected[0]));
    assert!(
        text(&link).contains("the token lacks a permission it needs"),
        "the mark has words: {}",
        text(&link)
    );
    // A read step is covered by the token's EntitlementManagement.Read.All: no mark, no warning.
    let read = steps_needing(&root, "EntitlementManagement.Read.All");
    assert!(!read.is_empty());
    for id in &read {
        assert!(find(&root, &format!("#{id} .lacks")).is_none(), "{id}");
    }
    clear_storage();
}

#[wasm_bindgen_test]
async fn a_pasted_token_with_every_scope_marks_nothing() {
    clear_storage();
    let root = mount_app("?mode=live&tutorial=access-package-v1", false).await;
    paste(
        &root,
        "User.Read User.ReadWrite.All Group.ReadWrite.All RoleManagement.ReadWrite.Directory EntitlementManagement.ReadWrite.All",
    )
    .await;
    assert!(marked_cards(&root).is_empty(), "{:?}", marked_cards(&root));
    assert!(marked_rail(&root).is_empty(), "{:?}", marked_rail(&root));
    assert!(find(&root, ".lacks").is_none());
    clear_storage();
}
