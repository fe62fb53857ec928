//! Copy as…: a step's request copied as a curl or PowerShell command with the card's values, the token
//! left out, and feedback after copying (or the command to copy by hand when the browser refuses).
#![cfg(target_arch = "wasm32")]

mod common;

use std::time::Duration;

use common::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const RUN_TIMEOUT: Duration = Duration::from_secs(30);

/// Replaces the clipboard: what is written is kept in `window.__copied`; `accept` false refuses it.
fn stub_clipboard(accept: bool) {
    let install = js_sys::Function::new_with_args(
        "accept",
        "window.__copied = undefined;
         Object.defineProperty(navigator, 'clipboard', { configurable: true, value: {
           writeText: (text) => { window.__copied = text;
             return accept ? Promise.resolve() : Promise.reject(new Error('denied')); } } });",
    );
    install
        .call1(&JsValue::NULL, &JsValue::from_bool(accept))
        .expect("the clipboard is replaced");
}

fn copied() -> Option<String> {
    js_sys::Reflect::get(&gloo_utils::window(), &"__copied".into())
        .ok()
        .and_then(|v| v.as_string())
}

/// Opens the card's Copy as… popover and presses one of its buttons.
async fn copy_as(card: &web_sys::Element, button: &str) {
    let summary = get(card, ".copy-as > summary");
    click(&summary).await;
    assert!(
        get(card, "details.copy-as").has_attribute("open"),
        "the popover opened"
    );
    click(&get(card, &format!(".copy-as {button}"))).await;
}

fn feedback(card: &web_sys::Element) -> String {
    text(&get(card, ".copy-as-feedback"))
}

#[wasm_bindgen_test]
async fn copy_as_curl_copies_the_cards_values_without_the_token_and_says_so() {
    stub_clipboard(true);
    let root = mount_app("?tutorial=access-package-beta", false).await;
    let second = card(&root, 2);
    let summary = get(&second, ".copy-as > summary");
    assert_eq!(
        summary.get_attribute("aria-label").as_deref(),
        Some("Copy as… step 2's request")
    );
    assert_eq!(
        get(&second, ".copy-as-feedback")
            .get_attribute("role")
            .as_deref(),
        Some("status")
    );

    // Before step 1 has run, the domain is not known: the command asks for it.
    copy_as(&second, ".copy-curl").await;
    wait_for("the copy to be confirmed", RUN_TIMEOUT, || {
        feedback(&second) == "Copied step 2 as a curl command."
    })
    .await;
    let command = copied().expect("something was copied");
    assert!(
        command.starts_with("# Step 2: Create the test administrator\n"),
        "{command}"
    );
    assert!(
        command.contains("curl -sS -X POST \"https://graph.microsoft.com/beta/users\""),
        "{command}"
    );
    assert!(
        command.contains("-H \"Authorization: Bearer ${TOKEN}\""),
        "{command}"
    );
    assert!(
        command.contains(": \"${domain:?set domain first, step 1 captures it}\""),
        "{command}"
    );
    assert!(
        command.contains("${json_run_password}"),
        "the password stays a variable: {command}"
    );
    assert!(
        !command.to_ascii_lowercase().contains("bearer ey"),
        "{command}"
    );
    // Done, the popover closes and focus is back on its summary.
    assert!(!get(&second, "details.copy-as").has_attribute("open"));
    assert!(
        gloo_utils::document()
            .active_element()
            .is_some_and(|a| a.is_same_node(Some(&summary))),
        "focus is back on Copy as…"
    );

    // Once step 1 has run, its value is in the command as the card shows it.
    click(&get(&card(&root, 1), "button.run-step")).await;
    wait_for("step 1 to pass", RUN_TIMEOUT, || {
        status_of(&root, 1) == "passed"
    })
    .await;
    let domain = text(&get(&second, "[data-var='domain'] .var-value"));
    assert!(domain.contains('.'), "{domain}");
    copy_as(&second, ".copy-curl").await;
    wait_for("the second copy", RUN_TIMEOUT, || {
        copied().is_some_and(|c| c.contains(&domain))
    })
    .await;
    let command = copied().unwrap_or_default();
    assert!(!command.contains("${domain"), "{command}");
    assert!(command.contains(&format!("@{domain}\\\"")), "{command}");
    root.remove();
}

#[wasm_bindgen_test]
async fn a_step_of_the_requestor_copies_as_powershell_with_the_requestors_token() {
    stub_clipboard(true);
    let root = mount_app("?tutorial=access-package-beta", false).await;
    let requestors = all(&root, "li.step")
        .into_iter()
        .find(|c| find(c, ".runs-as").is_some())
        .expect("a step runs as the requestor");
    assert!(
        text(&get(&requestors, ".copy-as .popover-panel")).contains("TOKEN_REQUESTOR"),
        "the popover says which token the command reads"
    );
    copy_as(&requestors, ".copy-powershell").await;
    wait_for("the copy to be confirmed", RUN_TIMEOUT, || {
        feedback(&requestors).contains("as a PowerShell command")
    })
    .await;
    let command = copied().expect("something was copied");
    assert!(
        command.contains("Authorization = ('Bearer ' + $env:TOKEN_REQUESTOR)"),
        "{command}"
    );
    assert!(command.contains("Invoke-RestMethod @request"), "{command}");
    assert!(!command.contains("$env:TOKEN)"), "{command}");
    root.remove();
}

#[wasm_bindgen_test]
async fn a_refused_copy_shows_the_command_selected_to_copy_by_hand() {
    stub_clipboard(false);
    let root = mount_app("?tutorial=access-package-beta", false).await;
    let first = card(&root, 1);
    copy_as(&first, ".copy-curl").await;
    wait_for("the refusal", RUN_TIMEOUT, || {
        feedback(&first).contains("did not allow")
    })
    .await;
    let area = get(&first, "textarea.copy-manual");
    let area = area.unchecked_ref::<web_sys::HtmlTextAreaElement>();
    assert!(area.value().starts_with("# Step 1: "), "{}", area.value());
    assert!(area.value().contains("curl -sS -X GET"), "{}", area.value());
    assert!(
        get(&first, "details.copy-as").has_attribute("open"),
        "it stays open"
    );
    wait_for("the command to be selected", RUN_TIMEOUT, || {
        gloo_utils::document()
            .active_element()
            .is_some_and(|a| a.is_same_node(Some(area)))
            && area.selection_end().ok().flatten()
                == Some(area.value().encode_utf16().count() as u32)
    })
    .await;
    root.remove();
}
