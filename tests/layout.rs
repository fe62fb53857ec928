//! Finding your place: the steps' outline, cards that fold once passed, panels one click away, Live's
//! panel brought into view, the Load… popover, cards after cleanup, Copy body's feedback.
#![cfg(target_arch = "wasm32")]

mod common;

use std::time::Duration;

use common::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const RUN_TIMEOUT: Duration = Duration::from_secs(30);

fn active() -> Option<web_sys::Element> {
    gloo_utils::document().active_element()
}

fn focus(element: &web_sys::Element) {
    element
        .dyn_ref::<web_sys::HtmlElement>()
        .expect("an HTML element")
        .focus()
        .expect("focusable");
}

fn expanded(card: &web_sys::Element) -> bool {
    get(card, ".card-toggle")
        .get_attribute("aria-expanded")
        .as_deref()
        == Some("true")
}

fn has_class(element: &web_sys::Element, class: &str) -> bool {
    element.class_name().split_whitespace().any(|c| c == class)
}

fn rail_link(root: &web_sys::Element, n: usize) -> web_sys::Element {
    get(root, &format!("#step-rail a[href='#step-{n}']"))
}

#[wasm_bindgen_test]
async fn the_outline_lists_every_step_marks_where_the_run_is_and_goes_to_a_card() {
    let root = mount_app("?tutorial=access-package-beta", false).await;
    let links = all(&root, "nav#step-rail a.rail-link");
    assert_eq!(
        links.len(),
        all(&root, "li.step").len(),
        "one entry per step"
    );
    assert_eq!(
        all(&root, "#step-rail [aria-current='step']").len(),
        1,
        "one step is marked current"
    );
    assert_eq!(
        rail_link(&root, 1).get_attribute("aria-current").as_deref(),
        Some("step")
    );

    click(&get(&card(&root, 1), "button.run-step")).await;
    wait_for("step 1 to pass", RUN_TIMEOUT, || {
        status_of(&root, 1) == "passed"
    })
    .await;
    wait_for("the outline to move on", RUN_TIMEOUT, || {
        rail_link(&root, 2).get_attribute("aria-current").as_deref() == Some("step")
    })
    .await;
    assert!(has_class(&rail_link(&root, 1), "passed"));
    assert!(
        text(&rail_link(&root, 1)).contains("Passed"),
        "the status is said in words"
    );

    // A failure is red and is where the run is.
    click(&get(&card(&root, 2), ".edit-request")).await;
    type_into(&get(&root, "#step-2-url"), "{{base}}/no-such-collection").await;
    submit(&get(&card(&root, 2), "form.request-editor")).await;
    click(&get(&card(&root, 2), "button.run-step")).await;
    wait_for("step 2 to fail", RUN_TIMEOUT, || {
        status_of(&root, 2) == "failed"
    })
    .await;
    let failed = rail_link(&root, 2);
    assert!(has_class(&failed, "failed"));
    assert_eq!(
        failed.get_attribute("aria-current").as_deref(),
        Some("step")
    );

    // One click to a card: it opens, and takes focus.
    click(&rail_link(&root, 1)).await;
    assert_eq!(active(), Some(card(&root, 1)));
    assert!(expanded(&card(&root, 1)), "the passed card opened");
    root.remove();
}

