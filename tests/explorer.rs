//! The explorer in a real browser: step cards, the variables panel, body validation, stale marking,
//! persistence, a whole run with cleanup against the in-page sandbox, and the driver's wake-up timer.
#![cfg(target_arch = "wasm32")]

mod common;

use std::time::Duration;

use common::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const RUN_TIMEOUT: Duration = Duration::from_secs(30);

#[wasm_bindgen_test]
async fn a_card_shows_its_request_and_not_run_status() {
    let root = mount_app("?tutorial=access-package-beta", false).await;
    let first = card(&root, 1);
    assert!(!text(&get(&first, "h3")).is_empty(), "the card has a title");
    assert_eq!(status_of(&root, 1), "idle");
    let method = text(&get(&first, ".request-line .method"));
    assert!(
        ["GET", "POST"].contains(&method.as_str()),
        "method shown: {method}"
    );
    assert!(
        text(&get(&first, ".request-line .url")).contains("graph.microsoft.com/beta"),
        "the address is on the beta API"
    );
    assert!(
        find(&first, ".response").is_none(),
        "no response before it runs"
    );
}

#[wasm_bindgen_test]
async fn unresolved_variables_name_the_step_that_provides_them() {
    let root = mount_app("?tutorial=access-package-beta", false).await;
    let unresolved = all(&root, ".var.unresolved");
    assert!(
        !unresolved.is_empty(),
        "later steps show unresolved variables before the run"
    );
    let tip = text(&get(&unresolved[0], ".var-tip"));
    assert!(
        tip.contains("will come from step"),
        "the tip names the providing step: {tip}"
    );
}

#[wasm_bindgen_test]
async fn running_a_step_shows_the_response_and_captures_into_the_variables_panel() {
    let root = mount_app("?tutorial=access-package-beta", false).await;
    click(&get(&card(&root, 1), "button.run-step")).await;
    wait_for("step 1 to pass", RUN_TIMEOUT, || {
        status_of(&root, 1) == "passed"
    })
    .await;

    let first = card(&root, 1);
    assert!(
        text(&get(&first, ".http-status")).starts_with("200"),
        "a 200 response is shown"
    );
    assert!(
        find(&first, ".json-view").is_some(),
        "the body is shown as a JSON tree"
    );
    assert!(
        find(&first, ".response-headers li").is_none(),
        "the headers are not built before they are opened"
    );
    click(&get(&first, ".response-headers summary")).await;
    wait_for("the headers to be listed", RUN_TIMEOUT, || {
        all(&first, ".response-headers li")
            .iter()
            .any(|li| text(li).to_ascii_lowercase().starts_with("request-id: "))
    })
    .await;
    let rows = all(&root, ".variables tbody tr");
    let captured: Vec<_> = rows
        .iter()
        .filter(|row| text(row).contains("Step 1"))
        .collect();
    assert!(
        !captured.is_empty(),
        "a value captured by step 1 is listed with its source"
    );
}

#[wasm_bindgen_test]
async fn an_invalid_body_is_refused_with_line_and_column_and_nothing_is_sent() {
    let root = mount_app("?tutorial=access-package-beta", false).await;
    let post = all(&root, "li.step")
        .into_iter()
        .find(|c| text(&get(c, ".request-line .method")) == "POST")
        .expect("a step that posts a body");
    click(&get(&post, ".edit-request")).await;
    let body = get(&post, ".body-input");
    type_into(&body, "{\n  \"displayName\": \"x\",\n  oops\n}").await;
    submit(&get(&post, "form.request-editor")).await;

    let error = text(&get(&post, ".field-error"));
    assert!(error.contains("line 3"), "names the line: {error}");
    assert!(error.contains("column"), "names the column: {error}");
    assert!(
        error.contains("Nothing was sent"),
        "says nothing was sent: {error}"
    );
    assert!(
        find(&post, "form.request-editor").is_some(),
        "the editor stays open with the text"
    );
    assert!(find(&post, ".response").is_none(), "no request went out");
}

