//! Paths through a tutorial (`when:`) and steps that run as another account (`as:`): the account goes with
//! every send of such a step, or the step is not sent; a step of the path not chosen never goes out.

mod common;

use common::tenant::Tenant;
use common::{Driver, Server};
use walkthrough::{
    builtin_tutorials, parse_tutorial, Event, Run, RunOptions, StepError, StepStatus,
};

/// The sandbox tenant, noting who each request ran as.
struct Recording {
    tenant: Tenant,
    sent: Vec<(String, Option<String>)>,
    /// Method, path and the scopes each request asked a token for.
    scopes: Vec<(String, Vec<String>)>,
}

impl Server for Recording {
    fn serve(
        &mut self,
        request: &http::Request<String>,
        scopes: &[String],
        run_as: Option<&str>,
        now_ms: u64,
    ) -> http::Response<String> {
        self.sent
            .push((request.uri().path().to_string(), run_as.map(str::to_string)));
        self.scopes.push((
            format!("{} {}", request.method(), request.uri().path()),
            scopes.to_vec(),
        ));
        self.tenant.serve(request, scopes, run_as, now_ms)
    }
}

fn recording() -> Recording {
    Recording {
        tenant: Tenant::new(sandbox::Config {
            delivery_delay_ms: 3_000,
            ..Default::default()
        }),
        sent: Vec::new(),
        scopes: Vec::new(),
    }
}

fn v1(path: &str) -> Run {
    let tutorial = builtin_tutorials().remove(1);
    Run::new(
        tutorial,
        RunOptions {
            seed: 11,
            inputs: [("path".to_string(), path.to_string())].into(),
            ..Default::default()
        },
    )
}

#[test]
fn every_send_of_a_requestor_step_carries_the_requestors_account_and_no_other_does() {
    let mut server = recording();
    let mut run = v1("requestor");
    let mut d = Driver::new(50);
    d.event(&mut server, &mut run, Event::RunAll { now_ms: 0 });
    assert!(d.settle(&mut server, &mut run));
    let upn = run
        .variables()
        .get("requestor_upn")
        .expect("captured")
        .value
        .clone();
    let mine: Vec<&(String, Option<String>)> = server
        .sent
        .iter()
        .filter(|(path, _)| {
            path.contains("filterByCurrentUser") || path.ends_with("/assignmentRequests")
        })
        .collect();
    assert!(!mine.is_empty());
    // Polls included: the request status is asked for more than once while delivery takes 3 s.
    let polls = server
        .sent
        .iter()
        .filter(|(path, _)| path.contains("assignmentRequests/filterByCurrentUser"))
        .count();
    assert!(polls > 1, "{:?}", server.sent);
    for (path, who) in &server.sent {
        let requestor_call = path.contains("filterByCurrentUser")
            || (path.ends_with("/assignmentRequests") && who.is_some());
        if requestor_call {
            assert_eq!(who.as_deref(), Some(upn.as_str()), "{path}");
        } else {
            assert_eq!(who, &None, "{path} runs as the signed-in administrator");
        }
    }
    // The administrator's own assignment request was never sent on this path.
    let assign = run.tutorial().step_index("request").expect("step");
    assert_eq!(run.step_status(assign), &StepStatus::Idle);
}

#[test]
fn cleanup_asks_for_the_signed_in_accounts_permissions_only() {
    // Cleanup runs as the signed-in account: asking its token for a permission only the requestor uses
    // (which nobody granted it) would fail silently and leave everything in the tenant.
    let mut server = recording();
    let mut run = v1("admin");
    let mut d = Driver::new(50);
    d.event(&mut server, &mut run, Event::RunAll { now_ms: 0 });
    assert!(d.settle(&mut server, &mut run));
    let before = server.scopes.len();
    d.event(&mut server, &mut run, Event::Cleanup { now_ms: d.now_ms });
    assert!(d.settle(&mut server, &mut run));
    let signed_in = run.tutorial().signed_in_scopes();
    assert!(!signed_in
        .iter()
        .any(|s| s == "EntitlementMgmt-SubjectAccess.ReadWrite"));
    let removals = &server.scopes[before..];
    assert!(removals.iter().any(|(what, _)| what.starts_with("DELETE")));
    for (what, scopes) in removals {
        assert_eq!(scopes, &signed_in, "{what}");
    }
}

