//! Running one step: sending, retrying, polling, capturing, checking, recording what it created.

use std::collections::BTreeMap;

use crate::attempt::Next;
use crate::capture::{capture_text, evaluate, ReceivedResponse, VarSource, VarValue};
use crate::error::StepError;
use crate::event::Action;
use crate::expect::{check, ExpectationResult};
use crate::format::{request_vars, step_inputs};
use crate::model::Query;
use crate::owner::Owner;
use crate::poll::{judge, PollOutcome};
use crate::record::{AttemptKind, StepStatus};
use crate::request::build_request;
use crate::runner::Run;

impl Run {
    pub(crate) fn start_step(&mut self, s: usize, out: &mut Vec<Action>) {
        // Re-running: what this step captured before, and everything built on it, may no longer hold.
        if self.steps.has_results(s) {
            self.invalidate(s);
        }
        self.steps.begin(s, self.now_ms);
        self.send_step(s, AttemptKind::First, out);
    }

    /// Marks a step's captures stale and its dependents (with their captures) stale.
    pub(crate) fn invalidate(&mut self, s: usize) {
        let mark = |run: &mut Run, step: usize| {
            for c in &run.tutorial.steps[step].captures {
                run.vars.mark_stale(&c.name, step);
            }
        };
        mark(self, s);
        for d in self.descendants(s) {
            self.steps.outdate_settled(d);
            mark(self, d);
        }
    }

    pub(crate) fn send_step(&mut self, s: usize, kind: AttemptKind, out: &mut Vec<Action>) {
        let Some(template) = self.effective_request(s).cloned() else {
            return;
        };
        let built = {
            let lookup = self.lookup();
            let provider = |v: &str| self.provider_for(s, v);
            build_request(&template, &lookup, &provider)
        };
        if built.is_ok() {
            let status = match kind {
                AttemptKind::Poll => StepStatus::Polling {
                    attempt: self.steps.polls(s),
                    next_at_ms: self.now_ms,
                },
                _ => StepStatus::Running,
            };
            self.steps.set_status(s, status);
        }
        let scopes = self.scopes_for(s);
        self.dispatch(Owner::Step(s), kind, built, scopes, out);
    }

    pub(crate) fn scopes_for(&self, s: usize) -> Vec<String> {
        let step = &self.tutorial.steps[s];
        if step.scopes.is_empty() {
            self.tutorial.scopes.clone()
        } else {
            step.scopes.clone()
        }
    }

    /// Does this step's request name an object captured moments ago (so a 404 may be replication lag)?
    pub(crate) fn names_recent_object(&self, s: usize) -> bool {
        let window = self.options.retry.replication_window_ms;
        let Some(t) = self.effective_request(s) else {
            return false;
        };
        request_vars(t).iter().any(|v| {
            self.vars.get(v).is_some_and(|v| {
                matches!(v.source, VarSource::Capture { .. })
                    && self.now_ms.saturating_sub(v.at_ms) <= window
            })
        })
    }

