//! Bad input through the UI and the tutorial loader: request bodies, addresses and methods in the request
//! editor, values typed into the variables panel, broken tutorial files, and responses that are not what a
//! step expects. Each is reported where it happened, the sandbox answers no request it should not, and a
//! normal step still runs afterwards.
#![cfg(target_arch = "wasm32")]

mod common;

use std::time::Duration;

use common::*;
use graphwalk::App;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::Element;

wasm_bindgen_test_configure!(run_in_browser);

const TIMEOUT: Duration = Duration::from_secs(30);
const BETA: &str = "?tutorial=access-package-beta";

/// How many requests the in-page sandbox has answered, from the sandbox panel.
fn requests(root: &Element) -> u64 {
    text(&get(root, "#fault-stats"))
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .expect("the sandbox panel counts requests")
}

fn figures(what: &str, tried: usize, handled: usize) {
    web_sys::console::log_1(
        &format!("bad input ({what}): cases tried {tried}, handled {handled}").into(),
    );
}

async fn run_step(root: &Element, n: usize) {
    click(&get(&card(root, n), "button.run-step")).await;
    wait_for(&format!("step {n} to pass"), TIMEOUT, || {
        status_of(root, n) == "passed"
    })
    .await;
}

/// Opens step `n`'s request editor, changes the fields given, and saves.
async fn edit(
    root: &Element,
    n: usize,
    method: Option<&str>,
    url: Option<&str>,
    body: Option<&str>,
) {
    if find(root, &format!("#step-{n}-body")).is_none() {
        click(&get(&card(root, n), ".edit-request")).await;
    }
    if let Some(method) = method {
        type_into(&get(root, &format!("#step-{n}-method")), method).await;
    }
    if let Some(url) = url {
        type_into(&get(root, &format!("#step-{n}-url")), url).await;
    }
    if let Some(body) = body {
        type_into(&get(root, &format!("#step-{n}-body")), body).await;
    }
    submit(&get(&card(root, n), "form.request-editor")).await;
}

async fn close_editor(root: &Element, n: usize) {
    if let Some(cancel) = find(
        &card(root, n),
        ".editor-actions button[type=button]:not(.link)",
    ) {
        click(&cancel).await;
    }
}

async fn revert_edits(root: &Element, n: usize) {
    click(&get(&card(root, n), ".edit-request")).await;
    click(&get(&card(root, n), ".editor-actions button.link")).await;
}

