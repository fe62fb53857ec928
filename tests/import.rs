//! A Microsoft Graph docs page pasted into Load… becomes runnable cards, with a review of its inferred links;
//! the sandbox says which steps it cannot answer before anything is sent; nothing from the page is markup.
#![cfg(target_arch = "wasm32")]

mod common;

use std::time::Duration;

use common::*;
use wasm_bindgen_test::*;
use web_sys::Element;

wasm_bindgen_test_configure!(run_in_browser);

const TIMEOUT: Duration = Duration::from_secs(60);
const ACCESS_PACKAGE: &str =
    include_str!("../crates/walkthrough/tests/import-pages/access-package.md");
const ACCESS_REVIEWS: &str =
    include_str!("../crates/walkthrough/tests/import-pages/access-reviews-group.md");

async fn paste(root: &Element, markdown: &str) {
    click(&get(root, "details.load-tutorial summary")).await;
    type_into(&get(root, "#tutorial-paste"), markdown).await;
    submit(&get(root, "form.paste-form")).await;
}

#[wasm_bindgen_test]
async fn a_pasted_docs_page_becomes_cards_that_run_in_the_sandbox() {
    clear_storage();
    let root = mount_app("", false).await;
    paste(&root, ACCESS_PACKAGE).await;
    let imported = walkthrough::import_docs(ACCESS_PACKAGE).expect("the page imports natively too");
    let steps = imported.tutorial.steps.len();
    wait_for("the imported tutorial's cards", TIMEOUT, || {
        all(&root, "ol.steps > li.step").len() == steps && find(&root, "#import-review").is_some()
    })
    .await;
    for (i, step) in imported.tutorial.steps.iter().enumerate() {
        assert_eq!(
            text(&get(&card(&root, i + 1), "h3")),
            step.title,
            "card {}",
            i + 1
        );
    }
    // The review lists every link, least sure first, and says the sandbox answers every step.
    let rows = all(&root, "#import-review table.links tbody tr");
    assert_eq!(rows.len(), imported.links.len());
    let first = rows[0].get_attribute("class").unwrap_or_default();
    assert!(
        first.split_whitespace().any(|c| c == "low"),
        "least sure first: {first}"
    );
    let coverage = text(&get(&root, "#import-coverage"));
    assert!(
        coverage.contains(&format!("answers {steps} of {steps} steps")),
        "{coverage}"
    );
    assert!(find(&root, ".sandbox-gap").is_none());
    let plan = text(&get(&root, "#import-cleanup"));
    assert!(
        plan.contains("(inferred)") && plan.contains("(the page's own removal)"),
        "{plan}"
    );

    // One step is on the other path (the administrator's assignment instead of the requestor's own).
    let on_path = steps - 1;
    assert_eq!(
        text(&get(&root, "#progress-text")),
        format!("0/{on_path} passed")
    );
    click(&get(&root, "#run-all")).await;
    let want = format!("{on_path}/{on_path} passed");
    wait_for("every imported step to pass", TIMEOUT, || {
        text(&get(&root, "#progress-text")) == want
    })
    .await;
    // The page's own removals became cleanup: the run has objects to remove, and removes them.
    let clean_up = get(&root, "#clean-up");
    assert!(
        text(&clean_up).contains("Clean up ("),
        "{}",
        text(&clean_up)
    );
    click(&clean_up).await;
    wait_for("cleanup to finish", TIMEOUT, || {
        text(&get(&root, "#clean-up")) == "Clean up"
    })
    .await;
}

