//! The JSON view: a collapsible tree that builds closed subtrees only when opened, and shows
//! anything that is not JSON as plain text.
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use graphwalk::components::json_view::{JsonView, JsonViewProps};
use wasm_bindgen::JsCast;
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
        for toggle in all(&root, "[aria-expanded='false'] > .json-toggle") {
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
    if let Some(toggle) = find(&root, "[aria-expanded='false'] > .json-toggle") {
        click(&toggle).await;
    }
    assert_eq!(
        all(
            &root,
            ".json-view > .json-line > .json-children > .json-line:not(.json-more)"
        )
        .len(),
        200
    );
    click(&get(&root, ".json-more")).await;
    assert_eq!(
        all(
            &root,
            ".json-view > .json-line > .json-children > .json-line:not(.json-more)"
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

async fn key(element: &web_sys::Element, key: &str) {
    let init = web_sys::KeyboardEventInit::new();
    init.set_key(key);
    init.set_bubbles(true);
    init.set_cancelable(true);
    let event =
        web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
    element.dispatch_event(&event).unwrap();
    yew::scheduler::flush().await;
}

fn focused() -> web_sys::Element {
    gloo_utils::document()
        .active_element()
        .expect("something has focus")
}

/// The WAI-ARIA tree pattern: one tab stop that moves with focus, arrows, Home and End, Right and Left to
/// open, enter, close and leave a branch.
#[wasm_bindgen_test]
async fn the_tree_is_one_tab_stop_and_follows_the_arrow_keys() {
    let root = mount(r#"{"id":"a1","tags":["x","y"],"owner":{"profile":{"name":"deep"}}}"#).await;
    let stops = |root: &web_sys::Element| all(root, "[role=treeitem][tabindex='0']").len();
    assert_eq!(stops(&root), 1, "one tab stop");
    assert!(
        all(&root, ".json-view button").is_empty(),
        "no button inside the tree is a tab stop of its own"
    );
    let first = get(&root, "[role=treeitem][tabindex='0']");
    first
        .unchecked_ref::<web_sys::HtmlElement>()
        .focus()
        .unwrap();

    key(&first, "ArrowDown").await;
    assert!(
        text(&focused()).contains("\"id\""),
        "Down: {}",
        text(&focused())
    );
    assert_eq!(focused().get_attribute("tabindex").as_deref(), Some("0"));
    assert_eq!(stops(&root), 1, "the tab stop moved with focus");

    key(&focused(), "End").await;
    let last = focused();
    // The deepest branch starts closed: it is the last item shown.
    let head = |item: &web_sys::Element| text(&get(item, ":scope > .json-toggle"));
    assert!(head(&last).contains("profile"), "End: the last shown item");
    assert_eq!(
        last.get_attribute("aria-expanded").as_deref(),
        Some("false")
    );

    key(&last, "ArrowRight").await;
    assert_eq!(
        last.get_attribute("aria-expanded").as_deref(),
        Some("true"),
        "Right opens"
    );
    key(&last, "ArrowRight").await;
    assert!(
        text(&focused()).contains("\"deep\""),
        "Right enters: {}",
        text(&focused())
    );
    key(&focused(), "ArrowLeft").await;
    assert!(
        focused().is_same_node(Some(&last)),
        "Left goes to the parent"
    );
    key(&last, "ArrowLeft").await;
    assert_eq!(
        last.get_attribute("aria-expanded").as_deref(),
        Some("false"),
        "Left closes"
    );

    key(&last, "Home").await;
    assert!(focused().is_same_node(Some(&first)), "Home: the first item");
    assert_eq!(stops(&root), 1);
}

/// Two trees on one page (two responses): each key moves within its own tree.
#[wasm_bindgen_test]
async fn keys_stay_within_their_own_tree() {
    let first = mount(r#"{"a":1,"b":2}"#).await;
    let second = mount(r#"{"c":3,"d":4,"e":5}"#).await;
    let root_item = get(&second, "[role=treeitem][tabindex='0']");
    root_item
        .unchecked_ref::<web_sys::HtmlElement>()
        .focus()
        .unwrap();
    key(&root_item, "End").await;
    assert!(text(&focused()).contains("\"e\""), "{}", text(&focused()));
    key(&focused(), "Home").await;
    assert!(
        focused().is_same_node(Some(&root_item)),
        "Home stays in the second tree"
    );
    assert_eq!(
        all(&first, "[role=treeitem][tabindex='0']").len(),
        1,
        "the other tree keeps its tab stop"
    );
    first.remove();
    second.remove();
}

async fn key_with_shift(element: &web_sys::Element, key: &str, shift: bool) {
    let init = web_sys::KeyboardEventInit::new();
    init.set_key(key);
    init.set_shift_key(shift);
    init.set_bubbles(true);
    init.set_cancelable(true);
    let event =
        web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
    element.dispatch_event(&event).unwrap();
    yew::scheduler::flush().await;
}

fn count(root: &web_sys::Element) -> String {
    text(&get(root, ".search-count"))
}

/// The current match's text and the key of the line it is on.
fn current(root: &web_sys::Element) -> (String, String) {
    let mark = get(root, "mark.search-current");
    let line = mark.closest(".json-line").unwrap().unwrap();
    let key = find(&line, ".json-key")
        .map(|k| text(&k))
        .unwrap_or_default();
    (text(&mark), key)
}

const NESTED: &str = r#"{"displayName":"Marketing","owner":{"profile":{"name":"marketing lead","tags":["x","MARKET"]}},"marketingId":7}"#;

#[wasm_bindgen_test]
async fn search_counts_matches_in_keys_and_values_and_opens_the_branch_of_each() {
    let root = mount(NESTED).await;
    let field = get(&root, "input.search-field");
    assert_eq!(count(&root), "", "nothing is said before a search");
    assert!(
        !text(&root).contains("marketing lead"),
        "the deep branch starts closed"
    );
    type_into(&field, "market").await;
    wait_for("the count", std::time::Duration::from_secs(5), || {
        count(&root) == "1 of 4"
    })
    .await;
    assert_eq!(
        get(&root, ".search-count").get_attribute("role").as_deref(),
        Some("status"),
        "the count is announced politely"
    );
    assert_eq!(current(&root), ("Market".into(), "\"displayName\"".into()));

    // Enter goes to the next match: inside the closed branch, which opens.
    key_with_shift(&field, "Enter", false).await;
    wait_for(
        "the second match",
        std::time::Duration::from_secs(5),
        || count(&root) == "2 of 4" && find(&root, "mark.search-current").is_some(),
    )
    .await;
    assert_eq!(current(&root), ("market".into(), "\"name\"".into()));
    assert!(
        text(&root).contains("\"marketing lead\""),
        "its branch opened"
    );

    key_with_shift(&field, "Enter", false).await;
    wait_for("the third match", std::time::Duration::from_secs(5), || {
        count(&root) == "3 of 4" && find(&root, "mark.search-current").is_some()
    })
    .await;
    assert_eq!(
        current(&root),
        ("MARKET".into(), "1".into()),
        "in an array, two levels down"
    );

    // A key matches too; then the count wraps round.
    click(&get(&root, "button.search-next")).await;
    wait_for(
        "the fourth match",
        std::time::Duration::from_secs(5),
        || count(&root) == "4 of 4",
    )
    .await;
    assert_eq!(current(&root).0, "market", "the key \"marketingId\"");
    assert!(
        get(&root, "mark.search-current")
            .closest(".json-key")
            .unwrap()
            .is_some(),
        "the match is in the key"
    );
    key_with_shift(&field, "Enter", false).await;
    wait_for(
        "the first match again",
        std::time::Duration::from_secs(5),
        || count(&root) == "1 of 4",
    )
    .await;

    // Shift+Enter and the Previous button go back.
    key_with_shift(&field, "Enter", true).await;
    wait_for("the last match", std::time::Duration::from_secs(5), || {
        count(&root) == "4 of 4"
    })
    .await;
    click(&get(&root, "button.search-previous")).await;
    wait_for("the third match", std::time::Duration::from_secs(5), || {
        count(&root) == "3 of 4"
    })
    .await;
    assert_eq!(
        all(&root, "mark.search-hit").len(),
        4,
        "every match is marked once its branch is shown"
    );
    root.remove();
}

#[wasm_bindgen_test]
async fn esc_clears_the_search_and_no_matches_is_said() {
    let root = mount(NESTED).await;
    let field = get(&root, "input.search-field");
    type_into(&field, "nowhere").await;
    wait_for("no matches", std::time::Duration::from_secs(5), || {
        count(&root) == "No matches"
    })
    .await;
    assert!(get(&root, "button.search-next").has_attribute("disabled"));
    type_into(&field, "MARKETING").await;
    wait_for("three matches", std::time::Duration::from_secs(5), || {
        count(&root) == "1 of 3"
    })
    .await;
    key_with_shift(&field, "Escape", false).await;
    wait_for(
        "the search to clear",
        std::time::Duration::from_secs(5),
        || count(&root).is_empty() && find(&root, "mark").is_none(),
    )
    .await;
    assert_eq!(
        field.unchecked_ref::<web_sys::HtmlInputElement>().value(),
        "",
        "the field is empty"
    );
    root.remove();
}

#[wasm_bindgen_test]
async fn a_match_past_the_first_page_of_a_long_array_is_shown() {
    let items: Vec<String> = (0..450)
        .map(|i| format!("{{\"n\":\"item-{i}\"}}"))
        .collect();
    let root = mount(&format!("{{\"value\":[{}]}}", items.join(","))).await;
    type_into(&get(&root, "input.search-field"), "item-321\"").await;
    wait_for(
        "the match in view",
        std::time::Duration::from_secs(5),
        || count(&root) == "1 of 1" && find(&root, "mark.search-current").is_some(),
    )
    .await;
    assert_eq!(current(&root), ("item-321\"".into(), "\"n\"".into()));
    root.remove();
}

#[wasm_bindgen_test]
async fn plain_text_is_searched_and_marked_as_text_never_as_markup() {
    let body = "error: <b>bad</b> thing\nanother ERROR <img src=x onerror=\"window.__pwned2=1\">";
    let root = mount(body).await;
    let field = get(&root, "input.search-field");
    type_into(&field, "error").await;
    wait_for("the count", std::time::Duration::from_secs(5), || {
        count(&root) == "1 of 3"
    })
    .await;
    let marks: Vec<String> = all(&root, "pre.json-raw mark").iter().map(text).collect();
    assert_eq!(marks, ["error", "ERROR", "error"]);
    assert_eq!(
        text(&get(&root, "pre.json-raw")),
        body,
        "the text itself is unchanged"
    );
    key_with_shift(&field, "Enter", false).await;
    wait_for(
        "the second match",
        std::time::Duration::from_secs(5),
        || count(&root) == "2 of 3",
    )
    .await;
    assert_eq!(text(&get(&root, "mark.search-current")), "ERROR");

    type_into(&field, "<b>").await;
    wait_for(
        "the markup found",
        std::time::Duration::from_secs(5),
        || count(&root) == "1 of 1",
    )
    .await;
    assert_eq!(text(&get(&root, "mark.search-current")), "<b>");
    assert!(find(&root, "pre b").is_none() && find(&root, "img").is_none());
    let pwned = js_sys::Reflect::get(&gloo_utils::window(), &"__pwned2".into()).unwrap();
    assert!(pwned.is_undefined());
    root.remove();
}
