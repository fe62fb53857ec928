//! Both built-in tutorials end to end against the sandbox tenant, then cleanup, then nothing left.

mod common;

use common::tenant::Tenant;
use common::Driver;
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
    for tutorial in builtin_tutorials() {
        let id = tutorial.id.clone();
        let mut tenant = Tenant::new(sandbox::Config {
            seed: 1,
            ..Default::default()
        });
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
                "{id}\n{}",
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
            "{id}: the tenant is not back to its seeded state"
        );
    }
}
