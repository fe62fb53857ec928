//! Both built-in tutorials under both timing presets, on a virtual clock: delivery passes through its
//! intermediate states, replication lag is waited out, and cleanup leaves nothing behind.

// The runner's native test driver, shared with walkthrough's own tests.
#[path = "../../walkthrough/tests/common/mod.rs"]
mod common;

use common::tenant::Tenant;
use common::Driver;
use sandbox::{Account, Config, Timing};
use walkthrough::{builtin_tutorials, Event, Run, RunOptions, StepStatus};

fn report(run: &Run) -> String {
    (0..run.tutorial().steps.len())
        .map(|i| {
            let r = run.step_record(i);
            format!(
                "{} {}: {:?} {:?}\n",
                run.tutorial().steps[i].id,
                i,
                run.step_status(i),
                r.response.as_ref().map(|x| format!(
                    "{} {}",
                    x.status,
                    x.body.chars().take(300).collect::<String>()
                ))
            )
        })
        .collect()
}

fn run_both(timing: Timing, account: Account) {
    for path in ["requestor", "admin"] {
        run_path(timing, account, path);
    }
}

/// Both tutorials on one path: the requestor asks for the package (signing its own requests), or an
/// administrator assigns it.
fn run_path(timing: Timing, account: Account, path: &str) {
    for tutorial in builtin_tutorials() {
        let id = tutorial.id.clone();
        let config = Config {
            seed: 3,
            ..Default::default()
        }
        .with_timing(timing);
        let mut tenant = Tenant::signed_in_as(config, account);
        let before = serde_json::to_value(tenant.sandbox.snapshot()).expect("snapshot");
        let mut run = Run::new(
            tutorial,
            RunOptions {
                seed: 5,
                inputs: [("path".to_string(), path.to_string())].into(),
                ..Default::default()
            },
        );
        let mut d = Driver::new(150);
        d.event(&mut tenant, &mut run, Event::RunAll { now_ms: 0 });
        assert!(d.settle(&mut tenant, &mut run), "{id}: settles");
        for i in 0..run.tutorial().steps.len() {
            let want = if run.on_path(i) {
                StepStatus::Passed
            } else {
                StepStatus::Idle
            };
            assert_eq!(
                run.step_status(i),
                &want,
                "{id} ({timing:?}, {account:?}, {path})\n{}",
                report(&run)
            );
        }
        let took = d.now_ms;
        if timing == Timing::Realistic {
            assert!(
                took >= timing.delivery_delay_ms(),
                "{id}: a realistic run waits for delivery ({took} ms)"
            );
        }
        d.event(&mut tenant, &mut run, Event::Cleanup { now_ms: d.now_ms });
        assert!(d.settle(&mut tenant, &mut run), "{id}: cleanup settles");
        assert_eq!(
            d.cleanup_left,
            Some(0),
            "{id} ({timing:?}): {:#?}",
            run.ledger().left()
        );
        let after = serde_json::to_value(tenant.sandbox.snapshot()).expect("snapshot");
        assert_eq!(
            after, before,
            "{id} ({timing:?}): back to the seeded tenant"
        );
        assert!(
            timing == Timing::Quick || tenant.sandbox.stats().lagged > 0,
            "{id}: realistic timing lags replication"
        );
    }
}

#[test]
fn both_tutorials_pass_with_quick_timing() {
    run_both(Timing::Quick, Account::GlobalAdmin);
    run_both(Timing::Quick, Account::LeastPrivilegeAdmin);
}

#[test]
fn both_tutorials_pass_with_realistic_timing() {
    run_both(Timing::Realistic, Account::GlobalAdmin);
    run_both(Timing::Realistic, Account::LeastPrivilegeAdmin);
}