#[wasm_bindgen_test]
async fn a_step_the_sandbox_cannot_answer_says_so_and_is_not_sent() {
    clear_storage();
    let root = mount_app("", false).await;
    paste(&root, ACCESS_REVIEWS).await;
    wait_for("the imported review", TIMEOUT, || {
        find(&root, "#import-review").is_some()
    })
    .await;
    let coverage = text(&get(&root, "#import-coverage"));
    assert!(coverage.contains("Only live mode can run"), "{coverage}");
    // The access-review definition: said on its card before anything is sent.
    let cards = all(&root, "ol.steps > li.step");
    let review_card = cards
        .iter()
        .position(|c| text(c).contains("/identityGovernance/accessReviews/definitions"))
        .map(|i| i + 1)
        .expect("a card that creates the review");
    let gap = get(&card(&root, review_card), ".sandbox-gap");
    assert!(text(&gap).contains("Live mode only"), "{}", text(&gap));
    // Running such a step anyway: refused in the page, with no answer made up and nothing sent.
    let mail =
        "## Read my mail\n\n<!-- { \"blockType\": \"request\", \"name\": \"mail\" } -->\n```http\n\
        GET https://graph.microsoft.com/v1.0/me/messages\n```\n";
    paste(&root, mail).await;
    wait_for("the mail card", TIMEOUT, || {
        all(&root, "ol.steps > li.step").len() == 1
            && find(&card(&root, 1), ".sandbox-gap").is_some()
    })
    .await;
    click(&get(&card(&root, 1), "button.run-step")).await;
    wait_for("the step to fail", TIMEOUT, || {
        status_of(&root, 1) == "failed"
    })
    .await;
    let error = text(&card(&root, 1));
    assert!(
        error.contains("the sandbox cannot answer this request"),
        "{error}"
    );
    assert!(error.contains("Nothing was sent"), "{error}");
}

#[wasm_bindgen_test]
async fn nothing_from_a_pasted_page_becomes_markup_and_a_link_can_be_corrected() {
    clear_storage();
    let root = mount_app("", false).await;
    let page = "# Page <img id=\"injected-title\" src=x>\n\n## Make a group <b id=\"injected-heading\">bold</b>\n\n\
        Prose with <script id=\"injected-script\">window.hacked = 1</script> in it.\n\n\
        <!-- { \"blockType\": \"request\", \"name\": \"make\" } -->\n```http\nPOST https://graph.microsoft.com/v1.0/groups\n\
        Content-Type: application/json\n\n{\"displayName\": \"<i id=\\\"injected-body\\\">G</i>\", \"mailEnabled\": false, \
        \"mailNickname\": \"g\", \"securityEnabled\": true}\n```\n\n\
        <!-- { \"blockType\": \"response\" } -->\n```http\nHTTP/1.1 201 Created\n\n{\"id\": \"e93e24d1-2b65-4a6c-a1dd-654a12225487\"}\n```\n\n\
        ## Read it\n\n<!-- { \"blockType\": \"request\", \"name\": \"read\" } -->\n```http\n\
        GET https://graph.microsoft.com/v1.0/groups/e93e24d1-2b65-4a6c-a1dd-654a12225487\n```\n";
    paste(&root, page).await;
    wait_for("the imported review", TIMEOUT, || {
        find(&root, "#import-review").is_some()
    })
    .await;
    for id in [
        "injected-title",
        "injected-heading",
        "injected-script",
        "injected-body",
    ] {
        assert!(
            find(&root, &format!("#{id}")).is_none(),
            "{id} was inserted as markup"
        );
    }
    assert!(text(&card(&root, 1)).contains("<b id=\"injected-heading\">"));
    // Correct the group's JSONPath in the review: the tutorial is reloaded with it.
    let field = get(&root, "#import-review .link-edit input");
    type_into(&field, "$['id']").await;
    submit(&get(&root, "#import-review .link-edit")).await;
    wait_for("the corrected link", TIMEOUT, || {
        text(&get(&root, "#import-review")).contains("set by you")
    })
    .await;
    assert!(find(&root, "#import-review .error").is_none());
    // A JSONPath with a double quote is refused where it was typed.
    let field = get(&root, "#import-review .link-edit input");
    type_into(&field, "$[\"id\"]").await;
    submit(&get(&root, "#import-review .link-edit")).await;
    wait_for("the refusal", TIMEOUT, || {
        find(&root, "#import-review .error").is_some()
    })
    .await;
}

#[wasm_bindgen_test]
async fn a_docs_page_at_an_address_in_src_opens_imported() {
    clear_storage();
    let data = format!(
        "data:text/markdown;charset=utf-8,{}",
        String::from(js_sys::encode_uri_component(ACCESS_REVIEWS))
    );
    let query = format!("?src={}", String::from(js_sys::encode_uri_component(&data)));
    let root = mount_app(&query, false).await;
    wait_for("the imported page from src=", TIMEOUT, || {
        find(&root, "#import-review").is_some()
            && find(&root, "li.step h3").is_some_and(|h| text(&h) == "Look up the tenant's domain")
    })
    .await;
    // Its untraced ids are inputs, listed first in the review.
    let first = all(&root, "#import-review table.links tbody tr")
        .first()
        .map(text)
        .unwrap_or_default();
    assert!(first.contains("input."), "{first}");
}
