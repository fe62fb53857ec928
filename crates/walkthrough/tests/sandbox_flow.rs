//! Both built-in tutorials end to end against the sandbox tenant, then cleanup, then nothing left.

mod common;

use common::tenant::Tenant;
use common::{status_report, Driver};
use sandbox::Account;
use walkthrough::{builtin_tutorials, Event, Run, RunOptions, StepStatus};

#[test]
fn both_builtins_run_and_clean_up_in_the_sandbox() {
    run_and_clean_up_as(Account::GlobalAdmin);
}

/// User Administrator, Privileged Role Administrator and Identity Governance Administrator are
/// all the tutorials need.
#[test]
fn both_builtins_run_as_the_least_privilege_administrator() {
    run_and_clean_up_as(Account::LeastPrivilegeAdmin);
}

/// A member with no directory role gets as far as the first write: creating the test administrator.
#[test]
fn without_a_role_the_first_write_is_refused() {
    for tutorial in builtin_tutorials() {
        let id = tutorial.id.clone();
        let mut tenant = Tenant::signed_in_as(sandbox::Config::default(), Account::Member);
        let mut run = Run::new(
            tutorial,
            RunOptions {
                seed: 7,
                ..Default::default()
            },
        );
        let mut d = Driver::new(150);
        d.event(&mut tenant, &mut run, Event::RunAll { now_ms: 0 });
        assert!(d.settle(&mut tenant, &mut run));
        let steps = &run.tutorial().steps;
        let first_write = (0..steps.len())
            .find(|&i| steps[i].request.method != "GET")
            .expect("a write step");
        assert_eq!(steps[first_write].id, "admin", "{id}");
        for i in 0..first_write {
            assert_eq!(
                run.step_status(i),
                &StepStatus::Passed,
                "{id}\n{}",
                status_report(&run)
            );
        }
        assert!(
            matches!(run.step_status(first_write), StepStatus::Failed(_)),
            "{id}\n{}",
            status_report(&run)
        );
        let response = run
            .step_record(first_write)
            .response
            .clone()
            .expect("answered");
        assert_eq!(response.status, 403);
        assert!(
            response.body.contains("Authorization_RequestDenied"),
            "{}",
            response.body
        );
        assert!(tenant.sandbox.snapshot().beyond_seed().is_empty(), "{id}");
    }
}

fn run_and_clean_up_as(account: Account) {
    for path in ["requestor", "admin"] {
        run_path_and_clean_up_as(account, path);
    }
}

/// One path of both tutorials: the requestor asks for the package with their own sign-in, or an
/// administrator assigns it.
fn run_path_and_clean_up_as(account: Account, path: &str) {
    for tutorial in builtin_tutorials() {
        let id = tutorial.id.clone();
        let mut tenant = Tenant::signed_in_as(
            sandbox::Config {
                seed: 1,
                ..Default::default()
            },
            account,
        );
        let before = tenant.sandbox.snapshot();
        let mut run = Run::new(
            tutorial,
            RunOptions {
                seed: 7,
                inputs: [("path".to_string(), path.to_string())].into(),
                ..Default::default()
            },
        );
        let mut d = Driver::new(150);
        d.event(&mut tenant, &mut run, Event::RunAll { now_ms: 0 });
        assert!(d.settle(&mut tenant, &mut run));
        for i in 0..run.tutorial().steps.len() {
            let want = if run.on_path(i) {
                StepStatus::Passed
            } else {
                StepStatus::Idle
            };
            assert_eq!(
                run.step_status(i),
                &want,
                "{id} as {account:?} on the {path} path\n{}",
                status_report(&run)
            );
        }
        let during = tenant.sandbox.snapshot();
        assert_ne!(
            serde_json::to_value(&during).unwrap(),
            serde_json::to_value(&before).unwrap()
        );
        assert_eq!(run.ledger().entries.len(), 9, "{id}: {:#?}", run.ledger());
        // An entry is named after the step that created it; an object a step only looked up is named by
        // what it is, never after that step.
        for entry in &run.ledger().entries {
            let step = &run.tutorial().steps[entry.step];
            let found = step.request.method == "GET";
            assert_eq!(
                entry.label.starts_with(&step.title),
                !found,
                "{id}: ledger entry {:?} of step {:?}",
                entry.label,
                step.title
            );
        }
        d.event(&mut tenant, &mut run, Event::Cleanup { now_ms: d.now_ms });
        assert!(d.settle(&mut tenant, &mut run));
        assert_eq!(d.cleanup_left, Some(0), "{id}: {:#?}", run.ledger());
        // Let pending deliveries apply, then compare with the seeded tenant.
        let after = tenant.sandbox.snapshot();
        assert_eq!(
            serde_json::to_value(&after).unwrap(),
            serde_json::to_value(&before).unwrap(),
            "{id} as {account:?}: the tenant is not back to its seeded state"
        );
    }
}

/// The requestor holds no directory role: their own token cannot do what the administrator's step does.
/// The administrator's assignment step, made to run as the requestor, is refused with Graph's 403.
#[test]
fn the_requestors_token_cannot_do_an_administrators_step() {
    for mut tutorial in builtin_tutorials() {
        let id = tutorial.id.clone();
        let assign = tutorial
            .step_index("request")
            .expect("the administrator's assignment step");
        tutorial.steps[assign].run_as = Some("requestor".to_string());
        let mut tenant = Tenant::new(sandbox::Config::default());
        let mut run = Run::new(
            tutorial,
            RunOptions {
                seed: 7,
                inputs: [("path".to_string(), "admin".to_string())].into(),
                ..Default::default()
            },
        );
        let mut d = Driver::new(150);
        d.event(
            &mut tenant,
            &mut run,
            Event::RunTo {
                step: assign,
                now_ms: 0,
            },
        );
        assert!(d.settle(&mut tenant, &mut run));
        let response = run.step_record(assign).response.clone().expect("answered");
        assert_eq!(response.status, 403, "{id}\n{}", status_report(&run));
        assert!(
            matches!(run.step_status(assign), StepStatus::Failed(_)),
            "{id}\n{}",
            status_report(&run)
        );
        assert!(
            tenant.sandbox.snapshot().assignment_requests.is_empty(),
            "{id}: nothing was requested"
        );
    }
}