#[wasm_bindgen_test]
async fn the_request_editor_refuses_bad_bodies_addresses_and_methods_and_sends_nothing() {
    let root = mount_app(BETA, false).await;
    run_step(&root, 1).await;
    let sent = requests(&root);
    let original_url = text(&get(&card(&root, 2), ".request-line .url"));
    let (mut tried, mut handled) = (0, 0);

    let deep = format!("{}{}", "[".repeat(5_000), "]".repeat(5_000));
    let huge = format!("{{\"displayName\": \"{}\",}}", "x".repeat(1_000_000));
    let bodies: Vec<(&str, String)> = vec![
        ("a trailing comma", r#"{"a": 1,}"#.into()),
        ("an unclosed object", r#"{"a": 1"#.into()),
        ("single quotes", "{'a': 1}".into()),
        ("an unquoted key", "{a: 1}".into()),
        ("plain text", "hello".into()),
        ("a missing comma", r#"{"a": 1 "b": 2}"#.into()),
        ("a comment", "{\"a\": 1 // note\n}".into()),
        ("NaN", r#"{"a": NaN}"#.into()),
        ("an unterminated string", r#"{"a": "x}"#.into()),
        ("two documents", "{} {}".into()),
        ("an unclosed variable", r#"{"a": "{{run.tag"}"#.into()),
        ("5000 levels of nesting", deep),
        ("a megabyte body with a mistake at its end", huge),
    ];
    for (what, body) in &bodies {
        tried += 1;
        edit(&root, 2, None, None, Some(body)).await;
        // Refused in the editor before anything else sees it, or by the run, on the card.
        let error = match find(&root, "#step-2-body-error") {
            Some(field) => text(&field),
            None => find(&card(&root, 2), ".error-box")
                .map(|e| text(&e))
                .unwrap_or_default(),
        };
        let refused = (error.contains("not valid JSON") && error.contains("Nothing was sent"))
            || error.contains("expected `}}` to close `{{`");
        assert!(refused, "{what}: {error}");
        assert_eq!(requests(&root), sent, "{what}: nothing was sent");
        handled += 1;
        close_editor(&root, 2).await;
    }

    let addresses = [
        ("https://evil.example.com/beta/users", "evil.example.com"),
        (
            "https://graph.microsoft.com.evil.example.com/beta/users",
            "graph.microsoft.com.evil.example.com",
        ),
        (
            "http://graph.microsoft.com/beta/users",
            "http://graph.microsoft.com",
        ),
        ("/beta/users", "full URL"),
        ("javascript:alert(1)", "full URL"),
        ("{{base}}/users/{{oops", "}}"),
    ];
    for (url, named) in addresses {
        tried += 1;
        edit(&root, 2, None, Some(url), None).await;
        let error = find(&card(&root, 2), ".error-box")
            .map(|e| text(&e))
            .unwrap_or_default();
        assert!(error.contains(named), "{url}: the card says why: {error}");
        assert_eq!(
            text(&get(&card(&root, 2), ".request-line .url")),
            original_url,
            "{url}: the request is unchanged"
        );
        assert_eq!(requests(&root), sent, "{url}: nothing was sent");
        handled += 1;
    }

    for method in ["G E T", "", "P0ST"] {
        tried += 1;
        edit(&root, 2, Some(method), None, None).await;
        let error = find(&card(&root, 2), ".error-box")
            .map(|e| text(&e))
            .unwrap_or_default();
        assert!(
            error.contains("is not an HTTP method"),
            "{method:?}: {error}"
        );
        assert_eq!(requests(&root), sent);
        handled += 1;
    }

    // A variable nothing provides: the step waits for it, names it, and sends nothing.
    tried += 1;
    edit(
        &root,
        2,
        Some("GET"),
        Some("{{base}}/users/{{nobody}}"),
        Some(""),
    )
    .await;
    click(&get(&card(&root, 2), "button.run-step")).await;
    wait_for("step 2 to name the missing variable", TIMEOUT, || {
        ["blocked", "failed"].contains(&status_of(&root, 2).as_str())
            && text(&card(&root, 2)).contains("{{nobody}}")
    })
    .await;
    assert_eq!(
        requests(&root),
        sent,
        "a request with a missing value is not sent"
    );
    handled += 1;

    // The page still works: back to the tutorial's request, and it runs.
    revert_edits(&root, 2).await;
    run_step(&root, 2).await;
    assert!(requests(&root) > sent);
    figures("request editor", tried, handled);
    assert_eq!(handled, tried);
}

#[wasm_bindgen_test]
async fn values_typed_into_the_variables_panel_must_be_ids_where_ids_go() {
    let root = mount_app(BETA, false).await;
    click(&get(&card(&root, 2), "button.run-to")).await;
    wait_for("steps 1 and 2 to pass", TIMEOUT, || {
        status_of(&root, 2) == "passed"
    })
    .await;
    let sent = requests(&root);
    let row = || get(&root, ".variables tr[data-var=\"admin_id\"]");
    let before = text(&get(&row(), ".var-value"));
    let (mut tried, mut handled) = (0, 0);
    for value in [
        "not-a-guid",
        "1234",
        "11111111-1111-1111-1111-11111111111g",
        "{{run.tag}}",
        "",
    ] {
        tried += 1;
        click(&get(&row(), "button.link")).await;
        type_into(&get(&row(), ".var-edit input"), value).await;
        submit(&get(&row(), ".var-edit")).await;
        let error = find(&root, ".variables .error-box")
            .map(|e| text(&e))
            .unwrap_or_default();
        assert!(
            error.contains("GUID"),
            "{value:?}: the panel says why: {error}"
        );
        assert_eq!(
            text(&get(&row(), ".var-value")),
            before,
            "{value:?}: unchanged"
        );
        assert_eq!(
            status_of(&root, 2),
            "passed",
            "{value:?}: nothing went stale"
        );
        handled += 1;
    }
    assert_eq!(requests(&root), sent);
    run_step(&root, 3).await;
    figures("variables panel", tried, handled);
    assert_eq!(handled, tried);
}

const GOOD: &str = "---\nid: probe\ntitle: Probe\napi: v1.0\nbase: https://graph.microsoft.com/v1.0\nscopes: User.Read\n---\n\nIntro.\n\n## Who am I {#one}\n\nProse.\n\n```http\nGET {{base}}/me\n```\n\n```walk\n[Captures]\nme_id: jsonpath \"$.id\" as user\n[Asserts]\nstatus == 200\n```\n";

fn data_url(text: &str) -> String {
    format!(
        "data:text/markdown;charset=utf-8,{}",
        String::from(js_sys::encode_uri_component(text))
    )
}

/// Loads a tutorial from `url` through the form, after dismissing any earlier notice so the next one is new.
async fn load_from(root: &Element, url: &str) {
    if let Some(dismiss) = find(root, ".notice button") {
        click(&dismiss).await;
    }
    wait_for("the earlier notice to go", TIMEOUT, || {
        find(root, ".notice").is_none()
    })
    .await;
    type_into(&get(root, "#tutorial-url"), url).await;
    submit(&get(root, "form.url-form")).await;
}

#[wasm_bindgen_test]
async fn broken_tutorial_files_are_refused_with_where_and_why_and_the_page_keeps_its_tutorial() {
    let root = mount_app(BETA, false).await;
    let title = text(&get(&card(&root, 1), "h3"));
    let cases: Vec<(&str, String, &str)> = vec![
        ("an empty file", String::new(), "line 1"),
        ("no front matter", GOOD.replacen("---\n", "", 1), "line 1"),
        (
            "unclosed front matter",
            GOOD.replacen("\n---\n\nIntro", "\n\nIntro", 1),
            "line 8",
        ),
        ("no id", GOOD.replace("id: probe\n", ""), "`id:`"),
        (
            "no base",
            GOOD.replace("base: https://graph.microsoft.com/v1.0\n", ""),
            "`base:`",
        ),
        (
            "no steps",
            GOOD.split("## Who").next().unwrap_or_default().into(),
            "at least one step",
        ),
        (
            "a step without a request",
            GOOD.replace("```http\nGET {{base}}/me\n```\n", ""),
            "no request",
        ),
        (
            "a bad request line",
            GOOD.replace("GET {{base}}/me", "FETCH"),
            "line 16",
        ),
        (
            "an unclosed fence",
            GOOD.replace("GET {{base}}/me\n```", "GET {{base}}/me"),
            "closing",
        ),
        (
            "an unknown section",
            GOOD.replace("[Asserts]", "[Bogus]"),
            "[Bogus]",
        ),
        (
            "a JSONPath that does not parse",
            GOOD.replace("\"$.id\"", "\"$[?(\""),
            "JSONPath",
        ),
        (
            "a variable nothing captures",
            GOOD.replace("{{base}}/me", "{{base}}/users/{{nobody}}"),
            "{{nobody}}",
        ),
        (
            "an unclosed variable",
            GOOD.replace("{{base}}/me", "{{base}}/me/{{oops"),
            "}}",
        ),
        (
            "two steps with one id",
            format!("{GOOD}\n## Again {{#one}}\n\n```http\nGET {{{{base}}}}/me\n```\n"),
            "used twice",
        ),
        (
            "an assertion that is not one",
            GOOD.replace("status == 200", "status is fine"),
            "predicate",
        ),
        (
            "a header without a colon",
            GOOD.replace("GET {{base}}/me\n", "GET {{base}}/me\nNoColon\n"),
            "header",
        ),
        (
            "an HTML page",
            "<!doctype html><html><body><h1>Not found</h1></body></html>".into(),
            "line 1",
        ),
    ];
    let (mut tried, mut handled) = (0, 0);
    for (what, file, named) in &cases {
        tried += 1;
        load_from(&root, &data_url(file)).await;
        wait_for(&format!("the loader to refuse {what}"), TIMEOUT, || {
            find(&root, ".notice")
                .map(|n| text(&n))
                .is_some_and(|t| t.contains("Could not load the tutorial") && t.contains(named))
        })
        .await;
        assert_eq!(
            text(&get(&card(&root, 1), "h3")),
            title,
            "{what}: the tutorial stays"
        );
        assert_eq!(requests(&root), 0, "{what}: nothing was sent");
        handled += 1;
    }
    // An address that answers 404.
    tried += 1;
    let origin = gloo_utils::window().location().origin().unwrap_or_default();
    load_from(&root, &format!("{origin}/no-such-tutorial.md")).await;
    wait_for("the loader to report the 404", TIMEOUT, || {
        find(&root, ".notice")
            .map(|n| text(&n))
            .is_some_and(|t| t.contains("no-such-tutorial.md") && t.contains("answered 404"))
    })
    .await;
    handled += 1;

    run_step(&root, 1).await;
    figures("tutorial loader", tried, handled);
    assert_eq!(handled, tried);
}

/// A form sends what its field holds when it is submitted, even if the field was filled without an input
/// event (autofill, or Enter pressed before the page re-rendered).
#[wasm_bindgen_test]
async fn the_address_form_loads_what_its_field_holds_when_sent() {
    let root = mount_app(BETA, false).await;
    let field = get(&root, "#tutorial-url");
    type_into(&field, &data_url("not a tutorial")).await;
    let origin = gloo_utils::window().location().origin().unwrap_or_default();
    let address = format!("{origin}/typed-but-not-announced.md");
    field
        .dyn_ref::<web_sys::HtmlInputElement>()
        .expect("an input")
        .set_value(&address);
    submit(&get(&root, "form.url-form")).await;
    wait_for(
        "the loader to report the address in the field",
        TIMEOUT,
        || {
            find(&root, ".notice").map(|n| text(&n)).is_some_and(|t| {
                t.contains("typed-but-not-announced.md") && t.contains("answered 404")
            })
        },
    )
    .await;
}

#[wasm_bindgen_test]
async fn a_tutorial_for_another_host_is_not_answered_by_the_sandbox() {
    let root = mount_app(BETA, false).await;
    let foreign = GOOD.replace(
        "https://graph.microsoft.com/v1.0",
        "https://graph.evil.example.com/v1.0",
    );
    load_from(&root, &data_url(&foreign)).await;
    wait_for("the foreign tutorial to load", TIMEOUT, || {
        text(&get(&card(&root, 1), "h3")) == "Who am I"
    })
    .await;
    click(&get(&card(&root, 1), "button.run-step")).await;
    wait_for("the step to fail", TIMEOUT, || {
        status_of(&root, 1) == "failed"
    })
    .await;
    let error = text(&get(&card(&root, 1), ".error-box"));
    assert!(error.contains("only answers Microsoft Graph"), "{error}");
    assert_eq!(requests(&root), 0, "the sandbox answered nothing");
    figures("tutorial for another host", 1, 1);
}

/// Mounts the app over a run saved with step 1 answered by `response`, as after a reload.
async fn mount_with_response(response: http::Response<String>) -> (Element, yew::AppHandle<App>) {
    clear_storage();
    let now = js_sys::Date::now() as u64;
    let run = beta_run_with_first_answer(response, now);
    mount_over_saved_run(&run, now, BETA).await
}

fn response(status: u16, content_type: &str, body: String) -> http::Response<String> {
    http::Response::builder()
        .status(status)
        .header("content-type", content_type)
        .body(body)
        .expect("a response")
}

#[wasm_bindgen_test]
async fn responses_a_step_cannot_use_are_reported_on_its_card() {
    let json = "application/json";
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let huge = format!(
        "{{\"value\":[{{\"id\":\"o\",\"verifiedDomains\":[{{\"name\":\"big.example\",\"isDefault\":true}}],\"padding\":\"{}\"}}]}}",
        "y".repeat(3_000_000)
    );
    let cases: Vec<(&str, http::Response<String>, bool)> = vec![
        (
            "an HTML page",
            response(
                200,
                "text/html",
                "<html><body><h1>Bad gateway</h1></body></html>".into(),
            ),
            false,
        ),
        ("an empty body", response(200, json, String::new()), false),
        ("100000 levels of nesting", response(200, json, deep), false),
        (
            "truncated JSON",
            response(200, json, "{\"value\":[{\"verifiedDomains\":[".into()),
            false,
        ),
        (
            "JSON without the captured field",
            response(200, json, "{\"value\":[]}".into()),
            false,
        ),
        ("null", response(200, json, "null".into()), false),
        ("a 3 MB body", response(200, json, huge), true),
    ];
    let (mut tried, mut handled) = (0, 0);
    for (what, response, passes) in cases {
        tried += 1;
        let (root, handle) = mount_with_response(response).await;
        wait_for(&format!("{what} to show on its card"), TIMEOUT, || {
            find(&card(&root, 1), ".response").is_some()
        })
        .await;
        if passes {
            assert_eq!(status_of(&root, 1), "passed", "{what}");
        } else {
            assert_eq!(status_of(&root, 1), "failed", "{what}");
            let error = text(&get(&card(&root, 1), ".error-box"));
            assert!(
                error.contains("could not be taken from the response"),
                "{what}: {error}"
            );
        }
        assert_eq!(requests(&root), 0, "{what}: nothing was sent");
        // The page keeps working: the step runs again against the sandbox.
        run_step(&root, 1).await;
        assert_eq!(requests(&root), 1, "{what}");
        handled += 1;
        handle.destroy();
        clear_storage();
    }
    figures("responses", tried, handled);
    assert_eq!(handled, tried);
}
