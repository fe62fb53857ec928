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

/// How long one case may take to show its outcome before it counts as not handled.
const CASE_TIMEOUT: Duration = Duration::from_secs(5);

/// The outcomes of a group of cases. A case counts as handled only when every check on it held; the
/// others are kept with the case named and what did not hold, and all of them are reported at the end.
struct Tally {
    what: &'static str,
    tried: usize,
    handled: usize,
    failures: Vec<String>,
}

impl Tally {
    fn new(what: &'static str) -> Self {
        Self {
            what,
            tried: 0,
            handled: 0,
            failures: Vec::new(),
        }
    }

    /// Records one case from its checks: (held, what should have held).
    fn case(&mut self, case: &str, checks: &[(bool, String)]) {
        self.tried += 1;
        let missed: Vec<&str> = checks
            .iter()
            .filter(|(held, _)| !held)
            .map(|(_, what)| what.as_str())
            .collect();
        if missed.is_empty() {
            self.handled += 1;
        } else {
            self.failures.push(format!("{case}: {}", missed.join("; ")));
        }
    }

    /// Prints the figures counted, then fails listing every case that was not handled.
    fn finish(self) {
        web_sys::console::log_1(
            &format!(
                "bad input ({}): cases tried {}, handled {}",
                self.what, self.tried, self.handled
            )
            .into(),
        );
        assert!(
            self.failures.is_empty(),
            "{}: {} of {} cases not handled:\n  {}",
            self.what,
            self.failures.len(),
            self.tried,
            self.failures.join("\n  ")
        );
    }
}

/// The error shown on step `n`: its editor's field errors and its card's error box.
fn error_on(root: &Element, n: usize) -> String {
    let Some(card) = find(root, &format!("#step-{n}")) else {
        return String::new();
    };
    all(&card, ".field-error, .error-box")
        .iter()
        .map(text)
        .collect::<Vec<_>>()
        .join(" ")
}

fn url_of(root: &Element, n: usize) -> String {
    find(root, &format!("#step-{n} .request-line .url"))
        .map(|u| text(&u))
        .unwrap_or_default()
}

/// The number of requests the sandbox answered, or None when its panel no longer says.
fn requests_now(root: &Element) -> Option<u64> {
    find(root, "#fault-stats").and_then(|s| text(&s).split_whitespace().next()?.parse().ok())
}

