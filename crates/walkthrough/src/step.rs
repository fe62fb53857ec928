//! Running one step: sending, retrying, polling, capturing, checking, recording what it created.

use std::collections::BTreeMap;

use crate::capture::{capture_text, evaluate, ReceivedResponse, VarSource, VarValue};
use crate::error::StepError;
use crate::event::{Action, SendFailure};
use crate::expect::{check, ExpectationResult};
use crate::format::{request_vars, step_inputs};
use crate::ledger::{CleanupStatus, LedgerEntry};
use crate::model::Query;
use crate::poll::{judge, next_delay, PollOutcome};
use crate::record::{Attempt, AttemptKind, StepRecord, StepStatus};
use crate::request::{build_request, graph_error, is_idempotent};
use crate::retry::{backoff_ms, verdict, Exec, Verdict};
use crate::runner::{InFlight, Run};

impl Run {
    /// Steps may not retry or poll on: the reader stopped the run, or cleanup has begun.
    fn steps_halted(&self) -> bool {
        self.stopped || self.cleaning
    }

    pub(crate) fn start_step(&mut self, s: usize, out: &mut Vec<Action>) {
        // Re-running: what this step captured before, and everything built on it, may no longer hold.
        if !self.steps[s].record.captured.is_empty() || self.steps[s].record.response.is_some() {
            self.invalidate(s);
        }
        self.steps[s].record = StepRecord {
            started_at_ms: Some(self.now_ms),
            ..StepRecord::default()
        };
        self.steps[s].exec = Some(Exec {
            started_at_ms: self.now_ms,
            ..Exec::default()
        });
        self.send_step(s, AttemptKind::First, out);
    }

