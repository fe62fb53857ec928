//! The runner's behaviour, one path at a time: errors, retries, polling, staleness, restore, cleanup.

mod common;

use common::fake::Fake;
use common::Driver;
use walkthrough::{
    builtin_tutorials, parse_tutorial, AttemptKind, CleanupStatus, Event, RequestEdit, Run,
    RunOptions, SendFailure, StepError, StepStatus, Tutorial, VarSource,
};

/// The beta tutorial on the administrator's path, the one the small fake Graph answers.
fn beta() -> Tutorial {
    let mut t = builtin_tutorials().remove(0);
    for input in t.inputs.iter_mut().filter(|i| i.name == "path") {
        input.default = "admin".to_string();
    }
    t
}

fn idx(run: &Run, id: &str) -> usize {
    run.tutorial().step_index(id).expect("step id")
}

fn start(fake: &mut Fake, tutorial: Tutorial, options: RunOptions) -> (Run, Driver) {
    let mut run = Run::new(tutorial, options);
    let mut d = Driver::new(100);
    d.event(fake, &mut run, Event::RunAll { now_ms: 0 });
    assert!(d.settle(fake, &mut run));
    (run, d)
}

#[test]
fn graph_errors_fail_the_step_with_code_message_and_request_id_and_dependents_are_skipped() {
    let mut fake = Fake::new();
    fake.broken.push(("/groups", 403));
    let (run, d) = start(&mut fake, beta(), RunOptions::default());
    let g = idx(&run, "group");
    match run.step_status(g) {
        StepStatus::Failed(StepError::Graph {
            status,
            code,
            message,
            request_id,
        }) => {
            assert_eq!(*status, 403);
            assert_eq!(code, "Authorization_RequestDenied");
            assert!(message.contains("Insufficient privileges"));
            assert_eq!(request_id.as_deref(), Some("fake-request-id"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        run.step_status(idx(&run, "add-resource")),
        &StepStatus::Skipped
    );
    assert_eq!(run.step_status(idx(&run, "members")), &StepStatus::Skipped);
    // Steps that do not need the group still ran.
    assert_eq!(run.step_status(idx(&run, "requestor")), &StepStatus::Passed);
    assert_eq!(d.done, 1);
    assert!(run.is_idle());
    let text = run.step_record(g).error.as_ref().unwrap().to_string();
    assert!(
        text.contains("403") && text.contains("fake-request-id"),
        "{text}"
    );
}

#[test]
fn expectation_failures_show_expected_and_actual() {
    let mut fake = Fake::new();
    let src = beta_source().replace(
        r#"jsonpath "$.requestState" == "Delivered"
```"#,
        r#"jsonpath "$.requestState" == "Fulfilled"
```"#,
    );
    let t = parse_tutorial(&src).unwrap();
    let (run, _) = start(&mut fake, t, RunOptions::default());
    let s = idx(&run, "add-resource");
    let StepStatus::Failed(StepError::Expectation { failures }) = run.step_status(s) else {
        panic!("{:?}", run.step_status(s))
    };
    assert_eq!(failures[0].expected, "\"Fulfilled\"");
    assert_eq!(failures[0].actual, "\"Delivered\"");
}

fn beta_source() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tutorials/access-package-beta.md"
    ))
    .unwrap()
}

#[test]
fn a_step_whose_inputs_are_missing_is_blocked_naming_variable_and_provider() {
    let mut fake = Fake::new();
    let mut run = Run::new(beta(), RunOptions::default());
    let mut d = Driver::new(10);
    let policy = idx(&run, "policy");
    d.event(
        &mut fake,
        &mut run,
        Event::RunStep {
            step: policy,
            now_ms: 0,
        },
    );
    let StepStatus::Blocked { missing } = run.step_status(policy) else {
        panic!("{:?}", run.step_status(policy))
    };
    let package = missing
        .iter()
        .find(|m| m.var.as_deref() == Some("package_id"))
        .unwrap();
    assert_eq!(package.provider, Some(idx(&run, "package")));
    assert_eq!(d.sent, 0);
    // The rendered request shows the hole and who fills it.
    let rendered = run.render_request(policy);
    let body = rendered.body.unwrap();
    assert!(body.iter().any(|s| matches!(s, walkthrough::RenderedSegment::Var { name, value: None, provider: Some(p), .. } if name == "package_id" && *p == idx(&run, "package"))));
    // Run to here runs what it needs first.
    d.event(
        &mut fake,
        &mut run,
        Event::RunTo {
            step: policy,
            now_ms: 0,
        },
    );
    assert!(d.settle(&mut fake, &mut run));
    assert_eq!(run.step_status(policy), &StepStatus::Passed);
    assert_eq!(
        run.step_status(idx(&run, "members")),
        &StepStatus::Idle,
        "not needed, not run"
    );
}