#[wasm_bindgen_test]
async fn editing_a_captured_value_marks_the_steps_that_used_it_stale() {
    let root = mount_app("?tutorial=access-package-beta", false).await;
    // Run far enough that a later step has used a value captured earlier.
    let cards = all(&root, "li.step");
    let user = cards
        .iter()
        .position(|c| {
            !all(c, ".var").is_empty()
                && all(c, ".var.unresolved")
                    .iter()
                    .any(|v| text(v).contains("{{"))
        })
        .expect("a step that needs a captured value")
        + 1;
    click(&get(&card(&root, user), "button.run-to")).await;
    wait_for("the run to reach that step", RUN_TIMEOUT, || {
        status_of(&root, user) == "passed"
    })
    .await;

    // Edit a captured variable that this step used.
    let used = get(&card(&root, user), ".var")
        .get_attribute("data-var")
        .expect("a variable name");
    let row = get(&root, &format!(".variables tr[data-var='{used}']"));
    click(&get(&row, "button")).await;
    let row = get(&root, &format!(".variables tr[data-var='{used}']"));
    type_into(&get(&row, "input"), "00000000-0000-0000-0000-000000000001").await;
    submit(&get(&row, "form")).await;

    wait_for("the step to turn stale", Duration::from_secs(2), || {
        status_of(&root, user) == "stale"
    })
    .await;
}

#[wasm_bindgen_test]
async fn the_whole_tutorial_runs_on_both_paths_and_cleanup_leaves_nothing() {
    for tutorial in ["access-package-beta", "access-package-v1"] {
        for path in ["requestor", "admin"] {
            let root = mount_app(&format!("?tutorial={tutorial}"), false).await;
            all_cards_shown(&root).await;
            choose(&get(&root, "#input-path"), path).await;
            let steps = all(&root, "li.step").len();
            let on_path: Vec<usize> = (1..=steps)
                .filter(|&n| status_of(&root, n) != "off-path")
                .collect();
            assert!(
                on_path.len() < steps,
                "{tutorial} {path}: the other path is set aside"
            );
            // The requestor's own requests say whose they are, on the requestor's path only.
            let runs_as = all(&root, ".runs-as").len();
            assert_eq!(
                runs_as > 0,
                path == "requestor",
                "{tutorial} {path}: {runs_as} cards run as the requestor"
            );
            click(&get(&root, "#run-all")).await;
            wait_for("every step of the path to pass", RUN_TIMEOUT, || {
                on_path.iter().all(|&n| status_of(&root, n) == "passed")
                    || on_path.iter().any(|&n| status_of(&root, n) == "failed")
            })
            .await;
            let failed: Vec<String> = on_path
                .iter()
                .filter(|&&n| status_of(&root, n) != "passed")
                .map(|n| format!("step {n}: {}", text(&card(&root, *n))))
                .collect();
            assert!(failed.is_empty(), "{tutorial} {path}: {failed:?}");
            let n = on_path.len();
            assert_eq!(
                text(&get(&root, "#progress-text")),
                format!("{n}/{n} passed")
            );
            if path == "requestor" {
                let who = text(&get(&root, ".runs-as"));
                assert!(who.contains("Runs as the requestor: requestor1-"), "{who}");
            }
            assert!(
                !all(&root, ".ledger-entry").is_empty(),
                "the ledger lists what was created"
            );

            click(&get(&root, "#clean-up")).await;
            wait_for("cleanup to finish", RUN_TIMEOUT, || {
                text(&get(&root, ".cleanup-summary")).contains("has been removed")
            })
            .await;
            assert!(all(&root, ".ledger-entry.failed").is_empty());
            // The choices stay fixed (and say why) while cards show a run; after Reset they are free again.
            let path_input = || {
                get(&root, "#input-path")
                    .dyn_into::<web_sys::HtmlSelectElement>()
                    .expect("a select")
            };
            assert!(path_input().disabled());
            assert!(find(&root, "#inputs-fixed").is_some());
            assert!(text(&get(&root, ".notice")).contains("Cleanup finished"));
            click(&get(&root, "#reset")).await;
            wait_for(
                "the choices to be free after Reset",
                Duration::from_secs(3),
                || !path_input().disabled() && find(&root, "#inputs-fixed").is_none(),
            )
            .await;
            assert!(
                find(&root, ".notice").is_none_or(|n| !text(&n).contains("Cleanup finished")),
                "the last run's notice goes with it"
            );
            root.remove();
        }
    }
}

