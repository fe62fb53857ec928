//! Runs saved by an earlier engine (as the app keeps them in storage) still load, resume, finish and clean up.
//!
//! Each fixture is a `Run` exactly as serialized then, with the fake tenant it was talking to beside it.
//! `write_fixtures` made them; it never overwrites one, since the point is to keep the old shape.

mod common;

use std::path::PathBuf;

use common::fake::Fake;
use common::Driver;
use serde::{Deserialize, Serialize};
use walkthrough::{
    builtin_tutorials, AttemptKind, CleanupStatus, Event, Run, RunOptions, StepStatus,
};

/// The beta tutorial partway through: some steps passed, objects in the ledger, a step waiting out a 429.
const RUN_V1: &str = "saved-run-v1";
/// The beta tutorial being cleaned up: the assignment's removal accepted and being waited for.
const CLEANUP_V1: &str = "saved-cleanup-v1";

/// The fake tenant as it was when the run was saved, and the driver's clock.
#[derive(Serialize, Deserialize)]
struct Tenant {
    now_ms: u64,
    fake: Fake,
}

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn load(name: &str) -> (Run, Tenant) {
    let run =
        std::fs::read_to_string(fixture(&format!("{name}.json"))).expect("the fixture exists");
    let tenant = std::fs::read_to_string(fixture(&format!("{name}.tenant.json")))
        .expect("the fixture's tenant exists");
    let run: Run = serde_json::from_str(&run).expect("a saved run still loads");
    let tenant: Tenant = serde_json::from_str(&tenant).expect("the tenant loads");
    (run, tenant)
}

fn save(name: &str, run: &Run, now_ms: u64, fake: Fake) {
    let run_path = fixture(&format!("{name}.json"));
    if run_path.exists() {
        eprintln!("{} exists; kept as it is", run_path.display());
        return;
    }
    std::fs::create_dir_all(run_path.parent().expect("a folder")).expect("fixtures folder");
    let tenant = Tenant { now_ms, fake };
    std::fs::write(
        &run_path,
        serde_json::to_string_pretty(run).expect("serializes"),
    )
    .expect("written");
    std::fs::write(
        fixture(&format!("{name}.tenant.json")),
        serde_json::to_string_pretty(&tenant).expect("serializes"),
    )
    .expect("written");
}

fn beta() -> walkthrough::Tutorial {
    builtin_tutorials().remove(0)
}

/// Steps with a request on its way whose method is not idempotent: a reload would mark them interrupted.
fn writes_in_flight(run: &Run) -> bool {
    (0..run.tutorial().steps.len()).any(|i| {
        let record = run.step_record(i);
        matches!(
            run.step_status(i),
            StepStatus::Running | StepStatus::Polling { .. }
        ) && record.attempts.last().is_some_and(|a| a.status.is_none())
            && record.request.as_ref().is_some_and(|r| r.method != "GET")
    }) || run.ledger().entries.iter().any(|e| {
        e.status == CleanupStatus::Removing
            && e.record.attempts.last().is_some_and(|a| a.status.is_none())
            && e.record.request.as_ref().is_some_and(|r| r.method != "GET")
    })
}

#[test]
#[ignore = "writes the saved-run fixtures when they are missing"]
fn write_fixtures() {
    let start = 1_760_000_000_000;

    // Partway through, with a step retrying a 429.
    let mut fake = Fake::new();
    let mut run = Run::new(
        beta(),
        RunOptions {
            seed: 42,
            ..Default::default()
        },
    );
    let mut d = Driver::new(100);
    d.now_ms = start;
    d.event(&mut fake, &mut run, Event::RunAll { now_ms: start });
    let mut throttled = false;
    loop {
        assert!(
            d.step(&mut fake, &mut run),
            "the run ended before a step retried"
        );
        if !throttled && run.progress().0 >= 4 && run.ledger().entries.len() >= 2 {
            fake.fail_next.push((429, Some("7")));
            throttled = true;
        }
        let retrying = (0..run.tutorial().steps.len())
            .any(|i| matches!(run.step_status(i), StepStatus::Retrying { .. }));
        if throttled && retrying && !writes_in_flight(&run) {
            break;
        }
    }
    save(RUN_V1, &run, d.now_ms, fake);

    // Cleaning up, waiting for the assignment's removal to take effect.
    let mut fake = Fake::new();
    let mut run = Run::new(
        beta(),
        RunOptions {
            seed: 43,
            ..Default::default()
        },
    );
    let mut d = Driver::new(100);
    d.now_ms = start;
    d.event(&mut fake, &mut run, Event::RunAll { now_ms: start });
    assert!(d.settle(&mut fake, &mut run));
    d.event(&mut fake, &mut run, Event::Cleanup { now_ms: d.now_ms });
    loop {
        assert!(d.step(&mut fake, &mut run), "cleanup ended before a wait");
        let waiting = run
            .ledger()
            .entries
            .iter()
            .any(|e| e.status == CleanupStatus::Waiting);
        if waiting && !writes_in_flight(&run) {
            break;
        }
    }
    save(CLEANUP_V1, &run, d.now_ms, fake);
}