#[wasm_bindgen_test]
async fn passed_cards_fold_to_one_line_and_open_on_demand() {
    let root = mount_app("?tutorial=access-package-beta", false).await;
    // Run to here on step 3: steps 1 and 2 pass on the way and fold; the card the reader ran stays open.
    click(&get(&card(&root, 3), "button.run-to")).await;
    wait_for("step 3 to pass", RUN_TIMEOUT, || {
        status_of(&root, 3) == "passed"
    })
    .await;
    let passed_on_the_way: Vec<usize> = (1..3)
        .filter(|&n| status_of(&root, n) == "passed")
        .collect();
    assert!(
        !passed_on_the_way.is_empty(),
        "step 3 needs an earlier step"
    );
    for n in passed_on_the_way {
        let folded = card(&root, n);
        assert!(!expanded(&folded), "step {n} folded");
        assert!(get(&folded, ".step-body").has_attribute("hidden"));
        assert!(text(&get(&folded, ".step-head")).contains("Passed"));
    }
    assert!(
        expanded(&card(&root, 3)),
        "the card the reader ran stays open"
    );
    assert!(
        !get(&card(&root, 4), ".step-body").has_attribute("hidden"),
        "steps not run are open"
    );

    click(&get(&card(&root, 1), ".card-toggle")).await;
    assert!(expanded(&card(&root, 1)));
    assert!(!get(&card(&root, 1), ".step-body").has_attribute("hidden"));

    click(&get(&root, "#collapse-all")).await;
    assert!(all(&root, "li.step:not(.off-path)")
        .iter()
        .all(|c| !expanded(c)));
    click(&get(&root, "#expand-all")).await;
    assert!(all(&root, "li.step:not(.off-path)").iter().all(expanded));
    root.remove();
}

#[wasm_bindgen_test]
async fn each_panel_is_one_click_away_and_choosing_live_brings_its_panel() {
    let root = mount_app("?tutorial=access-package-beta", false).await;
    for (button, heading) in [
        ("#show-panel-cleanup", "cleanup-title"),
        ("#show-panel-sandbox", "sandbox-title"),
        ("#show-panel-variables", "variables-title"),
    ] {
        click(&get(&root, button)).await;
        wait_for(&format!("{heading} to take focus"), RUN_TIMEOUT, || {
            active().is_some_and(|a| a.id() == heading)
        })
        .await;
    }

    click(&get(&root, "#mode-live")).await;
    wait_for("the live panel to be chosen", RUN_TIMEOUT, || {
        find(
            &root,
            "#panel-live.chosen .live-panel, #panel-live.chosen #live-title",
        )
        .is_some()
    })
    .await;
    assert_ne!(
        active().map(|a| a.id()).as_deref(),
        Some("live-title"),
        "the mode's radio keeps focus"
    );

    // Run all without a token says what is missing and links to the live panel.
    click(&get(&root, "#run-all")).await;
    let link = get(&root, ".notice a.notice-link");
    assert_eq!(link.get_attribute("href").as_deref(), Some("#panel-live"));
    click(&link).await;
    wait_for(
        "the live panel's heading to take focus",
        RUN_TIMEOUT,
        || active().is_some_and(|a| a.id() == "live-title"),
    )
    .await;
    root.remove();
}

#[wasm_bindgen_test]
async fn the_load_popover_closes_when_focus_or_a_click_leaves_it() {
    let root = mount_app("?tutorial=access-package-beta", false).await;
    let details: web_sys::HtmlDetailsElement = get(&root, "details.load-tutorial").unchecked_into();
    details.set_open(true);
    focus(&get(&root, "#tutorial-url"));
    focus(&get(&root, "#run-all"));
    yew::scheduler::flush().await;
    assert!(!details.open(), "focus left: closed");

    details.set_open(true);
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    let down = web_sys::Event::new_with_event_init_dict("pointerdown", &init).unwrap();
    get(&root, ".intro").dispatch_event(&down).unwrap();
    assert!(!details.open(), "a click elsewhere: closed");
    root.remove();
}