#[wasm_bindgen_test]
async fn a_saved_run_is_picked_up_after_a_remount() {
    clear_storage();
    let root = mount_app("?tutorial=access-package-beta", true).await;
    click(&get(&card(&root, 1), "button.run-step")).await;
    wait_for("step 1 to pass", RUN_TIMEOUT, || {
        status_of(&root, 1) == "passed"
    })
    .await;
    wait_for("the run to be saved", Duration::from_secs(3), || {
        graphwalk::services::storage::load_run()
            .is_some_and(|saved| *saved.run.step_status(0) == walkthrough::StepStatus::Passed)
    })
    .await;
    root.remove();

    let again = mount_app("?tutorial=access-package-beta", true).await;
    wait_for("the restored run", Duration::from_secs(3), || {
        status_of(&again, 1) == "passed"
    })
    .await;
    assert!(text(&get(&again, ".notice")).contains("Picked up your run"));
    again.remove();
    clear_storage();
}

#[wasm_bindgen_test]
async fn the_role_choice_changes_which_role_the_tutorial_looks_up() {
    const GLOBAL_ADMINISTRATOR: &str = "62e90394-69f5-4237-9190-012177145e10";
    let root = mount_app("?tutorial=access-package-beta", false).await;
    let select = get(&root, "#input-admin_role");
    let role_step = all(&root, "li.step")
        .iter()
        .position(|c| c.get_attribute("data-step").as_deref() == Some("role"))
        .expect("the role lookup step")
        + 1;
    assert!(
        !text(&get(&card(&root, role_step), ".url")).contains(GLOBAL_ADMINISTRATOR),
        "the least-privileged role is the default"
    );

    choose(&select, GLOBAL_ADMINISTRATOR).await;

    assert!(
        text(&get(&card(&root, role_step), ".url")).contains(GLOBAL_ADMINISTRATOR),
        "the request now looks up Global Administrator"
    );
}

#[wasm_bindgen_test]
async fn the_first_cards_come_in_the_first_render_and_the_rest_right_after() {
    let root = fresh_root();
    let mut params = graphwalk::Params::parse("?tutorial=access-package-beta");
    params.latency_ms = Some(0);
    let props = graphwalk::AppProps {
        params: Some(std::rc::Rc::new(params)),
        persist: false,
    };
    let _app = yew::Renderer::<graphwalk::App>::with_root_and_props(root.clone(), props).render();
    yew::scheduler::flush().await;
    let first = all(&root, "ol.steps > li.step").len();
    assert!(
        find(&root, "ol.steps[aria-busy='true']").is_some(),
        "the list says it is still filling in"
    );
    all_cards_shown(&root).await;
    let every = all(&root, "ol.steps > li.step").len();
    assert!(
        (1..every).contains(&first),
        "{first} cards came first, then all {every}"
    );
    // The count is of the chosen path's steps; the other path's cards are there, set aside.
    let set_aside = all(&root, "ol.steps > li.step.off-path").len();
    assert!(set_aside > 0 && set_aside < every);
    assert_eq!(
        text(&get(&root, "#progress-text")),
        format!("0/{} passed", every - set_aside),
        "every step of the tutorial has its card"
    );
}

#[wasm_bindgen_test]
async fn the_sandbox_panel_follows_the_tenant_with_its_listing_open() {
    let root = mount_app("?tutorial=access-package-beta", false).await;
    let count = |root: &web_sys::Element, what: &str| -> u64 {
        text(&get(
            root,
            &format!(".sandbox-counts li[data-collection=\"{what}\"] .count"),
        ))
        .parse()
        .expect("a count")
    };
    let requests = |root: &web_sys::Element| -> u64 {
        text(&get(root, "#fault-stats"))
            .split_whitespace()
            .next()
            .and_then(|n| n.parse().ok())
            .expect("the panel counts requests")
    };
    let users = count(&root, "users");
    let answered = requests(&root);
    click(&get(&root, ".sandbox-state summary")).await;
    wait_for("the listing to be built", RUN_TIMEOUT, || {
        find(&root, ".sandbox-state .json-view").is_some()
    })
    .await;
    let listed = text(&get(&root, ".sandbox-state"));
    for n in [1, 2] {
        click(&get(&card(&root, n), "button.run-step")).await;
        wait_for("the step to pass", RUN_TIMEOUT, || {
            status_of(&root, n) == "passed"
        })
        .await;
    }
    yew::scheduler::flush().await;
    assert_eq!(count(&root, "users"), users + 1, "the new user is counted");
    assert_eq!(requests(&root), answered + 2, "both requests are counted");
    wait_for("the open listing to change", RUN_TIMEOUT, || {
        text(&get(&root, ".sandbox-state")) != listed
    })
    .await;
}

