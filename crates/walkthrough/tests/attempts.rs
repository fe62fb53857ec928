//! A step and a cleanup entry go through the same attempt machine: the same retries, the same giving up.

use walkthrough::{
    parse_tutorial, Action, AttemptKind, CleanupStatus, Event, Run, RunOptions, SendFailure,
    StepError, StepRecord, StepStatus,
};

/// One step that creates a thing with a POST and polls it; its cleanup removes it with a POST and waits.
const TUTORIAL: &str = r#"---
id: machine
title: Machine
api: v1.0
base: https://graph.microsoft.com/v1.0/
scopes: Thing.ReadWrite.All
---

Intro.

## Make a thing {#thing}

```http
POST {{base}}/things
Content-Type: application/json

{"name": "t-{{run.tag}}"}
```

```walk
[Captures]
thing_id: jsonpath "$.id"
[Poll]
until: jsonpath "$.state" == "Ready"
interval: 1s
backoff: 2
max-interval: 4s
limit: 10s
[Cleanup]
POST {{base}}/things/{{thing_id}}/remove
[Cleanup Captures]
removal_id: jsonpath "$.id"
[Cleanup Wait]
GET {{base}}/removals/{{cleanup.removal_id}}
until: jsonpath "$.state" == "Done"
interval: 1s
backoff: 2
max-interval: 4s
limit: 10s
```
"#;

fn run() -> Run {
    let tutorial = parse_tutorial(TUTORIAL).expect("the tutorial parses");
    Run::new(tutorial, RunOptions::default())
}

fn reply(status: u16, headers: &[(&str, &str)], body: &str) -> http::Response<String> {
    let mut b = http::Response::builder().status(status);
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    b.body(body.to_string()).expect("a response")
}

/// The one request the actions send: (id, method).
fn sent(actions: &[Action]) -> (u64, String) {
    let sends: Vec<(u64, String)> = actions
        .iter()
        .filter_map(|a| match a {
            Action::Send {
                request_id,
                request,
                ..
            } => Some((*request_id, request.method().to_string())),
            _ => None,
        })
        .collect();
    assert_eq!(sends.len(), 1, "{actions:?}");
    sends[0].clone()
}

fn wake(actions: &[Action]) -> Option<u64> {
    actions.iter().find_map(|a| match a {
        Action::WakeAt(at) => Some(*at),
        _ => None,
    })
}

fn answer(run: &mut Run, id: u64, response: http::Response<String>, now_ms: u64) -> Vec<Action> {
    run.handle(Event::Response {
        request_id: id,
        response,
        now_ms,
    })
}