    pub(crate) fn on_step_response(
        &mut self,
        s: usize,
        r: ReceivedResponse,
        out: &mut Vec<Action>,
    ) {
        let step = self.tutorial.steps[s].clone();
        let body = r.json_for(step.queries());
        self.steps.record_response(s, r.clone());
        let success = (200..300).contains(&r.status);
        let expected_status = step
            .expectations
            .iter()
            .any(|e| e.query == Query::Status && check(e, &r, body.as_ref(), &|_| None).passed);
        let owner = Owner::Step(s);
        if !success && !expected_status {
            let recent = self.names_recent_object(s);
            let outcome = self.decide(owner, |a, cx| a.on_error_status(cx, &r, recent));
            self.note(owner, Some(&r), outcome.note);
            self.follow(owner, outcome.next, out);
            return;
        }
        if let Some(poll) = &step.poll {
            let outcome = {
                let lookup = self.lookup();
                judge(poll, &r, body.as_ref(), &lookup)
            };
            match outcome {
                PollOutcome::Failed(failure) => {
                    self.note(owner, Some(&r), failure.to_string());
                    let failed = Next::Failed(StepError::PollFailed { failure });
                    self.follow(owner, failed, out);
                    return;
                }
                PollOutcome::Again { state } => {
                    self.note(owner, Some(&r), state);
                    let next = self.decide(owner, |a, cx| a.on_poll_again(cx, poll));
                    self.follow(owner, next, out);
                    return;
                }
                PollOutcome::Done => {}
            }
        }
        self.note(owner, Some(&r), String::new());
        // Captures.
        let mut captured = Vec::new();
        for c in &step.captures {
            let value = {
                let lookup = self.lookup();
                evaluate(&c.query, &r, body.as_ref(), &lookup)
                    .and_then(|found| capture_text(c, found))
            };
            let value = match value {
                Ok(v) => v,
                Err(message) => {
                    self.finish_step(
                        s,
                        Err(StepError::Capture {
                            name: c.name.clone(),
                            message,
                        }),
                        out,
                    );
                    return;
                }
            };
            if let Some(kind) = &c.kind {
                if let Some((other, other_kind)) = self.vars.kind_clash(&c.name, kind, &value) {
                    let message =
                        format!("the value is `{other}`, a {other_kind} id, not a {kind} id");
                    self.finish_step(
                        s,
                        Err(StepError::Capture {
                            name: c.name.clone(),
                            message,
                        }),
                        out,
                    );
                    return;
                }
            }
            captured.push((c.name.clone(), value));
        }
        for ((name, value), c) in captured.iter().zip(&step.captures) {
            self.vars.set(
                name,
                VarValue {
                    value: value.clone(),
                    kind: c.kind.clone(),
                    source: VarSource::Capture {
                        step: s,
                        path: c.query.to_string(),
                    },
                    stale: false,
                    at_ms: self.now_ms,
                },
            );
        }
        self.steps.record_captured(s, captured.clone());
        // The ledger: whatever this response created, recorded before expectations are judged.
        if let Some(cleanup) = &step.cleanup {
            self.record_created(s, &step, cleanup, &captured);
        }
        let results: Vec<ExpectationResult> = {
            let lookup = self.lookup();
            step.expectations
                .iter()
                .map(|e| check(e, &r, body.as_ref(), &lookup))
                .collect()
        };
        let failures: Vec<ExpectationResult> =
            results.iter().filter(|x| !x.passed).cloned().collect();
        self.steps.record_expectations(s, results);
        if failures.is_empty() {
            self.finish_step(s, Ok(()), out);
        } else {
            self.finish_step(s, Err(StepError::Expectation { failures }), out);
        }
    }

    pub(crate) fn record_created(
        &mut self,
        s: usize,
        step: &crate::model::Step,
        cleanup: &crate::model::Cleanup,
        captured: &[(String, String)],
    ) {
        let mut names: Vec<String> = request_vars(&cleanup.request);
        if let Some(w) = &cleanup.wait {
            names.extend(request_vars(&w.request));
        }
        let mut vars = BTreeMap::new();
        for name in names.iter().filter(|n| !n.starts_with("cleanup.")) {
            match self.vars.fresh(name) {
                Some(v) => {
                    vars.insert(name.clone(), v.to_string());
                }
                // Cannot build the cleanup request: nothing sensible to record.
                None => return,
            }
        }
        // Expectation values in the wait may use any variable; keep those that exist.
        if let Some(w) = &cleanup.wait {
            let mut t = crate::model::Step::clone(step);
            t.request = w.request.clone();
            t.captures.clear();
            t.cleanup = None;
            t.expectations = w.poll.until.iter().chain(&w.poll.fail).cloned().collect();
            t.poll = None;
            for name in step_inputs(&t) {
                if let Some(v) = self.vars.fresh(&name) {
                    vars.insert(name, v.to_string());
                }
            }
        }
        let object_id = step
            .captures
            .iter()
            .zip(captured)
            .find(|(c, _)| c.kind.is_some())
            .or_else(|| step.captures.iter().zip(captured).next())
            .map(|(_, (_, v))| v.clone());
        let label = ledger_label(step, object_id.as_deref());
        self.ledger.add(s, label, object_id, self.now_ms, vars);
    }

    pub(crate) fn finish_step(
        &mut self,
        s: usize,
        result: Result<(), StepError>,
        out: &mut Vec<Action>,
    ) {
        self.schedule.unplan(s);
        let passed = result.is_ok();
        self.steps.finish(s, result, self.now_ms);
        out.push(Action::StepFinished { step: s, passed });
    }
}

/// How the ledger names an object: after the step that created it; an object a step only found (a GET whose
/// cleanup removes what an earlier request made) by what it is, so no entry is named after a step that
/// creates nothing.
pub(crate) fn ledger_label(step: &crate::model::Step, object_id: Option<&str>) -> String {
    let found = step.request.method.eq_ignore_ascii_case("GET");
    let kind = step.captures.iter().find_map(|c| c.kind.as_deref());
    let name = match kind {
        Some(kind) if found => {
            let mut words = String::new();
            for (i, c) in kind.chars().enumerate() {
                if c.is_ascii_uppercase() {
                    words.push(' ');
                    words.push(c.to_ascii_lowercase());
                } else if i == 0 {
                    words.push(c.to_ascii_uppercase());
                } else {
                    words.push(c);
                }
            }
            words
        }
        _ => step.title.clone(),
    };
    match object_id {
        Some(id) => format!("{name} ({id})"),
        None => name,
    }
}