fn nothing_sent(root: &Element, before: u64) -> (bool, String) {
    let now = requests_now(root);
    (
        now == Some(before),
        format!("nothing is sent (requests before {before}, after {now:?})"),
    )
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
    let mut tally = Tally::new("request editor");

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
        edit(&root, 2, None, None, Some(body)).await;
        // Refused in the editor before anything else sees it, or by the run, on the card.
        let error = error_on(&root, 2);
        let refused = (error.contains("not valid JSON") && error.contains("Nothing was sent"))
            || error.contains("expected `}}` to close `{{`");
        tally.case(
            &format!("body with {what}"),
            &[
                (
                    refused,
                    format!("the card says why and that nothing was sent: {error:?}"),
                ),
                nothing_sent(&root, sent),
            ],
        );
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
        edit(&root, 2, None, Some(url), None).await;
        let error = error_on(&root, 2);
        let shown = url_of(&root, 2);
        tally.case(
            &format!("address {url}"),
            &[
                (
                    error.contains(named),
                    format!("the card names {named:?}: {error:?}"),
                ),
                (
                    shown == original_url,
                    format!("the request keeps {original_url:?}, not {shown:?}"),
                ),
                nothing_sent(&root, sent),
            ],
        );
        close_editor(&root, 2).await;
    }

    for method in ["G E T", "", "P0ST"] {
        edit(&root, 2, Some(method), None, None).await;
        let error = error_on(&root, 2);
        tally.case(
            &format!("method {method:?}"),
            &[
                (
                    error.contains("is not an HTTP method"),
                    format!("the card says it is not an HTTP method: {error:?}"),
                ),
                nothing_sent(&root, sent),
            ],
        );
        close_editor(&root, 2).await;
    }

    // A variable nothing provides: the step waits for it, names it, and sends nothing.
    edit(
        &root,
        2,
        Some("GET"),
        Some("{{base}}/users/{{nobody}}"),
        Some(""),
    )
    .await;
    let named = match find(&card(&root, 2), "button.run-step") {
        Some(run) => {
            click(&run).await;
            became(CASE_TIMEOUT, || {
                ["blocked", "failed"].contains(&status_of(&root, 2).as_str())
                    && text(&card(&root, 2)).contains("{{nobody}}")
            })
            .await
        }
        None => false,
    };
    tally.case(
        "a variable nothing provides",
        &[
            (
                named,
                format!(
                    "the step stops and names {{{{nobody}}}}: status {:?}, {:?}",
                    status_of(&root, 2),
                    error_on(&root, 2)
                ),
            ),
            nothing_sent(&root, sent),
        ],
    );

    tally.finish();
    // The page still works: back to the tutorial's request, and it runs.
    revert_edits(&root, 2).await;
    run_step(&root, 2).await;
    assert!(requests(&root) > sent);
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
    let mut tally = Tally::new("variables panel");
    for value in [
        "not-a-guid",
        "1234",
        "11111111-1111-1111-1111-11111111111g",
        "{{run.tag}}",
        "",
    ] {
        click(&get(&row(), "button.link")).await;
        if let Some(input) = find(&row(), ".var-edit input") {
            type_into(&input, value).await;
        }
        if let Some(form) = find(&row(), ".var-edit") {
            submit(&form).await;
        }
        let error = find(&root, ".variables .error-box")
            .map(|e| text(&e))
            .unwrap_or_default();
        let now = find(&row(), ".var-value").map(|v| text(&v));
        let status = status_of(&root, 2);
        tally.case(
            &format!("value {value:?}"),
            &[
                (
                    error.contains("GUID"),
                    format!("the panel asks for a GUID: {error:?}"),
                ),
                (
                    now.as_deref() == Some(before.as_str()),
                    format!("admin_id keeps {before:?}, not {now:?}"),
                ),
                (
                    status == "passed",
                    format!("step 2 stays passed, not {status:?}"),
                ),
                nothing_sent(&root, sent),
            ],
        );
        // A refused value leaves its field open; close it so the next case starts from the row.
        if let Some(cancel) = find(&row(), ".var-edit button[type=button]") {
            click(&cancel).await;
        }
    }
    tally.finish();
    run_step(&root, 3).await;
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
    let mut tally = Tally::new("tutorial loader");
    for (what, file, named) in &cases {
        load_from(&root, &data_url(file)).await;
        let notice = || find(&root, ".notice").map(|n| text(&n)).unwrap_or_default();
        let refused = became(CASE_TIMEOUT, || {
            let t = notice();
            t.contains("Could not load the tutorial") && t.contains(named)
        })
        .await;
        let kept = find(&root, "#step-1 h3").map(|h| text(&h));
        tally.case(
            what,
            &[
                (
                    refused,
                    format!(
                        "the notice says it could not load and names {named:?}: {:?}",
                        notice()
                    ),
                ),
                (
                    kept.as_deref() == Some(title.as_str()),
                    format!("the tutorial stays ({title:?}, now {kept:?})"),
                ),
                nothing_sent(&root, 0),
            ],
        );
    }
    // An address that answers 404.
    let origin = gloo_utils::window().location().origin().unwrap_or_default();
    load_from(&root, &format!("{origin}/no-such-tutorial.md")).await;
    let notice = || find(&root, ".notice").map(|n| text(&n)).unwrap_or_default();
    let reported = became(CASE_TIMEOUT, || {
        let t = notice();
        t.contains("no-such-tutorial.md") && t.contains("answered 404")
    })
    .await;
    let kept = find(&root, "#step-1 h3").map(|h| text(&h));
    tally.case(
        "an address that answers 404",
        &[
            (
                reported,
                format!("the notice names the file and the 404: {:?}", notice()),
            ),
            (
                kept.as_deref() == Some(title.as_str()),
                format!("the tutorial stays ({title:?}, now {kept:?})"),
            ),
            nothing_sent(&root, 0),
        ],
    );

    tally.finish();
    run_step(&root, 1).await;
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
    assert!(error.contains("answers Microsoft Graph only"), "{error}");
    assert_eq!(requests(&root), 0, "the sandbox answered nothing");
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
    let mut tally = Tally::new("responses");
    for (what, response, passes) in cases {
        let (root, handle) = mount_with_response(response).await;
        let shown = became(CASE_TIMEOUT, || find(&root, "#step-1 .response").is_some()).await;
        let status = status_of(&root, 1);
        let error = error_on(&root, 1);
        let mut checks = vec![(shown, "the response shows on its card".to_string())];
        if passes {
            checks.push((
                status == "passed",
                format!("the step passes, not {status:?}"),
            ));
        } else {
            checks.push((
                status == "failed",
                format!("the step fails, not {status:?}"),
            ));
            checks.push((
                error.contains("could not be taken from the response"),
                format!("the card says what could not be taken: {error:?}"),
            ));
        }
        checks.push(nothing_sent(&root, 0));
        // The page keeps working: the step runs again against the sandbox.
        let reran = match find(&root, "#step-1 button.run-step") {
            Some(run) => {
                click(&run).await;
                became(CASE_TIMEOUT, || status_of(&root, 1) == "passed").await
            }
            None => false,
        };
        let now = requests_now(&root);
        checks.push((
            reran && now == Some(1),
            format!("the step runs again with one request (passed: {reran}, requests {now:?})"),
        ));
        tally.case(what, &checks);
        handle.destroy();
        clear_storage();
    }
    tally.finish();
}