#[test]
fn without_the_requestors_name_the_step_is_not_sent_as_anyone() {
    let mut server = recording();
    let mut run = v1("requestor");
    let mut d = Driver::new(50);
    let policy = run.tutorial().step_index("policy").expect("step");
    d.event(
        &mut server,
        &mut run,
        Event::RunTo {
            step: policy,
            now_ms: 0,
        },
    );
    assert!(d.settle(&mut server, &mut run));
    // A name that cannot go into a sign-in (a line break) stands in for an unusable one.
    d.event(
        &mut server,
        &mut run,
        Event::SetVariable {
            name: "requestor_upn".into(),
            value: "someone\nelse@example.com".into(),
        },
    );
    let before = server.sent.len();
    let requestable = run.tutorial().step_index("requestable").expect("step");
    d.event(
        &mut server,
        &mut run,
        Event::RunStep {
            step: requestable,
            now_ms: d.now_ms,
        },
    );
    assert!(d.settle(&mut server, &mut run));
    assert_eq!(
        server.sent.len(),
        before,
        "nothing was sent: {:?}",
        &server.sent[before..]
    );
    match run.step_status(requestable) {
        StepStatus::Failed(StepError::InvalidRequest { message }) => {
            assert!(message.contains("runs as the requestor"), "{message}")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_path_changed_mid_run_sends_nothing_more_of_the_old_path() {
    let mut server = recording();
    let mut run = v1("requestor");
    let mut d = Driver::new(50);
    d.event(&mut server, &mut run, Event::RunAll { now_ms: 0 });
    // Before the requestor's steps are reached, the reader switches to the administrator's path.
    for _ in 0..6 {
        d.step(&mut server, &mut run);
    }
    d.event(
        &mut server,
        &mut run,
        Event::SetVariable {
            name: "input.path".into(),
            value: "admin".into(),
        },
    );
    assert!(d.settle(&mut server, &mut run));
    assert!(
        server.sent.iter().all(|(_, who)| who.is_none()),
        "no request ran as the requestor: {:?}",
        server.sent
    );
    for i in 0..run.tutorial().steps.len() {
        if !run.on_path(i) {
            assert!(
                run.step_record(i).attempts.is_empty(),
                "{} was sent",
                run.tutorial().steps[i].id
            );
        }
    }
}

const TWO_PATHS: &str = r#"---
id: paths
title: Two paths
api: v1.0
base: https://graph.microsoft.com/v1.0
scopes: User.Read
input way: Which way
  - a: A
  - b: B
---

## On A {#on-a}

```http
GET {{base}}/me
```

```walk
[Options]
when: input.way == a
[Captures]
me_id: jsonpath "$.id"
```

## On B {#on-b}

```http
GET {{base}}/me
```

```walk
[Options]
when: input.way == b
[Captures]
me_id: jsonpath "$.id"
```

## Uses it {#uses}

```http
GET {{base}}/users/{{me_id}}
```
"#;

#[test]
fn a_value_must_be_captured_on_every_path_that_uses_it() {
    parse_tutorial(TWO_PATHS).expect("both paths capture me_id");
    let one_path = TWO_PATHS.replace(
        "when: input.way == b\n[Captures]\nme_id",
        "when: input.way == b\n[Captures]\nother_id",
    );
    let e = parse_tutorial(&one_path).expect_err("path b has no me_id");
    assert!(e.message.contains("`input.way` is `b`"), "{e}");
    // A step on path A may use what only path A captures.
    let on_a = one_path.replace("## Uses it {#uses}\n\n```http\nGET {{base}}/users/{{me_id}}\n```", "## Uses it {#uses}\n\n```http\nGET {{base}}/users/{{me_id}}\n```\n\n```walk\n[Options]\nwhen: input.way == a\n```");
    parse_tutorial(&on_a).expect("path a uses its own value");
    let unknown = TWO_PATHS.replace("when: input.way == a", "when: input.way == c");
    let e = parse_tutorial(&unknown).expect_err("no such choice");
    assert!(e.message.contains("not one of its choices"), "{e}");
}