/// The driver's wake-up timer (polling waits on it): never early, whether it is one timer or two, and
/// dropping it cancels whichever timer is pending.
#[wasm_bindgen_test]
async fn a_wake_up_comes_at_its_time_and_dropping_it_cancels_it() {
    use graphwalk::services::clock::{now_ms, wake_at};
    use std::cell::Cell;
    use std::rc::Rc;

    for delay in [0, 20, 300] {
        let fired_at = Rc::new(Cell::new(None::<u64>));
        let at = now_ms() + delay;
        let _wake = wake_at(at, {
            let fired_at = fired_at.clone();
            move || fired_at.set(Some(now_ms()))
        });
        wait_for(
            &format!("the wake-up {delay} ms away"),
            Duration::from_secs(5),
            || fired_at.get().is_some(),
        )
        .await;
        let fired = fired_at.get().unwrap();
        assert!(fired >= at, "{delay} ms: fired {} ms early", at - fired);
    }

    // Dropped while its first timer runs, and while its second one does: 6.4 s away, the first timer ends
    // 200 ms ahead, so dropping it 100 ms before its time leaves 100 ms of slack either side.
    for drop_after in [50, 6_300] {
        let fired = Rc::new(Cell::new(false));
        let wake = wake_at(now_ms() + 6_400, {
            let fired = fired.clone();
            move || fired.set(true)
        });
        sleep(drop_after).await;
        drop(wake);
        sleep(400).await;
        assert!(
            !fired.get(),
            "dropped after {drop_after} ms, it still fired"
        );
    }
}

#[wasm_bindgen_test]
async fn cards_note_beta_missing_select_and_the_client_request_id() {
    let notes_of = |root: &web_sys::Element, n: usize| {
        all(&card(root, n), ".guidance li")
            .iter()
            .map(text)
            .collect::<Vec<_>>()
            .join(" | ")
    };
    let beta = mount_app("?tutorial=access-package-beta", false).await;
    assert!(
        notes_of(&beta, 1).contains("Beta endpoint"),
        "{}",
        notes_of(&beta, 1)
    );
    beta.remove();

    let v1 = mount_app("?tutorial=access-package-v1", false).await;
    all_cards_shown(&v1).await;
    // Step 1 asks for the organization with $select: only the client-request-id note.
    let first = notes_of(&v1, 1);
    assert!(
        !first.contains("Beta endpoint") && !first.contains("$select"),
        "{first}"
    );
    assert!(first.contains("client-request-id"), "{first}");
    // The catalog lookup lists catalogs with a $filter and no $select.
    let cards = all(&v1, "li.step");
    let lookup = cards
        .iter()
        .position(|c| {
            find(c, ".request-line .url")
                .is_some_and(|u| text(&u).ends_with("catalogs?$filter=(displayName eq 'General')"))
        })
        .expect("the tutorial looks the catalog up");
    assert!(
        notes_of(&v1, lookup + 1).contains("$select"),
        "{}",
        notes_of(&v1, lookup + 1)
    );
    // Folded away until asked for.
    let details = get(&card(&v1, 1), "details.guidance");
    assert!(!details.has_attribute("open"));
}