#[test]
fn a_run_saved_partway_through_resumes_finishes_and_cleans_up() {
    let (mut run, Tenant { now_ms, mut fake }) = load(RUN_V1);
    let total = run.tutorial().steps.len();
    let passed_before = run.progress().0;
    assert!(passed_before >= 4, "{passed_before}");
    let ledger_before: Vec<(String, Option<String>)> = run
        .ledger()
        .entries
        .iter()
        .map(|e| (e.label.clone(), e.object_id.clone()))
        .collect();
    assert!(ledger_before.len() >= 2, "{ledger_before:?}");
    assert!(ledger_before.iter().all(|(_, id)| id.is_some()));
    let (retrying, next_at_ms) = (0..total)
        .find_map(|i| match run.step_status(i) {
            StepStatus::Retrying { next_at_ms, .. } => Some((i, *next_at_ms)),
            _ => None,
        })
        .expect("a step is retrying");
    assert_eq!(
        run.step_record(retrying)
            .attempts
            .last()
            .and_then(|a| a.status),
        Some(429)
    );
    let tag = run.variables().get("run.tag").expect("a tag").value.clone();

    let mut d = Driver::new(100);
    d.now_ms = now_ms;
    d.event(&mut fake, &mut run, Event::Resume { now_ms });
    assert!(
        matches!(run.step_status(retrying), StepStatus::Retrying { next_at_ms: at, .. } if *at == next_at_ms),
        "{:?}",
        run.step_status(retrying)
    );
    assert!(d.settle(&mut fake, &mut run));
    // The retry went out when Retry-After said, and the plan saved with the run carried on.
    let attempts = &run.step_record(retrying).attempts;
    assert_eq!(attempts[0].status, Some(429));
    assert_eq!(attempts[1].kind, AttemptKind::Retry);
    assert_eq!(attempts[1].sent_at_ms, next_at_ms);
    d.event(&mut fake, &mut run, Event::RunAll { now_ms: d.now_ms });
    assert!(d.settle(&mut fake, &mut run));
    assert_eq!(run.progress(), (total, total));
    assert_eq!(
        run.variables().get("run.tag").map(|v| v.value.clone()),
        Some(tag)
    );
    // The objects the saved run had recorded are still in its ledger, first.
    let ledger_after: Vec<(String, Option<String>)> = run
        .ledger()
        .entries
        .iter()
        .map(|e| (e.label.clone(), e.object_id.clone()))
        .collect();
    assert_eq!(ledger_after[..ledger_before.len()], ledger_before[..]);

    d.event(&mut fake, &mut run, Event::Cleanup { now_ms: d.now_ms });
    assert!(d.settle(&mut fake, &mut run));
    assert_eq!(d.cleanup_left, Some(0), "{:?}", run.ledger().left());
    assert!(run.ledger().is_clean());
    assert_eq!(fake.left(), Vec::<String>::new());
}

#[test]
fn a_run_saved_during_cleanup_resumes_the_wait_and_finishes() {
    let (mut run, Tenant { now_ms, mut fake }) = load(CLEANUP_V1);
    let waiting = run
        .ledger()
        .entries
        .iter()
        .position(|e| e.status == CleanupStatus::Waiting)
        .expect("an entry is waiting for its removal");
    assert!(!fake.left().is_empty());

    let mut d = Driver::new(100);
    d.now_ms = now_ms;
    d.event(&mut fake, &mut run, Event::Resume { now_ms });
    assert!(d.settle(&mut fake, &mut run));
    assert_eq!(d.cleanup_left, Some(0), "{:?}", run.ledger().left());
    assert!(run.ledger().is_clean());
    let entry = &run.ledger().entries[waiting];
    assert_eq!(entry.status, CleanupStatus::Removed);
    assert!(entry
        .record
        .attempts
        .iter()
        .any(|a| a.kind == AttemptKind::Poll));
    assert_eq!(fake.left(), Vec::<String>::new());
}

#[test]
fn a_saved_run_saves_again_without_loss() {
    for name in [RUN_V1, CLEANUP_V1] {
        let (run, _) = load(name);
        let again: Run =
            serde_json::from_str(&serde_json::to_string(&run).expect("serializes")).expect("loads");
        assert_eq!(again, run, "{name}");
    }
}
