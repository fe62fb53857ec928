//! Running the ledger's cleanup: dependency order, retries, waiting for asynchronous removals.

use std::collections::{BTreeMap, BTreeSet};

use crate::capture::{capture_text, evaluate, ReceivedResponse};
use crate::error::StepError;
use crate::ledger::CleanupStatus;
use crate::poll::{judge, next_delay, PollOutcome};
use crate::retry::{looks_missing, verdict, Exec, Verdict};
use crate::runner::{build_request, graph_error, Action, Attempt, AttemptKind, InFlight, Run};

impl Run {
    /// Starts (or restarts) cleanup: pending and failed entries are tried again.
    pub(crate) fn start_cleanup(&mut self) {
        // Steps waiting to run or to retry are abandoned; in-flight ones land first (see `pump_cleanup`).
        self.stop();
        self.stopped = false;
        self.cleaning = true;
        self.busy = true;
        for entry in &mut self.ledger.entries {
            if matches!(entry.status, CleanupStatus::Failed(_)) {
                entry.status = CleanupStatus::Pending;
            }
        }
    }

    fn entry_lookup(&self, e: usize) -> impl Fn(&str) -> Option<String> + '_ {
        move |name: &str| {
            let entry = &self.ledger.entries[e];
            match name.strip_prefix("cleanup.") {
                Some(local) => entry.cleanup_vars.get(local).cloned(),
                None => entry.vars.get(name).cloned(),
            }
        }
    }

    pub(crate) fn pump_cleanup(&mut self, out: &mut Vec<Action>) {
        // A step response still on its way may add to the ledger: let it land first.
        if self.in_flight.values().any(|f| f.cleanup.is_none()) {
            return;
        }
        let active =
            |s: &CleanupStatus| matches!(s, CleanupStatus::Removing | CleanupStatus::Waiting);
        if !self.stopped {
            let mut below: BTreeMap<usize, BTreeSet<usize>> = BTreeMap::new();
            for entry in &self.ledger.entries {
                below
                    .entry(entry.step)
                    .or_insert_with(|| self.descendants(entry.step));
            }
            for e in 0..self.ledger.entries.len() {
                if self.ledger.entries[e].status != CleanupStatus::Pending {
                    continue;
                }
                let running = self
                    .ledger
                    .entries
                    .iter()
                    .filter(|x| active(&x.status))
                    .count();
                if running >= self.limit() {
                    break;
                }
                // Objects built on this one (an assignment on a package, a package in a catalog) go first.
                let step = self.ledger.entries[e].step;
                let blocked = self.ledger.entries.iter().enumerate().any(|(f, other)| {
                    f != e
                        && (other.status == CleanupStatus::Pending || active(&other.status))
                        && below.get(&step).is_some_and(|d| d.contains(&other.step))
                });
                if blocked {
                    continue;
                }
                self.ledger.entries[e].status = CleanupStatus::Removing;
                self.ledger.entries[e].exec = Some(Exec {
                    started_at_ms: self.now_ms,
                    ..Exec::default()
                });
                self.send_cleanup(e, AttemptKind::First, out);
            }
        }
        let busy = self.ledger.entries.iter().any(|x| active(&x.status))
            || self.in_flight.values().any(|f| f.cleanup.is_some());
        let pending = !self.stopped
            && self
                .ledger
                .entries
                .iter()
                .any(|x| x.status == CleanupStatus::Pending);
        if !busy && !pending {
            self.cleaning = false;
            self.stopped = false;
            out.push(Action::CleanupFinished {
                left: self.ledger.left().len(),
            });
        }
    }

    pub(crate) fn send_cleanup(&mut self, e: usize, kind: AttemptKind, out: &mut Vec<Action>) {
        let Some(entry) = self.ledger.entries.get(e) else {
            return;
        };
        let step = entry.step;
        let phase = entry.exec.as_ref().map_or(0, |x| x.phase);
        let Some(cleanup) = self.tutorial.steps[step].cleanup.clone() else {
            self.ledger.entries[e].status = CleanupStatus::Failed(StepError::InvalidRequest {
                message: "the tutorial no longer says how to remove this".into(),
            });
            return;
        };
        let template = match (&cleanup.wait, phase) {
            (Some(w), 1) => w.request.clone(),
            _ => cleanup.request.clone(),
        };
        let built = {
            let lookup = self.entry_lookup(e);
            build_request(&template, &lookup, &|_| Some(step))
        };
        match built {
            Err(error) => {
                let entry = &mut self.ledger.entries[e];
                entry.exec = None;
                entry.record.error = Some(error.clone());
                entry.status = CleanupStatus::Failed(error);
            }
            Ok((sent, request)) => {
                let id = self.next_request_id;
                self.next_request_id += 1;
                let now = self.now_ms;
                let entry = &mut self.ledger.entries[e];
                entry.record.attempts.push(Attempt {
                    kind: kind.clone(),
                    sent_at_ms: now,
                    status: None,
                    elapsed_ms: None,
                    note: String::new(),
                });
                entry.record.request = Some(sent.clone());
                self.in_flight.insert(
                    id,
                    InFlight {
                        step,
                        cleanup: Some(e),
                        kind,
                        sent_at_ms: now,
                        method: sent.method,
                    },
                );
                out.push(Action::Send {
                    request_id: id,
                    step,
                    cleanup: Some(e),
                    scopes: self.scopes_for_cleanup(step),
                    request,
                });
            }
        }
    }

    /// Removal needs write permissions even where the step only read, so use the tutorial's.
    fn scopes_for_cleanup(&self, _step: usize) -> Vec<String> {
        self.tutorial.scopes.clone()
    }

    pub(crate) fn on_cleanup_response(
        &mut self,
        e: usize,
        r: ReceivedResponse,
        _out: &mut Vec<Action>,
    ) {
        let Some(entry) = self.ledger.entries.get(e) else {
            return;
        };
        let step = entry.step;
        let Some(cleanup) = self.tutorial.steps[step].cleanup.clone() else {
            return;
        };
        let mut exec = entry.exec.clone().unwrap_or_default();
        // A 404 for a young object may be replication lag, worth waiting out; but after a removal that a
        // reload interrupted, it means that removal was applied: the object is gone, not late.
        let recent = !entry.removal_interrupted
            && self.now_ms.saturating_sub(entry.created_at_ms)
                <= self.options.retry.replication_window_ms;
        let body = r.json();
        let note = |run: &mut Run, text: String| {
            let entry = &mut run.ledger.entries[e];
            if let Some(a) = entry.record.attempts.last_mut() {
                a.status = Some(r.status);
                a.elapsed_ms = Some(r.elapsed_ms);
                a.note = text;
            }
            entry.record.response = Some(r.clone());
        };
        let success = (200..300).contains(&r.status);
        if !success {
            match verdict(
                &self.options.retry,
                &exec,
                &r,
                recent || exec.phase == 1,
                &mut self.rng,
            ) {
                Verdict::Retry { delay_ms, lag } if !self.stopped => {
                    let kind = if lag {
                        exec.lag_retries += 1;
                        AttemptKind::ReplicationLag
                    } else {
                        exec.retries += 1;
                        AttemptKind::Retry
                    };
                    note(self, format!("{}: trying again in {delay_ms} ms", r.status));
                    exec.wake_at_ms = Some(self.now_ms + delay_ms);
                    exec.wake_kind = Some(kind);
                    self.ledger.entries[e].exec = Some(exec);
                }
                _ => {
                    let status = if exec.phase == 0 && looks_missing(&r) {
                        // Already gone: nothing is left to remove.
                        note(self, "already gone".into());
                        CleanupStatus::Gone
                    } else {
                        note(self, "failed".into());
                        let error = if matches!(r.status, 429 | 503) {
                            StepError::RetriesExhausted {
                                attempts: exec.retries + 1,
                                last_status: Some(r.status),
                            }
                        } else {
                            graph_error(&r)
                        };
                        self.ledger.entries[e].record.error = Some(error.clone());
                        CleanupStatus::Failed(error)
                    };
                    let entry = &mut self.ledger.entries[e];
                    entry.exec = None;
                    entry.status = status;
                }
            }
            return;
        }
        if exec.phase == 0 {
            for c in &cleanup.captures {
                let found = {
                    let lookup = self.entry_lookup(e);
                    evaluate(&c.query, &r, body.as_ref(), &lookup).and_then(|f| capture_text(c, f))
                };
                match found {
                    Ok(v) => {
                        self.ledger.entries[e]
                            .cleanup_vars
                            .insert(c.name.clone(), v);
                    }
                    Err(message) => {
                        note(self, message.clone());
                        let entry = &mut self.ledger.entries[e];
                        entry.exec = None;
                        entry.status = CleanupStatus::Failed(StepError::Capture {
                            name: c.name.clone(),
                            message,
                        });
                        return;
                    }
                }
            }
            match &cleanup.wait {
                None => {
                    note(self, "removed".into());
                    let entry = &mut self.ledger.entries[e];
                    entry.exec = None;
                    entry.status = CleanupStatus::Removed;
                }
                Some(wait) => {
                    note(self, "removal accepted".into());
                    let delay = next_delay(&wait.poll, 0);
                    let entry = &mut self.ledger.entries[e];
                    entry.status = CleanupStatus::Waiting;
                    entry.exec = Some(Exec {
                        phase: 1,
                        started_at_ms: self.now_ms,
                        poll_delay_ms: delay,
                        wake_at_ms: Some(self.now_ms + delay),
                        wake_kind: Some(AttemptKind::Poll),
                        ..Exec::default()
                    });
                }
            }
            return;
        }
        let Some(wait) = cleanup.wait else { return };
        let outcome = {
            let lookup = self.entry_lookup(e);
            judge(&wait.poll, &r, body.as_ref(), &lookup)
        };
        match outcome {
            PollOutcome::Done => {
                note(self, "removal took effect".into());
                let entry = &mut self.ledger.entries[e];
                entry.exec = None;
                entry.status = CleanupStatus::Removed;
            }
            PollOutcome::Failed(failure) => {
                note(self, failure.to_string());
                let entry = &mut self.ledger.entries[e];
                entry.exec = None;
                entry.status = CleanupStatus::Failed(StepError::PollFailed { failure });
            }
            PollOutcome::Again { state } => {
                note(self, state);
                let elapsed = self.now_ms.saturating_sub(exec.started_at_ms);
                let delay = next_delay(&wait.poll, exec.poll_delay_ms);
                if self.stopped || elapsed + delay > wait.poll.limit_ms {
                    let entry = &mut self.ledger.entries[e];
                    entry.exec = None;
                    entry.status = if self.stopped {
                        CleanupStatus::Pending
                    } else {
                        CleanupStatus::Failed(StepError::PollTimeout {
                            attempts: exec.polls + 1,
                            elapsed_ms: elapsed,
                        })
                    };
                } else {
                    exec.polls += 1;
                    exec.poll_delay_ms = delay;
                    exec.wake_at_ms = Some(self.now_ms + delay);
                    exec.wake_kind = Some(AttemptKind::Poll);
                    self.ledger.entries[e].exec = Some(exec);
                }
            }
        }
    }
}
