//! End-to-end runs of the built-in tutorials against a small fake Graph, on a virtual clock.

mod common;

use common::fake::Fake;
use common::Driver;
use walkthrough::{builtin_tutorials, Event, Run, RunOptions, StepStatus};

fn run_all(id: &str, one_at_a_time: bool) -> (Run, Fake, Driver) {
    let tutorial = builtin_tutorials()
        .into_iter()
        .find(|t| t.id == id)
        .expect("built-in");
    let mut run = Run::new(
        tutorial,
        // The small fake answers the administrator's requests only; the requestor's path runs against the
        // sandbox tenant (sandbox_flow.rs).
        RunOptions {
            seed: 42,
            one_at_a_time,
            inputs: [("path".to_string(), "admin".to_string())].into(),
            ..Default::default()
        },
    );
    let mut fake = Fake::new();
    let mut d = Driver::new(150);
    d.event(&mut fake, &mut run, Event::RunAll { now_ms: 0 });
    assert!(d.settle(&mut fake, &mut run));
    (run, fake, d)
}

/// Every step of the chosen path passed; the other path's steps were never sent.
fn assert_all_passed(run: &Run) {
    for i in 0..run.tutorial().steps.len() {
        let want = if run.on_path(i) {
            StepStatus::Passed
        } else {
            StepStatus::Idle
        };
        assert_eq!(
            run.step_status(i),
            &want,
            "step {i} `{}`: {:?}",
            run.tutorial().steps[i].id,
            run.step_record(i)
        );
    }
}

#[test]
fn builtins_parse() {
    let all = builtin_tutorials();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].id, "access-package-beta");
    assert_eq!(all[1].id, "access-package-v1");
}

#[test]
fn both_builtins_run_end_to_end_and_clean_up_against_the_fake() {
    for id in ["access-package-beta", "access-package-v1"] {
        let (mut run, mut fake, mut d) = run_all(id, false);
        assert_all_passed(&run);
        assert_eq!(d.done, 1);
        assert!(!run.ledger().entries.is_empty());
        d.event(&mut fake, &mut run, Event::Cleanup { now_ms: d.now_ms });
        assert!(d.settle(&mut fake, &mut run));
        assert_eq!(d.cleanup_left, Some(0), "{:#?}", run.ledger());
        assert!(run.ledger().is_clean());
        assert_eq!(fake.left(), Vec::<String>::new(), "{id}");
    }
}

#[test]
fn the_example_in_format_md_parses_and_runs() {
    let doc = include_str!("../FORMAT.md");
    let start = doc.find("````markdown\n").expect("example start") + "````markdown\n".len();
    let end = start + doc[start..].find("\n````").expect("example end");
    let t = walkthrough::parse_tutorial(&doc[start..end]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(t.steps.len(), 2);
    assert_eq!(t.inputs[0].choices.len(), 2);
    assert_eq!(
        t.steps[0].note.as_deref(),
        Some("A caution shown on the card. Block quotes become the step's note.")
    );
}

/// Where one account signs in (live mode), a run starts on the path where no step runs as another account.
#[test]
fn the_one_account_path_is_the_administrators() {
    for tutorial in builtin_tutorials() {
        let inputs = tutorial.one_account_inputs();
        assert_eq!(
            inputs.get("path").map(String::as_str),
            Some("admin"),
            "{}",
            tutorial.id
        );
        let run = Run::new(
            tutorial.clone(),
            RunOptions {
                inputs,
                ..Default::default()
            },
        );
        let as_another = (0..tutorial.steps.len())
            .filter(|&i| run.on_path(i) && tutorial.steps[i].run_as.is_some())
            .count();
        assert_eq!(as_another, 0, "{}", tutorial.id);
        // By default the requestor asks, with their own account.
        let default = Run::new(tutorial.clone(), RunOptions::default());
        assert!((0..tutorial.steps.len())
            .any(|i| default.on_path(i) && tutorial.steps[i].run_as.is_some()));
    }
}

/// The signed-in account asks for every permission but those only the requestor's own steps use.
#[test]
fn the_signed_in_account_does_not_ask_for_the_requestors_permission() {
    for tutorial in builtin_tutorials() {
        let mine = tutorial.signed_in_scopes();
        let subject = "EntitlementMgmt-SubjectAccess.ReadWrite".to_string();
        assert!(tutorial.scopes.contains(&subject), "{}", tutorial.id);
        assert!(!mine.contains(&subject), "{}: {mine:?}", tutorial.id);
        assert_eq!(mine.len(), tutorial.scopes.len() - 1, "{}", tutorial.id);
    }
}
