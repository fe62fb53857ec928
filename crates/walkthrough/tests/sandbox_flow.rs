//! Both built-in tutorials end to end against the sandbox tenant, then cleanup, then nothing left.

mod common;

use common::tenant::Tenant;
use common::Driver;
use sandbox::Account;
use walkthrough::{builtin_tutorials, Event, Run, RunOptions, StepStatus};

fn status_report(run: &Run) -> String {
    (0..run.tutorial().steps.len())
        .map(|i| {
            let r = run.step_record(i);
            format!(
                "{} {}: {:?}\n   request {:?}\n   response {:?}\n",
                i,
                run.tutorial().steps[i].id,
                run.step_status(i),
                r.request
                    .as_ref()
                    .map(|q| format!("{} {}", q.method, q.url)),
                r.response.as_ref().map(|x| format!(
                    "{} {}",
                    x.status,
                    x.body.chars().take(400).collect::<String>()
                ))
            )
        })
        .collect()
}

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
                ..Default::default()
            },
        );
        let mut d = Driver::new(150);
        d.event(&mut tenant, &mut run, Event::RunAll { now_ms: 0 });
        assert!(d.settle(&mut tenant, &mut run));
        for i in 0..run.tutorial().steps.len() {
            assert_eq!(
                run.step_status(i),
                &StepStatus::Passed,
                "{id} as {account:?}\n{}",
                status_report(&run)
            );
        }
        let during = tenant.sandbox.snapshot();
        assert_ne!(
            serde_json::to_value(&during).unwrap(),
            serde_json::to_value(&before).unwrap()
        );
        assert_eq!(run.ledger().entries.len(), 9, "{id}: {:#?}", run.ledger());
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