    /// Marks a step's captures stale and its dependents (with their captures) stale.
    pub(crate) fn invalidate(&mut self, s: usize) {
        let mark = |run: &mut Run, step: usize| {
            for c in run.tutorial.steps[step].captures.clone() {
                if let Some(v) = run.vars.get_mut(&c.name) {
                    if matches!(v.source, VarSource::Capture { step: from, .. } if from == step) {
                        v.stale = true;
                    }
                }
            }
        };
        mark(self, s);
        for d in self.descendants(s) {
            if matches!(
                self.steps[d].status,
                StepStatus::Passed
                    | StepStatus::Failed(_)
                    | StepStatus::Skipped
                    | StepStatus::Blocked { .. }
            ) {
                self.steps[d].status = StepStatus::Stale;
            }
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
        match built {
            Err(error) => self.finish_step(s, Err(error), out),
            Ok((sent, request)) => {
                let id = self.next_request_id;
                self.next_request_id += 1;
                let attempt = self.steps[s].exec.as_ref().map_or(0, |e| e.polls);
                self.steps[s].status = match kind {
                    AttemptKind::Poll => StepStatus::Polling {
                        attempt,
                        next_at_ms: self.now_ms,
                    },
                    _ => StepStatus::Running,
                };
                self.steps[s].record.attempts.push(Attempt {
                    kind: kind.clone(),
                    sent_at_ms: self.now_ms,
                    status: None,
                    elapsed_ms: None,
                    note: String::new(),
                });
                self.in_flight.insert(
                    id,
                    InFlight {
                        step: s,
                        cleanup: None,
                        kind,
                        sent_at_ms: self.now_ms,
                        method: sent.method.clone(),
                    },
                );
                self.steps[s].record.request = Some(sent);
                out.push(Action::Send {
                    request_id: id,
                    step: s,
                    cleanup: None,
                    scopes: self.scopes_for(s),
                    request,
                });
            }
        }
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

    pub(crate) fn note_attempt(record: &mut StepRecord, r: &ReceivedResponse, note: String) {
        if let Some(a) = record.attempts.last_mut() {
            a.status = Some(r.status);
            a.elapsed_ms = Some(r.elapsed_ms);
            a.note = note;
        }
    }

    pub(crate) fn schedule(
        &mut self,
        s: usize,
        delay_ms: u64,
        kind: AttemptKind,
        status: StepStatus,
    ) {
        let at = self.now_ms + delay_ms;
        if let Some(exec) = self.steps[s].exec.as_mut() {
            exec.wake_at_ms = Some(at);
            exec.wake_kind = Some(kind);
        }
        self.steps[s].status = status;
    }

    pub(crate) fn on_step_response(
        &mut self,
        s: usize,
        r: ReceivedResponse,
        out: &mut Vec<Action>,
    ) {
        let step = self.tutorial.steps[s].clone();
        let body = r.json_for(step.queries());
        let mut exec = self.steps[s].exec.clone().unwrap_or_default();
        self.steps[s].record.response = Some(r.clone());
        let success = (200..300).contains(&r.status);
        let expected_status = step
            .expectations
            .iter()
            .any(|e| e.query == Query::Status && check(e, &r, body.as_ref(), &|_| None).passed);
        if !success && !expected_status {
            let recent = self.names_recent_object(s);
            match verdict(&self.options.retry, &exec, &r, recent, &mut self.rng) {
                Verdict::Retry { delay_ms, lag } if !self.steps_halted() => {
                    let (kind, reason) = if lag {
                        exec.lag_retries += 1;
                        (
                            AttemptKind::ReplicationLag,
                            format!("{}: not visible yet (replication lag)", r.status),
                        )
                    } else {
                        exec.retries += 1;
                        (
                            AttemptKind::Retry,
                            format!("{}: Graph asked to slow down", r.status),
                        )
                    };
                    let attempt = exec.retries + exec.lag_retries;
                    Self::note_attempt(
                        &mut self.steps[s].record,
                        &r,
                        format!("{reason}; waiting {delay_ms} ms"),
                    );
                    self.steps[s].exec = Some(exec);
                    let next_at_ms = self.now_ms + delay_ms;
                    self.schedule(
                        s,
                        delay_ms,
                        kind,
                        StepStatus::Retrying {
                            attempt,
                            next_at_ms,
                            reason,
                        },
                    );
                    return;
                }
                _ => {
                    Self::note_attempt(&mut self.steps[s].record, &r, "failed".into());
                    let error = if matches!(r.status, 429 | 503) {
                        StepError::RetriesExhausted {
                            attempts: exec.retries + 1,
                            last_status: Some(r.status),
                        }
                    } else {
                        graph_error(&r)
                    };
                    self.finish_step(s, Err(error), out);
                    return;
                }
            }
        }
        if let Some(poll) = &step.poll {
            let outcome = {
                let lookup = self.lookup();
                judge(poll, &r, body.as_ref(), &lookup)
            };
            match outcome {
                PollOutcome::Failed(failure) => {
                    Self::note_attempt(&mut self.steps[s].record, &r, failure.to_string());
                    self.finish_step(s, Err(StepError::PollFailed { failure }), out);
                    return;
                }
                PollOutcome::Again { state } => {
                    Self::note_attempt(&mut self.steps[s].record, &r, state);
                    let elapsed = self.now_ms.saturating_sub(exec.started_at_ms);
                    let delay = next_delay(poll, exec.poll_delay_ms);
                    if self.steps_halted() {
                        self.finish_step(s, Err(StepError::Stopped), out);
                    } else if elapsed + delay > poll.limit_ms {
                        self.finish_step(
                            s,
                            Err(StepError::PollTimeout {
                                attempts: exec.polls + 1,
                                elapsed_ms: elapsed,
                            }),
                            out,
                        );
                    } else {
                        exec.polls += 1;
                        exec.poll_delay_ms = delay;
                        let attempt = exec.polls;
                        self.steps[s].exec = Some(exec);
                        let next_at_ms = self.now_ms + delay;
                        self.schedule(
                            s,
                            delay,
                            AttemptKind::Poll,
                            StepStatus::Polling {
                                attempt,
                                next_at_ms,
                            },
                        );
                    }
                    return;
                }
                PollOutcome::Done => {}
            }
        }
        Self::note_attempt(&mut self.steps[s].record, &r, String::new());
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
        self.steps[s].record.captured = captured.clone();
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
        self.steps[s].record.expectations = results;
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
        let label = match &object_id {
            Some(id) => format!("{} ({id})", step.title),
            None => step.title.clone(),
        };
        self.ledger.entries.push(LedgerEntry {
            step: s,
            label,
            object_id,
            created_at_ms: self.now_ms,
            vars,
            cleanup_vars: BTreeMap::new(),
            status: CleanupStatus::Pending,
            record: StepRecord::default(),
            exec: None,
            removal_interrupted: false,
        });
    }

    pub(crate) fn finish_step(
        &mut self,
        s: usize,
        result: Result<(), StepError>,
        out: &mut Vec<Action>,
    ) {
        self.plan.remove(&s);
        let state = &mut self.steps[s];
        state.exec = None;
        state.record.finished_at_ms = Some(self.now_ms);
        let passed = result.is_ok();
        match result {
            Ok(()) => {
                state.record.error = None;
                state.status = StepStatus::Passed;
            }
            Err(e) => {
                state.record.error = Some(e.clone());
                state.status = StepStatus::Failed(e);
            }
        }
        out.push(Action::StepFinished { step: s, passed });
    }

    pub(crate) fn on_send_failed(
        &mut self,
        flight: InFlight,
        failure: SendFailure,
        out: &mut Vec<Action>,
    ) {
        // Only a network failure may mend itself; a sign-in, consent or a host rule needs the user.
        let message = match failure {
            SendFailure::Network { message } => message,
            failure => {
                let error = StepError::NotSent { failure };
                match flight.cleanup {
                    None => {
                        let s = flight.step;
                        if let Some(a) = self.steps[s].record.attempts.last_mut() {
                            a.note = error.to_string();
                        }
                        self.finish_step(s, Err(error), out);
                    }
                    Some(e) => {
                        if let Some(entry) = self.ledger.entries.get_mut(e) {
                            entry.exec = None;
                            entry.status = CleanupStatus::Failed(error);
                        }
                    }
                }
                return;
            }
        };
        // Cleanup stops steps from retrying, but its own requests keep going.
        let halted = match flight.cleanup {
            Some(_) => self.stopped,
            None => self.steps_halted(),
        };
        let retry = is_idempotent(&flight.method) && !halted;
        match flight.cleanup {
            None => {
                let s = flight.step;
                let mut exec = self.steps[s].exec.clone().unwrap_or_default();
                if let Some(a) = self.steps[s].record.attempts.last_mut() {
                    a.note = format!("network error: {message}");
                }
                if retry && exec.network_retries < self.options.retry.network_retries {
                    let delay =
                        backoff_ms(&self.options.retry, exec.network_retries, &mut self.rng);
                    exec.network_retries += 1;
                    let attempt = exec.network_retries;
                    self.steps[s].exec = Some(exec);
                    let next_at_ms = self.now_ms + delay;
                    self.schedule(
                        s,
                        delay,
                        AttemptKind::NetworkRetry,
                        StepStatus::Retrying {
                            attempt,
                            next_at_ms,
                            reason: format!("network error: {message}"),
                        },
                    );
                } else {
                    self.finish_step(s, Err(StepError::Network { message }), out);
                }
            }
            Some(e) => {
                let Some(entry) = self.ledger.entries.get_mut(e) else {
                    return;
                };
                let mut exec = entry.exec.clone().unwrap_or_default();
                if retry && exec.network_retries < self.options.retry.network_retries {
                    let delay =
                        backoff_ms(&self.options.retry, exec.network_retries, &mut self.rng);
                    exec.network_retries += 1;
                    exec.wake_at_ms = Some(self.now_ms + delay);
                    exec.wake_kind = Some(AttemptKind::NetworkRetry);
                    entry.exec = Some(exec);
                } else {
                    entry.exec = None;
                    entry.status = CleanupStatus::Failed(StepError::Network { message });
                }
            }
        }
    }

    pub(crate) fn next_wake(&self) -> Option<u64> {
        let steps = self
            .steps
            .iter()
            .filter_map(|s| s.exec.as_ref()?.wake_at_ms);
        let entries = self
            .ledger
            .entries
            .iter()
            .filter_map(|e| e.exec.as_ref()?.wake_at_ms);
        steps.chain(entries).min()
    }

    pub(crate) fn fire_timers(&mut self, out: &mut Vec<Action>) {
        for s in 0..self.steps.len() {
            let due = self.steps[s].exec.as_ref().and_then(|e| {
                e.wake_at_ms
                    .filter(|&at| at <= self.now_ms)
                    .map(|_| e.wake_kind.clone())
            });
            if let Some(kind) = due {
                if let Some(exec) = self.steps[s].exec.as_mut() {
                    exec.wake_at_ms = None;
                    exec.wake_kind = None;
                }
                self.send_step(s, kind.unwrap_or(AttemptKind::Retry), out);
            }
        }
        for e in 0..self.ledger.entries.len() {
            let due = self.ledger.entries[e].exec.as_ref().and_then(|x| {
                x.wake_at_ms
                    .filter(|&at| at <= self.now_ms)
                    .map(|_| x.wake_kind.clone())
            });
            if let Some(kind) = due {
                if let Some(exec) = self.ledger.entries[e].exec.as_mut() {
                    exec.wake_at_ms = None;
                    exec.wake_kind = None;
                }
                self.send_cleanup(e, kind.unwrap_or(AttemptKind::Retry), out);
            }
        }
    }
}
