//! HTML and script in tutorials and responses render as text everywhere: cards, prose, notes, headers, the
//! JSON view, captured values, the variables, cleanup and sandbox panels, and Graph error boxes. None runs:
//! each payload's own global flag stays unset and no element a payload describes exists in the page.
#![cfg(target_arch = "wasm32")]

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use common::*;
use walkthrough::{export, ExportFormat};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;
use web_sys::Element;

wasm_bindgen_test_configure!(run_in_browser);

const TIMEOUT: Duration = Duration::from_secs(30);

/// A tutorial with a payload in every place a tutorial can carry text: title, introduction, link, step
/// titles, prose, note, a header, the body (and so the response, the captured value and the tenant), and
/// an address whose id Graph echoes back in its error message.
const INJECTED: &str = r#"---
id: injected
title: Injected <img id=inj-title src=x onerror="window.__pwned_title=1">
api: v1.0
base: https://graph.microsoft.com/v1.0
scopes: Group.ReadWrite.All
---

Intro <script id=inj-intro>window.__pwned_intro=1</script>, [a link](javascript:window.__pwned_link=1) and
<a id=inj-anchor href="javascript:window.__pwned_anchor=1">an anchor</a>.

## Create <svg id=inj-step onload="window.__pwned_step=1"></svg> {#group}

Prose with <img id=inj-prose src=x onerror="window.__pwned_prose=1"> and **<b id=inj-bold>bold</b>**.

> **Note:** <iframe id=inj-note srcdoc="<script>parent.__pwned_note=1</script>"></iframe>

```http
POST {{base}}/groups
Content-Type: application/json
X-Note: <img id=inj-header src=x onerror="window.__pwned_header=1">

{
  "displayName": "<img id=inj-name src=x onerror=\"window.__pwned_name=1\"> {{run.tag}}",
  "description": "<script id=inj-desc>window.__pwned_desc=1</script>",
  "mailEnabled": false,
  "mailNickname": "inj-{{run.tag}}",
  "securityEnabled": true
}
```

```walk
[Captures]
group_id: jsonpath "$.id" as group
group_name: jsonpath "$.displayName"
[Asserts]
status == 201
[Cleanup]
DELETE {{base}}/groups/{{group_id}}
```

## Read a group that is not there <img id=inj-step2 src=x onerror="window.__pwned_step2=1"> {#missing}

```http
GET {{base}}/groups/%3Cimg%20id%3Dinj-err%20src%3Dx%20onerror%3Dwindow.__pwned_err%3D1%3E
```

```walk
[Options]
after: group
[Asserts]
status == 200
```
"#;

/// The payloads in `text`, by name: each is marked `inj-NAME` (the id of the element it would create) and,
/// when it carries script, `__pwned_NAME` (the global it would set if it ran).
fn payload_names(text: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for marker in ["inj-", "__pwned_"] {
        for rest in text.split(marker).skip(1) {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect();
            if !name.is_empty() {
                names.insert(name);
            }
        }
    }
    names
}

/// The payloads among `names` that ran (set their global) or became markup (their element is in the page).
fn executed(names: &BTreeSet<String>) -> Vec<String> {
    let document = gloo_utils::document();
    names
        .iter()
        .filter(|name| {
            let flag = js_sys::Reflect::get(
                &js_sys::global(),
                &JsValue::from_str(&format!("__pwned_{name}")),
            )
            .map(|v| !v.is_undefined())
            .unwrap_or(true);
            flag || document.get_element_by_id(&format!("inj-{name}")).is_some()
        })
        .cloned()
        .collect()
}

/// Active elements the app itself never renders: any of them in the page means markup got through.
fn active_elements(root: &Element) -> Vec<String> {
    all(
        root,
        "script, img, iframe, object, embed, style, a[href^=javascript]",
    )
    .iter()
    .map(|e| e.outer_html())
    .collect()
}

/// Opens every collapsed part of the page so its text is in the DOM: details (some build their content only
/// once open), then the JSON trees' toggles.
async fn open_everything(root: &Element) {
    for details in all(root, "details:not([open])") {
        details.set_attribute("open", "").expect("open details");
    }
    wait_for("opened sections to render", TIMEOUT, || {
        all(root, "details").iter().all(|d| {
            let summary = find(d, "summary").map(|s| text(&s)).unwrap_or_default();
            text(d).len() > summary.len()
        })
    })
    .await;
    for _ in 0..6 {
        for toggle in all(root, "[aria-expanded=\"false\"] > .json-toggle") {
            click(&toggle).await;
        }
    }
}

/// Prints how many payloads went in and how many ran or became markup, then fails naming any that did, and
/// any active element in the page.
fn report(what: &str, names: &BTreeSet<String>, root: &Element) {
    let ran = executed(names);
    web_sys::console::log_1(
        &format!(
            "injection ({what}): payloads tried {}, executed {}",
            names.len(),
            ran.len()
        )
        .into(),
    );
    assert_eq!(
        ran,
        Vec::<String>::new(),
        "{what}: payloads that ran or became markup"
    );
    assert_eq!(
        active_elements(root),
        Vec::<String>::new(),
        "{what}: active elements in the page"
    );
}