#[wasm_bindgen_test]
async fn a_card_names_the_least_privileged_role_its_request_needs() {
    let root = mount_app("?tutorial=access-package-v1", false).await;
    all_cards_shown(&root).await;
    let cards = all(&root, "li.step");
    let creates_a_user = cards
        .iter()
        .find(|c| {
            find(c, ".request-line .method").is_some_and(|m| text(&m) == "POST")
                && find(c, ".request-line .url").is_some_and(|u| text(&u).ends_with("/users"))
        })
        .expect("the tutorial creates users");
    let roles = text(&get(creates_a_user, ".roles"));
    assert!(roles.contains("User Administrator"), "{roles}");
    // The first step reads the organization: no directory role is needed, so none is named.
    assert!(find(&card(&root, 1), ".roles").is_none());
}

fn focused_id() -> String {
    gloo_utils::document()
        .active_element()
        .map(|e| e.id())
        .unwrap_or_default()
}

/// Asserts that the focused element has `class`.
fn assert_focus_on(class: &str) {
    let active = gloo_utils::document()
        .active_element()
        .expect("something has focus");
    assert!(
        active.class_name().split_whitespace().any(|c| c == class),
        "focus on {:?}",
        active.outer_html()
    );
}

fn focus(element: &web_sys::Element) {
    use wasm_bindgen::JsCast;
    element
        .dyn_ref::<web_sys::HtmlElement>()
        .expect("an HTML element")
        .focus()
        .expect("focusable");
}

#[wasm_bindgen_test]
async fn focus_stays_where_the_reader_is_through_run_edit_and_cancel() {
    let root = mount_app("?tutorial=access-package-beta", false).await;
    // Run keeps focus on its button while the step runs and after.
    let run = get(&card(&root, 1), "button.run-step");
    focus(&run);
    click(&run).await;
    assert!(run.get_attribute("aria-disabled").is_some() || status_of(&root, 1) == "passed");
    wait_for("step 1 to pass", RUN_TIMEOUT, || {
        status_of(&root, 1) == "passed"
    })
    .await;
    assert_focus_on("run-step");

    // Edit request: the editor's field takes focus; Cancel gives it back to the Edit button.
    let edit = get(&card(&root, 2), ".edit-request");
    focus(&edit);
    click(&edit).await;
    let field = focused_id();
    assert!(
        field == "step-2-body" || field == "step-2-url",
        "focus on {field:?}"
    );
    click(&get(
        &card(&root, 2),
        ".editor-actions button[type=button]:not(.link)",
    ))
    .await;
    assert_focus_on("edit-request");

    // A variable's Edit: into its field, and back to its Edit button.
    let name = get(&root, ".variables tr[data-var]")
        .get_attribute("data-var")
        .unwrap();
    click(&get(&root, &format!("[id='var-edit-{name}']"))).await;
    assert_eq!(focused_id(), format!("var-input-{name}"));
    click(&get(&root, ".var-edit button[type=button]")).await;
    assert_eq!(focused_id(), format!("var-edit-{name}"));
}

async fn key(element: &web_sys::Element, key: &str, ctrl: bool) {
    let init = web_sys::KeyboardEventInit::new();
    init.set_key(key);
    init.set_ctrl_key(ctrl);
    init.set_bubbles(true);
    init.set_cancelable(true);
    let event =
        web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
    element.dispatch_event(&event).unwrap();
    yew::scheduler::flush().await;
}

#[wasm_bindgen_test]
async fn escape_cancels_an_edit_and_ctrl_enter_saves_it() {
    let root = mount_app("?tutorial=access-package-beta", false).await;
    click(&get(&card(&root, 2), ".edit-request")).await;
    let url = get(&root, "#step-2-url");
    key(&url, "Escape", false).await;
    assert!(
        find(&root, "#step-2-url").is_none(),
        "Esc closed the editor"
    );
    assert!(
        find(&card(&root, 2), ".edited-badge").is_none(),
        "and saved nothing"
    );

    click(&get(&card(&root, 2), ".edit-request")).await;
    let url = get(&root, "#step-2-url");
    type_into(&url, "{{base}}/users?$select=id").await;
    key(&url, "Enter", true).await;
    wait_for("the edit to be saved", Duration::from_secs(3), || {
        find(&root, "#step-2-url").is_none() && find(&card(&root, 2), ".edited-badge").is_some()
    })
    .await;
    assert!(text(&get(&card(&root, 2), ".request-line .url")).ends_with("/users?$select=id"));
}