#[wasm_bindgen_test]
async fn an_edit_that_was_not_saved_is_never_run_from_the_old_request() {
    let root = mount_app(BETA, false).await;
    run_step(&root, 1).await;
    let sent = requests(&root);
    // A body that cannot be saved: the editor stays open with its error.
    edit(&root, 2, None, None, Some("true,,")).await;
    assert!(
        error_on(&root, 2).contains("not valid JSON"),
        "{}",
        error_on(&root, 2)
    );
    let run = get(&card(&root, 2), "button.run-step");
    assert!(
        run.has_attribute("disabled"),
        "the card's Run waits for the edit"
    );
    assert!(text(&get(&root, "#step-2-editing")).contains("Save or cancel"));
    // Run all refuses too, and says which step holds it up.
    click(&get(&root, "#run-all")).await;
    wait_for("the notice", CASE_TIMEOUT, || {
        find(&root, ".notice").is_some_and(|n| text(&n).contains("Step 2"))
    })
    .await;
    assert!(text(&get(&root, ".notice")).contains("nothing was sent"));
    sleep(200).await;
    assert_eq!(requests(&root), sent, "nothing was sent");
    assert_eq!(status_of(&root, 2), "idle");
    // Cancelled, the step runs its saved request again.
    close_editor(&root, 2).await;
    assert!(!get(&card(&root, 2), "button.run-step").has_attribute("disabled"));
    run_step(&root, 2).await;
    assert!(requests(&root) > sent);
}

#[wasm_bindgen_test]
async fn a_failed_step_is_linked_from_the_toolbar_and_announced_by_name() {
    let root = mount_app(BETA, false).await;
    run_step(&root, 1).await;
    assert!(
        find(&root, "#first-failure").is_none(),
        "nothing failed yet"
    );
    let announced = text(&get(&root, "#announcer"));
    assert!(
        announced.contains("Step 1,") && announced.contains("passed"),
        "{announced}"
    );
    // An empty object is not a user Graph can create: 400, and the step fails.
    edit(&root, 2, Some("POST"), Some("{{base}}/users"), Some("{}")).await;
    click(&get(&card(&root, 2), "button.run-step")).await;
    wait_for("step 2 to fail", TIMEOUT, || {
        status_of(&root, 2) == "failed"
    })
    .await;
    let link = get(&root, "#first-failure");
    assert_eq!(text(&link), "1 failed: step 2");
    assert_eq!(link.get_attribute("href").as_deref(), Some("#step-2"));
    let announced = text(&get(&root, "#announcer"));
    assert!(
        announced.contains("Step 2,") && announced.contains("failed"),
        "{announced}"
    );
    // The badges themselves are quiet: one live region speaks for the run.
    assert!(all(&root, "li.step .status[aria-live]").is_empty());
}

#[wasm_bindgen_test]
async fn src_in_the_address_opens_that_tutorial_and_a_broken_one_is_reported() {
    let query = format!(
        "?src={}",
        String::from(js_sys::encode_uri_component(&data_url(GOOD)))
    );
    let root = mount_app(&query, false).await;
    wait_for("the tutorial from src= to open", TIMEOUT, || {
        find(&root, "li.step h3").is_some_and(|h| text(&h) == "Who am I")
    })
    .await;
    root.remove();

    let broken = format!(
        "?src={}",
        String::from(js_sys::encode_uri_component(&data_url("not a tutorial")))
    );
    let root = mount_app(&broken, false).await;
    wait_for("the notice", TIMEOUT, || {
        find(&root, ".notice")
            .is_some_and(|n| text(&n).contains("Could not load the tutorial from data:"))
    })
    .await;
    assert!(
        all(&root, "li.step").len() > 5,
        "the built-in tutorial stays"
    );
}
