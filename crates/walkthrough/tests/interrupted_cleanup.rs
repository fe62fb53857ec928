//! A reload while cleanup's removals are on their way: the tenant applied them, the run never heard back.
//! Clean up again must finish at once, counting what those removals took away as gone.

mod common;

use common::tenant::Tenant;
use common::Driver;
use walkthrough::{
    builtin_tutorials, AttemptKind, CleanupStatus, Event, Run, RunOptions, StepError,
};

#[test]
fn removals_a_reload_interrupted_count_as_gone_when_cleanup_runs_again() {
    for tutorial in builtin_tutorials() {
        let mut tenant = Tenant::new(sandbox::Config {
            seed: 11,
            delivery_delay_ms: 1_000,
            ..Default::default()
        });
        let mut run = Run::new(tutorial.clone(), RunOptions::default());
        let mut d = Driver::new(100);
        d.event(&mut tenant, &mut run, Event::RunAll { now_ms: 0 });
        assert!(d.settle(&mut tenant, &mut run));
        assert_eq!(run.progress().0, run.progress().1, "{}", tutorial.id);

        // Clean up until a removal sent as a POST (the catalog resource's, the assignment's) is in flight;
        // then the page goes away: the tenant has applied everything sent so far.
        d.event(&mut tenant, &mut run, Event::Cleanup { now_ms: d.now_ms });
        let mut interrupted = 0;
        for _ in 0..50 {
            let json = serde_json::to_string(&run).expect("a run serializes");
            let in_flight_post = run.ledger().entries.iter().any(|e| {
                e.status == CleanupStatus::Removing
                    && e.record
                        .request
                        .as_ref()
                        .is_some_and(|r| r.method == "POST")
                    && e.record.attempts.last().is_some_and(|a| a.status.is_none())
            });
            if in_flight_post {
                d.drop_pending();
                let mut restored: Run = serde_json::from_str(&json).expect("a run deserializes");
                d.event(
                    &mut tenant,
                    &mut restored,
                    Event::Resume { now_ms: d.now_ms },
                );
                d.settle(&mut tenant, &mut restored);
                interrupted = restored
                    .ledger()
                    .entries
                    .iter()
                    .filter(|e| {
                        matches!(
                            e.status,
                            CleanupStatus::Failed(StepError::Interrupted { .. })
                        )
                    })
                    .count();
                run = restored;
                break;
            }
            d.step(&mut tenant, &mut run);
        }
        assert!(
            interrupted > 0,
            "{}: a removal was interrupted",
            tutorial.id
        );

        d.event(&mut tenant, &mut run, Event::Cleanup { now_ms: d.now_ms });
        assert!(d.settle(&mut tenant, &mut run));
        assert_eq!(
            d.cleanup_left,
            Some(0),
            "{}: {:?}",
            tutorial.id,
            run.ledger().left()
        );
        // Entries whose removal went unanswered before the reload: their 404 means that removal was applied.
        let waited_for_lag = run
            .ledger()
            .entries
            .iter()
            .filter(|e| {
                let attempts = &e.record.attempts;
                attempts.len() > 1
                    && attempts[..attempts.len() - 1]
                        .iter()
                        .any(|a| a.status.is_none())
            })
            .flat_map(|e| &e.record.attempts)
            .filter(|a| a.kind == AttemptKind::ReplicationLag)
            .count();
        assert_eq!(
            waited_for_lag, 0,
            "{}: a 404 after an interrupted removal is not waited out as replication lag",
            tutorial.id
        );
        assert_eq!(
            tenant.sandbox.snapshot().beyond_seed(),
            Vec::new(),
            "{}: nothing left in the tenant",
            tutorial.id
        );
    }
}
