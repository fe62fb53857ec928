//! The in-page sandbox's journal (what a reload replays) starts again once a run has been cleaned up,
//! so it does not grow run after run.
#![cfg(target_arch = "wasm32")]

use graphwalk::services::in_page_sandbox::InPageSandbox;
use graphwalk::services::transport::{Outgoing, Transport};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn request(method: &str, uri: &str, body: &str) -> Outgoing {
    http::Request::builder()
        .method(method)
        .uri(uri)
        .header("content-type", "application/json")
        .body(body.to_string())
        .expect("a request")
        .into()
}

#[wasm_bindgen_test]
async fn the_journal_starts_again_when_the_tenant_is_back_to_its_seed() {
    let sandbox = InPageSandbox::load_or_new(false, 0, Some(0), Some(7));
    let id = create_user(&sandbox, "journal-test").await;

    sandbox.save();
    assert_eq!(
        sandbox.journal_len(),
        1,
        "a user beyond the seed keeps its history"
    );

    delete_user(&sandbox, &id).await;
    sandbox.save();
    assert_eq!(
        sandbox.journal_len(),
        0,
        "nothing beyond the seed: the journal starts again"
    );
}

fn new_user(domain: &str, nickname: &str) -> String {
    format!(
        r#"{{"accountEnabled":true,"displayName":"{nickname}","mailNickname":"{nickname}",
            "userPrincipalName":"{nickname}@{domain}","passwordProfile":{{"password":"Xy7!long-enough-pass"}}}}"#
    )
}

async fn create_user(sandbox: &InPageSandbox, nickname: &str) -> String {
    let domain = sandbox
        .default_domain()
        .expect("the linked tenant is there at once");
    let created = sandbox
        .send(request(
            "POST",
            "https://graph.microsoft.com/v1.0/users",
            &new_user(&domain, nickname),
        ))
        .await
        .expect("a response");
    assert_eq!(created.status(), 201, "{}", created.body());
    serde_json::from_str::<serde_json::Value>(created.body()).expect("json")["id"]
        .as_str()
        .expect("an id")
        .to_string()
}

async fn delete_user(sandbox: &InPageSandbox, id: &str) {
    let deleted = sandbox
        .send(request(
            "DELETE",
            &format!("https://graph.microsoft.com/v1.0/users/{id}"),
            "",
        ))
        .await
        .expect("a response");
    assert_eq!(deleted.status(), 204, "{}", deleted.body());
}

#[wasm_bindgen_test]
async fn what_is_created_after_the_journal_starts_again_is_there_after_a_reload() {
    let storage = web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .expect("local storage");
    storage.remove_item("graphwalk.sandbox").expect("cleared");

    // A run that creates and removes, then another run without a pause for a save in between.
    let sandbox = InPageSandbox::load_or_new(true, 0, Some(0), Some(11));
    let first = create_user(&sandbox, "first-run").await;
    delete_user(&sandbox, &first).await;
    assert_eq!(sandbox.journal_len(), 0, "the removal left only the seed");
    let second = create_user(&sandbox, "second-run").await;
    sandbox.save();

    // The reloaded page rebuilds the tenant from the journal: the second run's user has the same id there.
    let reloaded = InPageSandbox::load_or_new(true, 0, Some(0), None);
    let found = reloaded
        .send(request(
            "GET",
            &format!("https://graph.microsoft.com/v1.0/users/{second}"),
            "",
        ))
        .await
        .expect("a response");
    storage.remove_item("graphwalk.sandbox").expect("cleared");
    assert_eq!(found.status(), 200, "{}", found.body());
}