/// A run whose step passed, cleaning up: returns the removal's request id.
fn cleaning(run: &mut Run) -> u64 {
    let (id, _) = sent(&run.handle(Event::RunAll { now_ms: 0 }));
    answer(
        run,
        id,
        reply(201, &[], r#"{"id": "t1", "state": "Ready"}"#),
        100,
    );
    assert_eq!(run.step_status(0), &StepStatus::Passed);
    // Long after creation, so a 404 is not taken for replication lag.
    let (id, method) = sent(&run.handle(Event::Cleanup { now_ms: 1_000_000 }));
    assert_eq!(method, "POST");
    id
}

/// Answers a request with a 429 asking for 3 s; returns when the retry went out, and its request id.
fn throttle_then(run: &mut Run, id: u64, now_ms: u64) -> (u64, u64) {
    let actions = answer(run, id, reply(429, &[("Retry-After", "3")], "{}"), now_ms);
    assert!(!actions.iter().any(|a| matches!(a, Action::Send { .. })));
    let at = wake(&actions).expect("a timer");
    let (retry, _) = sent(&run.handle(Event::Tick { now_ms: at }));
    (at, retry)
}

fn throttled_attempts(record: &StepRecord) -> Vec<(AttemptKind, Option<u16>, String)> {
    record
        .attempts
        .iter()
        .map(|a| (a.kind.clone(), a.status, a.note.clone()))
        .collect()
}

#[test]
fn a_step_and_a_cleanup_entry_retry_a_429_with_retry_after_identically() {
    let mut step_run = run();
    let (id, _) = sent(&step_run.handle(Event::RunAll { now_ms: 0 }));
    let (at, retry) = throttle_then(&mut step_run, id, 100);
    assert_eq!(at, 3_100);
    answer(
        &mut step_run,
        retry,
        reply(201, &[], r#"{"id": "t1", "state": "Ready"}"#),
        3_200,
    );
    assert_eq!(step_run.step_status(0), &StepStatus::Passed);

    let mut cleanup_run = run();
    let id = cleaning(&mut cleanup_run);
    let (at, retry) = throttle_then(&mut cleanup_run, id, 1_000_100);
    assert_eq!(at, 1_003_100);
    let actions = answer(
        &mut cleanup_run,
        retry,
        reply(202, &[], r#"{"id": "r1"}"#),
        1_003_200,
    );
    assert!(wake(&actions).is_some());
    let entry = &cleanup_run.ledger().entries[0];
    assert_eq!(entry.status, CleanupStatus::Waiting);

    let step = throttled_attempts(step_run.step_record(0));
    let cleanup = throttled_attempts(&entry.record);
    assert_eq!(step[..1], cleanup[..1]);
    assert_eq!(
        step[0],
        (
            AttemptKind::First,
            Some(429),
            "429: Graph asked to slow down; waiting 3000 ms".into()
        )
    );
    assert_eq!(step[1].0, AttemptKind::Retry);
    assert_eq!(cleanup[1].0, AttemptKind::Retry);
}

#[test]
fn a_network_failure_of_a_post_is_retried_for_neither() {
    let offline = || SendFailure::Network {
        message: "connection reset".into(),
    };
    let mut step_run = run();
    let (id, method) = sent(&step_run.handle(Event::RunAll { now_ms: 0 }));
    assert_eq!(method, "POST");
    let actions = step_run.handle(Event::SendFailed {
        request_id: id,
        failure: offline(),
        now_ms: 10,
    });
    assert_eq!(wake(&actions), None);
    assert!(matches!(
        step_run.step_status(0),
        StepStatus::Failed(StepError::Network { .. })
    ));
    assert_eq!(step_run.step_record(0).attempts.len(), 1);

    let mut cleanup_run = run();
    let id = cleaning(&mut cleanup_run);
    let actions = cleanup_run.handle(Event::SendFailed {
        request_id: id,
        failure: offline(),
        now_ms: 1_000_010,
    });
    assert_eq!(wake(&actions), None);
    assert!(actions
        .iter()
        .any(|a| matches!(a, Action::CleanupFinished { left: 1 })));
    let entry = &cleanup_run.ledger().entries[0];
    assert!(matches!(
        entry.status,
        CleanupStatus::Failed(StepError::Network { .. })
    ));
    assert_eq!(entry.record.attempts.len(), 1);
    assert_eq!(
        entry.record.attempts[0].note,
        step_run.step_record(0).attempts[0].note
    );
}

#[test]
fn polling_gives_up_at_the_limit_for_a_step_and_a_cleanup_entry() {
    // The step: its POST answers "Pending"; it polls by sending the same request again.
    let mut step_run = run();
    let (id, _) = sent(&step_run.handle(Event::RunAll { now_ms: 0 }));
    let pending = r#"{"id": "t1", "state": "Pending"}"#;
    let actions = answer(&mut step_run, id, reply(201, &[], pending), 0);
    let at = wake(&actions).expect("a poll is due");
    assert_eq!(at, 1_000);
    let mut step_waits = vec![at];
    let polls = step_run.handle(Event::Tick { now_ms: at });
    let mut now = at;
    let mut actions = polls;
    loop {
        let (id, _) = sent(&actions);
        let after = answer(&mut step_run, id, reply(201, &[], pending), now);
        let Some(at) = wake(&after) else { break };
        step_waits.push(at - now);
        now = at;
        actions = step_run.handle(Event::Tick { now_ms: at });
    }
    let StepStatus::Failed(StepError::PollTimeout {
        attempts: step_attempts,
        elapsed_ms,
    }) = step_run.step_status(0).clone()
    else {
        panic!("{:?}", step_run.step_status(0))
    };
    assert_eq!(step_waits, vec![1_000, 2_000, 4_000]);
    assert_eq!((step_attempts, elapsed_ms), (4, 7_000));

    // The cleanup entry: the removal is accepted, then its wait polls.
    let mut cleanup_run = run();
    let id = cleaning(&mut cleanup_run);
    let actions = answer(
        &mut cleanup_run,
        id,
        reply(202, &[], r#"{"id": "r1"}"#),
        1_000_000,
    );
    let first = wake(&actions).expect("the wait's first poll");
    assert_eq!(first, 1_001_000);
    let mut actions = cleanup_run.handle(Event::Tick { now_ms: first });
    let mut now = first;
    let mut cleanup_waits = vec![first - 1_000_000];
    loop {
        let (id, method) = sent(&actions);
        assert_eq!(method, "GET");
        let after = answer(
            &mut cleanup_run,
            id,
            reply(200, &[], r#"{"state": "Pending"}"#),
            now,
        );
        let Some(at) = wake(&after) else { break };
        cleanup_waits.push(at - now);
        now = at;
        actions = cleanup_run.handle(Event::Tick { now_ms: at });
    }
    let entry = &cleanup_run.ledger().entries[0];
    let CleanupStatus::Failed(StepError::PollTimeout { attempts, .. }) = entry.status else {
        panic!("{:?}", entry.status)
    };
    // The same waits and limit; the removal itself is not one of the wait's polls, so one attempt fewer.
    assert_eq!(cleanup_waits, vec![1_000, 2_000, 4_000]);
    assert_eq!(attempts, 3);
}