#[test]
fn a_blocked_step_stops_waiting_once_its_values_exist() {
    let mut fake = Fake::new();
    let mut run = Run::new(beta(), RunOptions::default());
    let mut d = Driver::new(10);
    // Step 3 first: it needs a value from an earlier step that has not run.
    d.event(&mut fake, &mut run, Event::RunStep { step: 2, now_ms: 0 });
    let StepStatus::Blocked { missing } = run.step_status(2).clone() else {
        panic!("{:?}", run.step_status(2))
    };
    let providers: std::collections::BTreeSet<usize> =
        missing.iter().filter_map(|m| m.provider).collect();
    assert!(!providers.is_empty(), "{missing:?}");
    // Its providers run one by one: what it misses shrinks, and then it is simply not run yet.
    for (n, provider) in providers.iter().enumerate() {
        d.event(
            &mut fake,
            &mut run,
            Event::RunStep {
                step: *provider,
                now_ms: 0,
            },
        );
        assert!(d.settle(&mut fake, &mut run));
        assert_eq!(run.step_status(*provider), &StepStatus::Passed);
        match run.step_status(2) {
            StepStatus::Blocked { missing: now } => {
                assert!(
                    n + 1 < providers.len(),
                    "still waiting after every provider ran: {now:?}"
                );
                assert!(now.iter().all(|m| m.provider != Some(*provider)), "{now:?}");
            }
            StepStatus::Idle => assert_eq!(n + 1, providers.len(), "idle before its providers ran"),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(run.step_status(2), &StepStatus::Idle);
    d.event(&mut fake, &mut run, Event::RunStep { step: 2, now_ms: 0 });
    assert!(d.settle(&mut fake, &mut run));
    assert_eq!(run.step_status(2), &StepStatus::Passed);
}

#[test]
fn an_edit_naming_an_unknown_variable_fails_with_a_template_error() {
    let mut fake = Fake::new();
    let mut run = Run::new(beta(), RunOptions::default());
    let mut d = Driver::new(10);
    let domain = idx(&run, "domain");
    d.event(
        &mut fake,
        &mut run,
        Event::EditRequest {
            step: domain,
            edit: RequestEdit {
                url: Some("{{base}}/users/{{nobody}}".into()),
                ..Default::default()
            },
        },
    );
    d.event(
        &mut fake,
        &mut run,
        Event::RunStep {
            step: domain,
            now_ms: 0,
        },
    );
    d.settle(&mut fake, &mut run);
    assert!(
        matches!(run.step_status(domain), StepStatus::Blocked { missing } if missing[0].var.as_deref() == Some("nobody") && missing[0].provider.is_none())
    );
    assert_eq!(d.sent, 0);
}

#[test]
fn an_edited_body_that_is_not_json_is_refused_with_line_and_column_and_nothing_is_sent() {
    let mut fake = Fake::new();
    let mut run = Run::new(beta(), RunOptions::default());
    let mut d = Driver::new(10);
    let admin = idx(&run, "admin");
    let before = run.render_request(admin);
    d.event(
        &mut fake,
        &mut run,
        Event::EditRequest {
            step: admin,
            edit: RequestEdit {
                body: Some("{\n  \"a\": 1,\n  oops\n}".into()),
                ..Default::default()
            },
        },
    );
    match d.refused.last() {
        Some(StepError::InvalidJson { line, column, .. }) => assert_eq!((*line, *column), (3, 3)),
        other => panic!("{other:?}"),
    }
    // The column is that of the text as typed, variables and all.
    let typed = r#"{"displayName": "{{run.tag}}" "x": 1}"#;
    assert_eq!(
        walkthrough::check_body(typed).map_err(|e| e.column),
        Err(31)
    );
    d.event(
        &mut fake,
        &mut run,
        Event::EditRequest {
            step: admin,
            edit: RequestEdit {
                body: Some(typed.into()),
                ..Default::default()
            },
        },
    );
    match d.refused.last() {
        Some(StepError::InvalidJson { line, column, .. }) => {
            assert_eq!((*line, *column), (1, 31))
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        run.render_request(admin),
        before,
        "a refused edit changes nothing"
    );
    assert_eq!(d.sent, 0);
    // An Authorization header is refused too: tokens never enter a run.
    d.event(
        &mut fake,
        &mut run,
        Event::EditRequest {
            step: admin,
            edit: RequestEdit {
                headers: Some(vec![("Authorization".into(), "Bearer x".into())]),
                ..Default::default()
            },
        },
    );
    assert!(matches!(
        d.refused.last(),
        Some(StepError::InvalidRequest { .. })
    ));
    // A good edit is used and shown as edited.
    d.event(
        &mut fake,
        &mut run,
        Event::EditRequest {
            step: admin,
            edit: RequestEdit {
                body: Some("{\"displayName\": \"x-{{run.tag}}\"}".into()),
                ..Default::default()
            },
        },
    );
    assert!(run.render_request(admin).edited);
    d.event(&mut fake, &mut run, Event::ResetRequest { step: admin });
    assert!(!run.render_request(admin).edited);
}

#[test]
fn an_edited_address_on_another_host_is_refused_and_nothing_is_sent() {
    let mut fake = Fake::new();
    let mut run = Run::new(beta(), RunOptions::default());
    let mut d = Driver::new(10);
    let admin = idx(&run, "admin");
    let before = run.render_request(admin);
    for url in [
        "https://evil.example.com/beta/users",
        "https://graph.microsoft.com.evil.example.com/beta/users",
        "http://graph.microsoft.com/beta/users",
        "/beta/users",
        "javascript:alert(1)",
        "ftp://graph.microsoft.com/beta/users",
    ] {
        d.event(
            &mut fake,
            &mut run,
            Event::EditRequest {
                step: admin,
                edit: RequestEdit {
                    url: Some(url.into()),
                    ..Default::default()
                },
            },
        );
        match d.refused.pop() {
            Some(StepError::InvalidRequest { message }) => {
                assert!(
                    message.contains("https://graph.microsoft.com"),
                    "{url}: {message}"
                )
            }
            other => panic!("{url}: {other:?}"),
        }
        assert_eq!(run.render_request(admin), before, "{url} changed nothing");
    }
    for url in [
        "{{base}}/users?$top=1",
        "https://GRAPH.microsoft.com/beta/users",
        "https://graph.microsoft.com/v1.0/users",
    ] {
        d.event(
            &mut fake,
            &mut run,
            Event::EditRequest {
                step: admin,
                edit: RequestEdit {
                    url: Some(url.into()),
                    ..Default::default()
                },
            },
        );
        assert!(d.refused.is_empty(), "{url} is allowed: {:?}", d.refused);
    }
    assert_eq!(d.sent, 0);
}

#[test]
fn throttling_honours_retry_after_and_records_every_attempt() {
    let mut fake = Fake::new();
    fake.fail_next = vec![(429, Some("3")), (503, None)];
    let (run, _) = start(
        &mut fake,
        beta(),
        RunOptions {
            one_at_a_time: true,
            ..Default::default()
        },
    );
    let first = &run.step_record(0).attempts;
    assert_eq!(first.len(), 3, "{first:?}");
    assert_eq!(first[0].status, Some(429));
    assert_eq!(first[1].kind, AttemptKind::Retry);
    assert_eq!(
        first[1].sent_at_ms - first[0].sent_at_ms,
        100 + 3000,
        "Retry-After: 3 honoured"
    );
    assert_eq!(first[1].status, Some(503));
    let backoff = first[2].sent_at_ms - first[1].sent_at_ms - 100;
    assert!(
        (1000..=2000).contains(&backoff),
        "exponential backoff with jitter: {backoff}"
    );
    assert_eq!(run.step_status(0), &StepStatus::Passed);
}

#[test]
fn retries_are_bounded() {
    let mut fake = Fake::new();
    fake.fail_next = vec![(503, Some("1")); 50];
    let (run, _) = start(
        &mut fake,
        beta(),
        RunOptions {
            one_at_a_time: true,
            ..Default::default()
        },
    );
    assert!(
        matches!(
            run.step_status(0),
            StepStatus::Failed(StepError::RetriesExhausted {
                attempts: 10,
                last_status: Some(503)
            })
        ),
        "{:?}",
        run.step_status(0)
    );
}

#[test]
fn not_found_for_a_just_created_object_is_replication_lag_and_bounded() {
    let mut fake = Fake::new();
    let mut run = Run::new(beta(), RunOptions::default());
    let mut d = Driver::new(100);
    let to = idx(&run, "role-assignment");
    let admin = idx(&run, "admin");
    d.event(
        &mut fake,
        &mut run,
        Event::RunTo {
            step: to - 1,
            now_ms: 0,
        },
    );
    d.settle(&mut fake, &mut run);
    d.event(
        &mut fake,
        &mut run,
        Event::RunTo {
            step: admin,
            now_ms: d.now_ms,
        },
    );
    d.settle(&mut fake, &mut run);
    fake.fail_next = vec![(404, None), (404, None)];
    d.event(
        &mut fake,
        &mut run,
        Event::RunStep {
            step: to,
            now_ms: d.now_ms,
        },
    );
    d.settle(&mut fake, &mut run);
    let attempts = &run.step_record(to).attempts;
    assert_eq!(
        attempts
            .iter()
            .filter(|a| a.kind == AttemptKind::ReplicationLag)
            .count(),
        2,
        "{attempts:?}"
    );
    assert_eq!(run.step_status(to), &StepStatus::Passed);
    // Long after creation a 404 is just a 404.
    fake.fail_next = vec![(404, None)];
    d.now_ms += 10 * 60_000;
    d.event(
        &mut fake,
        &mut run,
        Event::RunStep {
            step: to,
            now_ms: d.now_ms,
        },
    );
    d.settle(&mut fake, &mut run);
    assert!(matches!(
        run.step_status(to),
        StepStatus::Failed(StepError::Graph { status: 404, .. })
    ));
    // And lag retries run out, even for a fresh object.
    d.event(
        &mut fake,
        &mut run,
        Event::RunStep {
            step: admin,
            now_ms: d.now_ms,
        },
    );
    d.settle(&mut fake, &mut run);
    fake.fail_next = vec![(404, None); 20];
    d.event(
        &mut fake,
        &mut run,
        Event::RunStep {
            step: to,
            now_ms: d.now_ms,
        },
    );
    d.settle(&mut fake, &mut run);
    assert!(matches!(
        run.step_status(to),
        StepStatus::Failed(StepError::Graph { status: 404, .. })
    ));
    assert_eq!(
        run.step_record(to).attempts.len(),
        9,
        "first try plus 8 lag retries"
    );
}

#[test]
fn network_errors_retry_reads_but_not_writes() {
    let mut fake = Fake::new();
    let mut run = Run::new(
        beta(),
        RunOptions {
            one_at_a_time: true,
            ..Default::default()
        },
    );
    let actions = run.handle(Event::RunAll { now_ms: 0 });
    let id = actions
        .iter()
        .find_map(|a| match a {
            walkthrough::Action::Send { request_id, .. } => Some(*request_id),
            _ => None,
        })
        .unwrap();
    let actions = run.handle(Event::SendFailed {
        request_id: id,
        failure: SendFailure::Network {
            message: "offline".into(),
        },
        now_ms: 5,
    });
    assert!(
        matches!(run.step_status(0), StepStatus::Retrying { .. }),
        "a GET is retried"
    );
    assert!(actions
        .iter()
        .any(|a| matches!(a, walkthrough::Action::WakeAt(_))));
    let mut d = Driver::new(10);
    d.now_ms = 5;
    d.apply(&mut fake, actions);
    d.settle(&mut fake, &mut run);
    assert_eq!(run.step_status(0), &StepStatus::Passed);
    // A POST is not repeated blindly: it may have been applied.
    let admin = idx(&run, "admin");
    let actions = run.handle(Event::RunStep {
        step: admin,
        now_ms: d.now_ms,
    });
    let id = actions
        .iter()
        .find_map(|a| match a {
            walkthrough::Action::Send { request_id, .. } => Some(*request_id),
            _ => None,
        })
        .unwrap();
    run.handle(Event::SendFailed {
        request_id: id,
        failure: SendFailure::Network {
            message: "connection reset".into(),
        },
        now_ms: d.now_ms,
    });
    assert!(matches!(
        run.step_status(admin),
        StepStatus::Failed(StepError::Network { .. })
    ));
}

#[test]
fn a_request_that_needs_the_user_is_not_retried() {
    let mut fake = Fake::new();
    let mut run = Run::new(beta(), RunOptions::default());
    let actions = run.handle(Event::RunStep { step: 0, now_ms: 0 });
    let id = actions
        .iter()
        .find_map(|a| match a {
            walkthrough::Action::Send { request_id, .. } => Some(*request_id),
            _ => None,
        })
        .unwrap();
    // A GET, which a network failure would retry: a missing sign-in ends it at once.
    let actions = run.handle(Event::SendFailed {
        request_id: id,
        failure: SendFailure::NeedsSignIn {
            message: "nobody is signed in".into(),
        },
        now_ms: 5,
    });
    assert!(
        !actions.iter().any(|a| matches!(
            a,
            walkthrough::Action::WakeAt(_) | walkthrough::Action::Send { .. }
        )),
        "{actions:?}"
    );
    let StepStatus::Failed(StepError::NotSent { failure }) = run.step_status(0) else {
        panic!("{:?}", run.step_status(0))
    };
    assert!(matches!(failure, SendFailure::NeedsSignIn { .. }));
    // Once signed in, the same step runs and passes.
    let mut d = Driver::new(10);
    d.now_ms = 5;
    let actions = run.handle(Event::RunStep { step: 0, now_ms: 5 });
    d.apply(&mut fake, actions);
    d.settle(&mut fake, &mut run);
    assert_eq!(run.step_status(0), &StepStatus::Passed);
}

#[test]
fn polling_stops_at_once_on_a_terminal_failure_state() {
    let mut fake = Fake::new();
    fake.deny = true;
    let (run, _) = start(&mut fake, beta(), RunOptions::default());
    let s = idx(&run, "request-status");
    let StepStatus::Failed(StepError::PollFailed { failure }) = run.step_status(s) else {
        panic!("{:?}", run.step_status(s))
    };
    assert_eq!(failure.actual, "\"Denied\"");
    let attempts = &run.step_record(s).attempts;
    assert_eq!(
        attempts.len(),
        3,
        "two Submitted answers, then Denied: {attempts:?}"
    );
    assert!(attempts[0].note.contains("Submitted"));
    assert_eq!(attempts[1].kind, AttemptKind::Poll);
    assert_eq!(run.step_status(idx(&run, "members")), &StepStatus::Skipped);
}

#[test]
fn polling_gives_up_at_its_limit_with_backoff() {
    let mut fake = Fake::new();
    fake.polls_before_delivery = u32::MAX;
    let (run, _) = start(&mut fake, beta(), RunOptions::default());
    let s = idx(&run, "request-status");
    let StepStatus::Failed(StepError::PollTimeout {
        attempts,
        elapsed_ms,
    }) = run.step_status(s)
    else {
        panic!("{:?}", run.step_status(s))
    };
    assert!(
        *elapsed_ms <= 300_000 && *elapsed_ms > 200_000,
        "{elapsed_ms}"
    );
    let sent: Vec<u64> = run
        .step_record(s)
        .attempts
        .iter()
        .map(|a| a.sent_at_ms)
        .collect();
    assert_eq!(sent.len() as u32, *attempts);
    let gaps: Vec<u64> = sent.windows(2).map(|w| w[1] - w[0] - 100).collect();
    assert_eq!(&gaps[..4], &[2000, 3000, 4500, 6750]);
    assert!(gaps.iter().all(|g| *g <= 10_000), "capped at max-interval");
}

#[test]
fn rerunning_a_step_invalidates_its_captures_and_marks_dependents_stale() {
    let mut fake = Fake::new();
    let (mut run, mut d) = start(&mut fake, beta(), RunOptions::default());
    let group = idx(&run, "group");
    let old = run.variables().get("group_id").unwrap().value.clone();
    let actions = run.handle(Event::RunStep {
        step: group,
        now_ms: d.now_ms,
    });
    assert!(
        run.variables().get("group_id").unwrap().stale,
        "stale while the step re-runs"
    );
    assert_eq!(
        run.step_status(idx(&run, "add-resource")),
        &StepStatus::Stale
    );
    assert_eq!(run.step_status(idx(&run, "members")), &StepStatus::Stale);
    assert_eq!(
        run.step_status(idx(&run, "admin")),
        &StepStatus::Passed,
        "unrelated steps stay"
    );
    d.apply(&mut fake, actions);
    d.settle(&mut fake, &mut run);
    let new = run.variables().get("group_id").unwrap();
    assert_ne!(new.value, old);
    assert!(!new.stale);
    assert_eq!(
        new.source,
        VarSource::Capture {
            step: group,
            path: "jsonpath \"$.id\"".into()
        }
    );
    assert!(
        run.variables().get("resource_id").unwrap().stale,
        "built on the old group"
    );
    // add-resource, resource, resource-role, role-scope and members were built on the old group.
    assert_eq!(run.progress().0, run.progress().1 - 5);
    // Run all brings everything back up to date.
    d.event(&mut fake, &mut run, Event::RunAll { now_ms: d.now_ms });
    d.settle(&mut fake, &mut run);
    for i in (0..run.tutorial().steps.len()).filter(|&i| run.on_path(i)) {
        assert_eq!(
            run.step_status(i),
            &StepStatus::Passed,
            "{}: {:?}",
            run.tutorial().steps[i].id,
            run.step_record(i)
        );
    }
    // Both groups are in the ledger, so cleanup removes both.
    let groups = run
        .ledger()
        .entries
        .iter()
        .filter(|e| e.step == group)
        .count();
    assert_eq!(groups, 2);
    d.event(&mut fake, &mut run, Event::Cleanup { now_ms: d.now_ms });
    d.settle(&mut fake, &mut run);
    assert_eq!(d.cleanup_left, Some(0));
    assert_eq!(fake.left(), Vec::<String>::new());
}

#[test]
fn a_user_id_cannot_fill_a_group_slot() {
    let mut fake = Fake::new();
    let (mut run, mut d) = start(&mut fake, beta(), RunOptions::default());
    let admin_id = run.variables().get("admin_id").unwrap().value.clone();
    d.event(
        &mut fake,
        &mut run,
        Event::SetVariable {
            name: "group_id".into(),
            value: admin_id,
        },
    );
    match d.refused.last() {
        Some(StepError::InvalidValue { name, message }) => {
            assert_eq!(name, "group_id");
            assert!(message.contains("user"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    // A value of the right kind is accepted and marks its users stale.
    d.event(
        &mut fake,
        &mut run,
        Event::SetVariable {
            name: "group_id".into(),
            value: "11111111-1111-1111-1111-111111111111".into(),
        },
    );
    assert_eq!(
        run.variables().get("group_id").unwrap().source,
        VarSource::Manual
    );
    assert_eq!(run.step_status(idx(&run, "members")), &StepStatus::Stale);
}

#[test]
fn a_value_typed_by_hand_that_is_not_a_guid_cannot_fill_an_id_slot() {
    let mut fake = Fake::new();
    let (mut run, mut d) = start(&mut fake, beta(), RunOptions::default());
    let before = run.variables().get("group_id").unwrap().value.clone();
    for value in [
        "not-a-guid",
        "1234",
        "11111111-1111-1111-1111-11111111111",
        "11111111-1111-1111-1111-11111111111g",
        "<img src=x onerror=alert(1)>",
        "",
    ] {
        d.event(
            &mut fake,
            &mut run,
            Event::SetVariable {
                name: "group_id".into(),
                value: value.into(),
            },
        );
        match d.refused.pop() {
            Some(StepError::InvalidValue { name, message }) => {
                assert_eq!(name, "group_id");
                assert!(message.contains("GUID"), "{value}: {message}");
            }
            other => panic!("{value}: {other:?}"),
        }
        assert_eq!(run.variables().get("group_id").unwrap().value, before);
    }
    assert_eq!(run.step_status(idx(&run, "members")), &StepStatus::Passed);
}

#[test]
fn one_at_a_time_never_has_two_requests_in_flight_and_concurrency_does() {
    for (one, expect_parallel) in [(true, false), (false, true)] {
        let mut fake = Fake::new();
        let mut run = Run::new(
            beta(),
            RunOptions {
                one_at_a_time: one,
                ..Default::default()
            },
        );
        let actions = run.handle(Event::RunAll { now_ms: 0 });
        let sends = actions
            .iter()
            .filter(|a| matches!(a, walkthrough::Action::Send { .. }))
            .count();
        assert_eq!(
            sends > 1,
            expect_parallel,
            "one_at_a_time={one}: {sends} sends"
        );
        let mut d = Driver::new(50);
        d.apply(&mut fake, actions);
        d.settle(&mut fake, &mut run);
        assert_eq!(run.progress().0, run.progress().1);
    }
}

#[test]
fn a_saved_run_round_trips_and_resumes_without_duplicating_writes() {
    let mut fake = Fake::new();
    let mut run = Run::new(
        beta(),
        RunOptions {
            seed: 3,
            ..Default::default()
        },
    );
    let mut d = Driver::new(100);
    d.event(&mut fake, &mut run, Event::RunAll { now_ms: 0 });
    // "Close the page" with requests in flight.
    let json = serde_json::to_string(&run).unwrap();
    let restored: Run = serde_json::from_str(&json).unwrap();
    assert_eq!(restored, run, "serde round trip without loss");
    let lost = d.drop_pending();
    assert!(lost >= 2, "requests were in flight: {lost}");
    let mut run = restored;
    let actions = run.handle(Event::Resume { now_ms: 10_000 });
    let resent = actions
        .iter()
        .filter(|a| matches!(a, walkthrough::Action::Send { .. }))
        .count();
    // The GETs (domain, role, catalog) are sent again; the POST (group) is marked interrupted, not repeated.
    assert_eq!(resent, 3);
    let group = idx(&run, "group");
    assert!(
        matches!(run.step_status(group), StepStatus::Failed(StepError::Interrupted { method }) if method == "POST")
    );
    let mut d = Driver::new(100);
    d.now_ms = 10_000;
    d.apply(&mut fake, actions);
    d.settle(&mut fake, &mut run);
    assert_eq!(run.step_status(0), &StepStatus::Passed);
    // Re-running after checking finishes the tutorial.
    d.event(&mut fake, &mut run, Event::RunAll { now_ms: d.now_ms });
    d.settle(&mut fake, &mut run);
    assert_eq!(run.progress().0, run.progress().1);
}

#[test]
fn cleanup_works_after_a_failed_run_and_from_a_saved_state_and_reports_what_is_left() {
    let mut fake = Fake::new();
    fake.deny = true;
    let (run, mut d) = start(&mut fake, beta(), RunOptions::default());
    assert!(matches!(
        run.step_status(idx(&run, "request-status")),
        StepStatus::Failed(_)
    ));
    // Save, reload, clean up.
    let mut run: Run = serde_json::from_str(&serde_json::to_string(&run).unwrap()).unwrap();
    d.event(&mut fake, &mut run, Event::Resume { now_ms: d.now_ms });
    // One object refuses to go: cleanup carries on with the rest and reports it.
    fake.broken.push(("/groups/", 403));
    d.event(&mut fake, &mut run, Event::Cleanup { now_ms: d.now_ms });
    d.settle(&mut fake, &mut run);
    assert_eq!(d.cleanup_left, Some(1));
    let left = run.ledger().left();
    assert_eq!(left.len(), 1);
    assert!(left[0].label.contains("group"), "{}", left[0].label);
    assert!(matches!(
        left[0].status,
        CleanupStatus::Failed(StepError::Graph { status: 403, .. })
    ));
    // Try again once the problem is fixed: only what is left is retried.
    fake.broken.clear();
    let sent_before = d.sent;
    d.event(&mut fake, &mut run, Event::Cleanup { now_ms: d.now_ms });
    d.settle(&mut fake, &mut run);
    assert_eq!(d.cleanup_left, Some(0));
    assert_eq!(d.sent - sent_before, 1);
    assert!(
        fake.left().iter().all(|o| o.starts_with("assignments")),
        "{:?}",
        fake.left()
    );
}

#[test]
fn cleanup_runs_in_dependency_order() {
    let mut fake = Fake::new();
    let (mut run, mut d) = start(
        &mut fake,
        beta(),
        RunOptions {
            one_at_a_time: true,
            ..Default::default()
        },
    );
    let mark = d.log.len();
    d.event(&mut fake, &mut run, Event::Cleanup { now_ms: d.now_ms });
    d.settle(&mut fake, &mut run);
    let log: Vec<String> = d.log[mark..].to_vec();
    let pos = |needle: &str| {
        log.iter()
            .position(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("{needle} not in {log:#?}"))
    };
    assert!(
        pos("POST") < pos("accessPackageAssignmentPolicies/"),
        "remove the assignment first"
    );
    assert!(
        pos("accessPackageAssignmentRequests/") < pos("accessPackageAssignmentPolicies/"),
        "and wait for it"
    );
    let package = format!(
        "accessPackages/{}",
        run.variables().get("package_id").unwrap().value
    );
    let package_delete = log.iter().position(|l| l.ends_with(&package)).unwrap();
    assert!(
        pos("accessPackageAssignmentPolicies/") < package_delete,
        "policy before package"
    );
    assert!(
        pos("accessPackageResourceRoleScopes/") < package_delete,
        "role scope before package"
    );
    assert!(pos("accessPackageResourceRoleScopes/") < pos("accessPackageResourceRequests"));
    assert!(pos("accessPackageResourceRequests") < pos("/groups/"));
    assert!(
        pos("roleAssignments/")
            < pos(&format!(
                "/users/{}",
                run.variables().get("admin_id").unwrap().value
            ))
    );
    assert_eq!(d.cleanup_left, Some(0));
    assert_eq!(fake.left(), Vec::<String>::new());
}

#[test]
fn stop_starts_nothing_new_but_records_what_is_in_flight() {
    let mut fake = Fake::new();
    let mut run = Run::new(beta(), RunOptions::default());
    let mut d = Driver::new(100);
    d.event(&mut fake, &mut run, Event::RunAll { now_ms: 0 });
    let in_flight = d.sent;
    d.event(&mut fake, &mut run, Event::Stop);
    d.settle(&mut fake, &mut run);
    assert_eq!(d.sent, in_flight, "nothing new was sent");
    assert_eq!(
        run.ledger().entries.len(),
        1,
        "the group created in flight still reaches the ledger"
    );
    assert!(run.is_idle());
    d.event(&mut fake, &mut run, Event::Cleanup { now_ms: d.now_ms });
    d.settle(&mut fake, &mut run);
    assert_eq!(fake.left(), Vec::<String>::new());
}

#[test]
fn reset_forgets_progress_but_keeps_the_ledger_and_changes_the_tag() {
    let mut fake = Fake::new();
    let (mut run, mut d) = start(&mut fake, beta(), RunOptions::default());
    let tag = run.variables().get("run.tag").unwrap().value.clone();
    d.event(&mut fake, &mut run, Event::Reset);
    assert_eq!(run.progress().0, 0);
    assert!(run.variables().get("admin_id").is_none());
    assert_ne!(run.variables().get("run.tag").unwrap().value, tag);
    assert_eq!(run.ledger().entries.len(), 9);
    d.event(&mut fake, &mut run, Event::Cleanup { now_ms: d.now_ms });
    d.settle(&mut fake, &mut run);
    assert_eq!(fake.left(), Vec::<String>::new());
}

#[test]
fn reset_after_cleanup_drops_what_was_removed() {
    let mut fake = Fake::new();
    let (mut run, mut d) = start(&mut fake, beta(), RunOptions::default());
    d.event(&mut fake, &mut run, Event::Cleanup { now_ms: d.now_ms });
    d.settle(&mut fake, &mut run);
    assert!(run.ledger().is_clean());
    assert_eq!(run.ledger().entries.len(), 9);
    d.event(&mut fake, &mut run, Event::Reset);
    assert!(
        run.ledger().entries.is_empty(),
        "removed objects do not pile up run after run"
    );
}

#[test]
fn inputs_choose_the_role_and_builtins_are_seeded() {
    let t = beta();
    assert_eq!(
        t.inputs[0].default, "45d8d3c5-c802-45c6-b32a-1d70b5e1e86e",
        "least privilege by default"
    );
    let ga = "62e90394-69f5-4237-9190-012177145e10";
    let mut options = RunOptions::default();
    options.inputs.insert("admin_role".into(), ga.into());
    let a = Run::new(t.clone(), options.clone());
    assert_eq!(a.variables().get("input.admin_role").unwrap().value, ga);
    let b = Run::new(t, options);
    assert_eq!(
        a.variables().get("run.password"),
        b.variables().get("run.password"),
        "same seed, same password"
    );
    assert!(a
        .render_request(idx(&a, "role"))
        .url
        .iter()
        .any(|s| matches!(s, walkthrough::RenderedSegment::Var { value: Some(v), .. } if v == ga)));
}

#[test]
fn cleanup_during_a_run_lets_in_flight_steps_land_then_removes_everything() {
    let mut fake = Fake::new();
    let mut run = Run::new(beta(), RunOptions::default());
    let mut d = Driver::new(100);
    d.event(&mut fake, &mut run, Event::RunAll { now_ms: 0 });
    d.settle_until(&mut fake, &mut run, 250);
    assert!(!run.is_idle());
    d.event(&mut fake, &mut run, Event::Cleanup { now_ms: d.now_ms });
    let mark = d.log.len();
    assert!(d.settle(&mut fake, &mut run));
    assert_eq!(d.cleanup_left, Some(0));
    assert_eq!(fake.left(), Vec::<String>::new());
    assert!(run.is_idle());
    // After cleanup began, only cleanup requests (and responses to earlier ones) went out.
    let creates = d.log[mark..]
        .iter()
        .filter(|l| l.contains("POST") && !l.contains("Remove"))
        .count();
    assert!(creates <= 1, "{:#?}", &d.log[mark..]);
}

#[test]
fn a_built_in_value_typed_over_is_set_by_hand() {
    let mut fake = Fake::new();
    let mut run = Run::new(beta(), RunOptions::default());
    let mut d = Driver::new(10);
    assert_eq!(
        run.variables().get("run.tag").unwrap().source,
        VarSource::Builtin
    );
    d.event(
        &mut fake,
        &mut run,
        Event::SetVariable {
            name: "run.tag".into(),
            value: "mine".into(),
        },
    );
    let tag = run.variables().get("run.tag").unwrap();
    assert_eq!(
        (tag.value.as_str(), &tag.source),
        ("mine", &VarSource::Manual)
    );
}