fn data_url(text: &str) -> String {
    format!(
        "data:text/markdown;charset=utf-8,{}",
        String::from(js_sys::encode_uri_component(text))
    )
}

#[wasm_bindgen_test]
async fn payloads_in_a_tutorial_and_its_responses_render_as_text() {
    let root = mount_app("?tutorial=access-package-v1", false).await;
    type_into(&get(&root, "#tutorial-url"), &data_url(INJECTED)).await;
    submit(&get(&root, "form.url-form")).await;
    wait_for("the tutorial to load", TIMEOUT, || {
        find(&root, "#step-1").is_some_and(|c| text(&c).contains("Create <svg"))
    })
    .await;

    click(&get(&root, "#run-all")).await;
    wait_for("both steps to finish", TIMEOUT, || {
        status_of(&root, 1) == "passed" && status_of(&root, 2) == "failed"
    })
    .await;
    open_everything(&root).await;
    let page = text(&root);
    for shown in [
        "Injected <img id=inj-title",
        "<script id=inj-intro>",
        "Create <svg id=inj-step",
        "<img id=inj-prose",
        "<iframe id=inj-note",
        "<img id=inj-header",
        "<img id=inj-name",
        "<script id=inj-desc>",
        "<img id=inj-step2",
        "<img id=inj-err",
    ] {
        assert!(page.contains(shown), "shown as text: {shown}");
    }
    // The captured name is in the variables panel, and the tenant's listing holds the group, as text.
    let variables = text(&get(&root, ".variables"));
    assert!(variables.contains("<img id=inj-name"), "{variables}");
    assert!(text(&get(&root, ".sandbox")).contains("<img id=inj-name"));
    // Graph's error message echoes the id from the address, as text in the error box.
    let error = text(&get(&card(&root, 2), ".error-box"));
    assert!(error.contains("<img id=inj-err"), "{error}");

    // The request editor shows the payloads in its fields, as values.
    click(&get(&card(&root, 1), ".edit-request")).await;
    let body = get(&root, "#step-1-body");
    let value = body
        .dyn_ref::<web_sys::HtmlTextAreaElement>()
        .map(|t| t.value())
        .unwrap_or_default();
    assert!(value.contains("<script id=inj-desc>"));
    click(&get(
        &card(&root, 1),
        ".editor-actions button[type=button]:not(.link)",
    ))
    .await;

    click(&get(&root, "#clean-up")).await;
    wait_for("cleanup to finish", TIMEOUT, || {
        find(&root, ".cleanup-summary").is_some_and(|s| text(&s).contains("removed"))
    })
    .await;
    open_everything(&root).await;

    report(
        "tutorial and sandbox responses",
        &payload_names(INJECTED),
        &root,
    );
}

#[wasm_bindgen_test]
async fn a_hostile_graph_error_renders_as_text_and_stays_out_of_the_exports_as_markup() {
    clear_storage();
    let now = js_sys::Date::now() as u64;
    let body = serde_json::json!({
        "error": {
            "code": "<img id=inj-code src=x onerror=\"window.__pwned_code=1\">",
            "message": "<script id=inj-message>window.__pwned_message=1</script>",
            "innerError": { "request-id": "<svg id=inj-inner onload=\"window.__pwned_inner=1\"></svg>" }
        }
    });
    let response = http::Response::builder()
        .status(400)
        .header("content-type", "application/json")
        .header(
            "request-id",
            "<img id=inj-requestid src=x onerror=\"window.__pwned_requestid=1\">",
        )
        .header(
            "x-note",
            "<iframe id=inj-xnote srcdoc=\"<script>parent.__pwned_xnote=1</script>\"></iframe>",
        )
        .header("location", "javascript:window.__pwned_location=1")
        .body(body.to_string())
        .expect("a response");
    // The payloads as the response carries them, in its headers and body.
    let carried: String = response
        .headers()
        .values()
        .filter_map(|v| v.to_str().ok())
        .chain([response.body().as_str()])
        .collect::<Vec<_>>()
        .join("\n");
    let names = payload_names(&carried);
    let run = beta_run_with_first_answer(response, now);
    let (root, handle) = mount_over_saved_run(&run, now, "?tutorial=access-package-beta").await;
    wait_for("the failed step to show", TIMEOUT, || {
        find(&root, "#step-1 .error-box").is_some()
    })
    .await;
    open_everything(&root).await;
    let shown = text(&card(&root, 1));
    for payload in [
        "<img id=inj-code",
        "<script id=inj-message>",
        "<img id=inj-requestid",
        "<iframe id=inj-xnote",
        "javascript:window.__pwned_location=1",
    ] {
        assert!(shown.contains(payload), "shown as text: {payload}");
    }

    // Exports are plain text files; a payload in a response never becomes part of one's markup or code.
    for format in [
        ExportFormat::Http,
        ExportFormat::Curl,
        ExportFormat::PowerShell,
        ExportFormat::Hurl,
    ] {
        let exported = export(&run, format);
        assert!(
            !exported.contains("inj-"),
            "{format:?} carries no response text"
        );
    }

    report("hostile Graph error", &names, &root);
    handle.destroy();
    clear_storage();
}