#[wasm_bindgen_test]
async fn after_cleanup_cards_say_their_objects_were_removed() {
    let root = mount_app("?tutorial=access-package-beta", false).await;
    click(&get(&card(&root, 2), "button.run-to")).await;
    wait_for("step 2 to pass", RUN_TIMEOUT, || {
        status_of(&root, 2) == "passed"
    })
    .await;
    assert!(card(&root, 2).get_attribute("data-removed").is_none());
    click(&get(&root, "#clean-up")).await;
    wait_for("cleanup to finish", RUN_TIMEOUT, || {
        text(&get(&root, ".cleanup-summary")).contains("has been removed")
    })
    .await;
    let created = card(&root, 2);
    assert_eq!(
        created.get_attribute("data-removed").as_deref(),
        Some("true")
    );
    assert!(text(&get(&created, ".status")).contains("removed by cleanup"));
    assert!(text(&get(&created, ".removed-note")).contains("no longer exist"));
    // A step that created nothing says nothing of the kind.
    assert!(card(&root, 1).get_attribute("data-removed").is_none());
    assert!(text(&rail_link(&root, 2)).contains("removed by cleanup"));
    root.remove();
}

#[wasm_bindgen_test]
async fn copy_body_says_what_it_did() {
    let root = mount_app("?tutorial=access-package-beta", false).await;
    click(&get(&card(&root, 1), "button.run-step")).await;
    wait_for("step 1 to pass", RUN_TIMEOUT, || {
        status_of(&root, 1) == "passed"
    })
    .await;
    let feedback = get(&card(&root, 1), ".copy-feedback");
    assert_eq!(feedback.get_attribute("role").as_deref(), Some("status"));
    assert!(text(&feedback).is_empty());
    click(&get(&card(&root, 1), ".copy-body")).await;
    wait_for("the copy to be confirmed or refused", RUN_TIMEOUT, || {
        let said = text(&feedback);
        said.contains("Copied") || said.contains("did not allow")
    })
    .await;
    root.remove();
}

#[wasm_bindgen_test]
async fn the_role_choice_is_shown_by_its_name() {
    let root = mount_app("?tutorial=access-package-beta", false).await;
    let row = get(&root, ".variables tr[data-var='input.admin_role']");
    let name = text(&get(&row, ".var-choice"));
    assert!(name.contains("Identity Governance Administrator"), "{name}");
    root.remove();
}

#[wasm_bindgen_test]
async fn the_toolbars_run_buttons_keep_focus_while_the_run_is_busy() {
    let root = mount_app("?tutorial=access-package-beta", false).await;
    let run_all = get(&root, "#run-all");
    focus(&run_all);
    click(&run_all).await;
    assert!(!run_all.has_attribute("disabled"), "focusable while busy");
    wait_for("the run to finish", RUN_TIMEOUT, || {
        run_all.get_attribute("aria-disabled").is_none()
            && find(&root, "li.step[data-status='passed']").is_some()
    })
    .await;
    assert_eq!(active(), Some(run_all.clone()), "Run all kept focus");

    let clean_up = get(&root, "#clean-up");
    focus(&clean_up);
    click(&clean_up).await;
    wait_for("cleanup to finish", RUN_TIMEOUT, || {
        text(&get(&root, ".cleanup-summary")).contains("has been removed")
    })
    .await;
    assert_eq!(
        clean_up.get_attribute("aria-disabled").as_deref(),
        Some("true"),
        "nothing left to remove"
    );
    assert_eq!(active(), Some(clean_up), "Clean up kept focus");
    root.remove();
}

/// A throttled request says how long the run really waits before trying again, even when Graph's
/// Retry-After says 0.
#[wasm_bindgen_test]
async fn a_retry_says_the_wait_it_really_has() {
    let root = mount_app(
        "?tutorial=access-package-beta&throttle=1&retry_after=0",
        false,
    )
    .await;
    click(&get(&card(&root, 1), "button.run-step")).await;
    wait_for("the step to retry", RUN_TIMEOUT, || {
        text(&get(&card(&root, 1), ".status")).contains("Retrying")
    })
    .await;
    let said = text(&get(&card(&root, 1), ".status"));
    assert!(said.contains("waiting 250 ms"), "{said}");
    assert!(!said.contains("waiting 0 ms"), "{said}");
    click(&get(&root, "#stop")).await;
    root.remove();
}