async fn choose(select: &web_sys::Element, value: &str) {
    let select: web_sys::HtmlSelectElement = wasm_bindgen::JsCast::unchecked_into(select.clone());
    select.set_value(value);
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    let change = web_sys::Event::new_with_event_init_dict("change", &init).unwrap();
    select.dispatch_event(&change).unwrap();
    yew::scheduler::flush().await;
}

#[wasm_bindgen_test]
async fn signed_in_as_a_user_with_no_role_the_sandbox_refuses_what_graph_refuses() {
    let root = mount_app("?tutorial=access-package-beta", false).await;
    wait_for("the tenant", RUN_TIMEOUT, || {
        find(&root, "#sandbox-account:not([disabled])").is_some()
    })
    .await;
    choose(&get(&root, "#sandbox-account"), "member").await;
    // Step 1 reads the organization: any member may. Step 2 creates a user: only with a role.
    click(&get(&card(&root, 1), "button.run-step")).await;
    wait_for("step 1", RUN_TIMEOUT, || status_of(&root, 1) == "passed").await;
    click(&get(&card(&root, 2), "button.run-step")).await;
    wait_for("step 2 to be refused", RUN_TIMEOUT, || {
        status_of(&root, 2) == "failed"
    })
    .await;
    let error = text(&get(&card(&root, 2), ".error-box"));
    assert!(
        error.contains("403") && error.contains("Authorization_RequestDenied"),
        "{error}"
    );
    assert!(
        error.contains("User Administrator"),
        "the advice names the role: {error}"
    );
    // The least-privilege administrator holds exactly that role.
    choose(&get(&root, "#sandbox-account"), "least-privilege-admin").await;
    click(&get(&card(&root, 2), "button.run-step")).await;
    wait_for("step 2 to pass", RUN_TIMEOUT, || {
        status_of(&root, 2) == "passed"
    })
    .await;
}

#[wasm_bindgen_test]
async fn without_a_governance_licence_entitlement_management_is_refused_and_the_timing_can_be_realistic(
) {
    let root = mount_app("?tutorial=access-package-beta", false).await;
    wait_for("the tenant", RUN_TIMEOUT, || {
        find(&root, "#sandbox-licence:not([disabled])").is_some()
    })
    .await;
    let licence: web_sys::HtmlInputElement =
        wasm_bindgen::JsCast::unchecked_into(get(&root, "#sandbox-licence"));
    assert!(licence.checked(), "a new tenant is licensed");
    click(&licence).await;
    assert!(
        text(&get(&root, "#sandbox-licence-hint")).contains("NoLicense"),
        "the panel says what an unlicensed tenant answers"
    );
    // Step 7 lists catalogs: entitlement management, so refused without the licence.
    click(&get(&card(&root, 7), "button.run-step")).await;
    wait_for("step 7 to be refused", RUN_TIMEOUT, || {
        status_of(&root, 7) == "failed"
    })
    .await;
    let error = text(&get(&card(&root, 7), ".error-box"));
    assert!(
        error.contains("403") && error.contains("NoLicense"),
        "{error}"
    );
    // The directory does not need it: step 1 still passes.
    click(&get(&card(&root, 1), "button.run-step")).await;
    wait_for("step 1", RUN_TIMEOUT, || status_of(&root, 1) == "passed").await;
    click(&licence).await;
    click(&get(&card(&root, 7), "button.run-step")).await;
    wait_for("step 7 to pass with the licence back", RUN_TIMEOUT, || {
        status_of(&root, 7) == "passed"
    })
    .await;

    // Realistic timing: delivery in tens of seconds and replication lag, shown in the panel.
    choose(&get(&root, "#sandbox-timing"), "realistic").await;
    let lag: web_sys::HtmlInputElement =
        wasm_bindgen::JsCast::unchecked_into(get(&root, "#fault-lag"));
    assert_eq!(lag.value(), "3000");
    assert!(text(&get(&root, "#sandbox-timing-hint")).contains("25 s"));
    choose(&get(&root, "#sandbox-timing"), "quick").await;
    let lag: web_sys::HtmlInputElement =
        wasm_bindgen::JsCast::unchecked_into(get(&root, "#fault-lag"));
    assert_eq!(lag.value(), "0");
}
