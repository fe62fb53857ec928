//! 200 seeded runs against a sandbox that throttles, fails and lags: every run completes and cleans up, on
//! both paths (the requestor asks for the package, or an administrator assigns it).

mod common;

use common::tenant::Tenant;
use common::Driver;
use walkthrough::{builtin_tutorials, Event, Run, RunOptions, StepStatus};

#[test]
fn two_hundred_runs_with_faults_all_complete_and_clean_up() {
    let tutorials = builtin_tutorials();
    let mut retried = 0u64;
    for seed in 0..200u64 {
        let tutorial = tutorials[(seed % 2) as usize].clone();
        let id = tutorial.id.clone();
        let mut tenant = Tenant::new(sandbox::Config {
            seed,
            delivery_delay_ms: 1_000 + (seed % 5) * 1_000,
            faults: sandbox::Faults {
                throttle_rate: 0.1,
                retry_after_secs: 1 + seed % 3,
                unavailable_rate: 0.05,
                replication_lag_ms: 2_000,
            },
            ..Default::default()
        });
        let before = serde_json::to_value(tenant.sandbox.snapshot()).unwrap();
        // Seeds 0, 1 take the requestor's path, 2, 3 the administrator's, and so on: both tutorials, both paths.
        let path = if (seed / 2) % 2 == 0 {
            "requestor"
        } else {
            "admin"
        };
        let options = RunOptions {
            seed,
            one_at_a_time: seed % 7 == 0,
            inputs: [("path".to_string(), path.to_string())].into(),
            ..Default::default()
        };
        let mut run = Run::new(tutorial, options);
        let mut d = Driver::new(20 + seed % 200);
        // Some runs are saved and restored all along, as a page that reloads would.
        d.roundtrip_every = (seed % 3 == 0).then_some(5);
        d.event(&mut tenant, &mut run, Event::RunAll { now_ms: 0 });
        assert!(
            d.settle(&mut tenant, &mut run),
            "seed {seed}: did not settle"
        );
        for i in 0..run.tutorial().steps.len() {
            // Steps of the other path are never sent.
            let want = if run.on_path(i) {
                StepStatus::Passed
            } else {
                StepStatus::Idle
            };
            assert_eq!(
                run.step_status(i),
                &want,
                "seed {seed} {id} {path} step {}: {:?}",
                run.tutorial().steps[i].id,
                run.step_record(i).attempts
            );
        }
        // Not one request of the other path went out (the driver logs each send with its step).
        let off_path_sends: Vec<&String> = d
            .log
            .iter()
            .filter(|line| {
                line.split(' ')
                    .next()
                    .and_then(|s| s.parse::<usize>().ok())
                    .is_some_and(|s| !run.on_path(s))
            })
            .collect();
        assert!(
            off_path_sends.is_empty(),
            "seed {seed} {id} {path}: {off_path_sends:?}"
        );
        let (passed, on_path) = run.progress();
        assert_eq!(passed, on_path);
        assert!(
            on_path < run.tutorial().steps.len(),
            "some steps are on the other path"
        );
        d.event(&mut tenant, &mut run, Event::Cleanup { now_ms: d.now_ms });
        assert!(
            d.settle(&mut tenant, &mut run),
            "seed {seed}: cleanup did not settle"
        );
        assert_eq!(
            d.cleanup_left,
            Some(0),
            "seed {seed} {id}: {:#?}",
            run.ledger().left()
        );
        let after = serde_json::to_value(tenant.sandbox.snapshot()).unwrap();
        assert_eq!(
            after, before,
            "seed {seed} {id}: objects left in the tenant"
        );
        let stats = tenant.sandbox.stats();
        retried += stats.throttled + stats.unavailable + stats.lagged;
    }
    assert!(
        retried > 200,
        "the faults should have fired often ({retried})"
    );
}
