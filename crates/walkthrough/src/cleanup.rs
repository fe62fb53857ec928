//! Running the ledger's cleanup: dependency order, retries, waiting for asynchronous removals.

use std::collections::{BTreeMap, BTreeSet};

use crate::attempt::{Next, Phase};
use crate::capture::{capture_text, evaluate, ReceivedResponse};
use crate::error::StepError;
use crate::ledger::CleanupStatus;
use crate::owner::Owner;
use crate::poll::{judge, PollOutcome};
use crate::retry::looks_missing;
use crate::runner::{build_request, Action, AttemptKind, Run};

impl Run {
    /// Starts (or restarts) cleanup: pending and failed entries are tried again.
    pub(crate) fn start_cleanup(&mut self) {
        // Steps waiting to run or to retry are abandoned; in-flight ones land first (see `pump_cleanup`).
        self.stop();
        self.schedule.begin_cleanup();
        self.ledger.retry_failed();
    }

    pub(crate) fn pump_cleanup(&mut self, out: &mut Vec<Action>) {
        // A step response still on its way may add to the ledger: let it land first.
        if self.in_flight.any_for_steps() {
            return;
        }
        if !self.schedule.is_stopped() {
            let mut below: BTreeMap<usize, BTreeSet<usize>> = BTreeMap::new();
            for step in self.ledger.steps() {
                below.entry(step).or_insert_with(|| self.descendants(step));
            }
            for e in 0..self.ledger.len() {
                if !self.ledger.is_pending(e) {
                    continue;
                }
                if self.ledger.removing_count() >= self.limit() {
                    break;
                }
                // Objects built on this one (an assignment on a package, a package in a catalog) go first.
                let built_on = self.ledger.entry(e).and_then(|x| below.get(&x.step));
                if built_on.is_some_and(|d| self.ledger.waits_for_others(e, d)) {
                    continue;
                }
                self.ledger.start_removal(e, self.now_ms);
                self.send_cleanup(e, AttemptKind::First, out);
            }
        }
        let busy = self.ledger.any_removing() || self.in_flight.any_for_cleanup();
        let pending = !self.schedule.is_stopped() && self.ledger.any_pending();
        if !busy && !pending {
            self.schedule.end_cleanup();
            out.push(Action::CleanupFinished {
                left: self.ledger.left().len(),
            });
        }
    }

    pub(crate) fn send_cleanup(&mut self, e: usize, kind: AttemptKind, out: &mut Vec<Action>) {
        let Some(entry) = self.ledger.entry(e) else {
            return;
        };
        let step = entry.step;
        let phase = entry.phase();
        let owner = Owner::Cleanup(e);
        let Some(cleanup) = self.tutorial.steps[step].cleanup.clone() else {
            let error = StepError::InvalidRequest {
                message: "the tutorial no longer says how to remove this".into(),
            };
            return self.follow(owner, Next::Failed(error), out);
        };
        let template = match (&cleanup.wait, phase) {
            (Some(w), Phase::Wait) => w.request.clone(),
            _ => cleanup.request.clone(),
        };
        let built = build_request(&template, &entry.lookup(), &|_| Some(step));
        let scopes = self.scopes_for_cleanup(step);
        self.dispatch(owner, kind, built, scopes, out);
    }

    /// Removal needs write permissions even where the step only read, so use the tutorial's; the signed-in
    /// account removes everything, so not the permissions only other accounts ask for (which it was never
    /// granted: asking for them fails silently and the removal would never be sent).
    fn scopes_for_cleanup(&self, _step: usize) -> Vec<String> {
        self.tutorial.signed_in_scopes()
    }

    pub(crate) fn on_cleanup_response(
        &mut self,
        e: usize,
        r: ReceivedResponse,
        out: &mut Vec<Action>,
    ) {
        let Some(entry) = self.ledger.entry(e) else {
            return;
        };
        let owner = Owner::Cleanup(e);
        let Some(cleanup) = self.tutorial.steps[entry.step].cleanup.clone() else {
            return;
        };
        let phase = entry.phase();
        // A 404 for a young object may be replication lag, worth waiting out.
        let recent = entry.may_lag(self.now_ms, self.options.retry.replication_window_ms);
        let body = r.json();
        if !(200..300).contains(&r.status) {
            let recent = recent || phase == Phase::Wait;
            let outcome = self.decide(owner, |a, cx| a.on_error_status(cx, &r, recent));
            if matches!(outcome.next, Next::Failed(_))
                && phase == Phase::Request
                && looks_missing(&r)
            {
                // Already gone: nothing is left to remove.
                self.note(owner, Some(&r), "already gone".into());
                self.ledger.settle(e, CleanupStatus::Gone);
                return;
            }
            self.note(owner, Some(&r), outcome.note);
            self.follow(owner, outcome.next, out);
            return;
        }
        match (phase, cleanup.wait) {
            (Phase::Request, wait) => {
                for c in &cleanup.captures {
                    let found = self.ledger.entry(e).map_or(Ok(None), |entry| {
                        evaluate(&c.query, &r, body.as_ref(), &entry.lookup())
                    });
                    match found.and_then(|f| capture_text(c, f)) {
                        Ok(v) => self.ledger.set_cleanup_var(e, &c.name, v),
                        Err(message) => {
                            self.note(owner, Some(&r), message.clone());
                            let error = StepError::Capture {
                                name: c.name.clone(),
                                message,
                            };
                            self.follow(owner, Next::Failed(error), out);
                            return;
                        }
                    }
                }
                match wait {
                    None => {
                        self.note(owner, Some(&r), "removed".into());
                        self.ledger.settle(e, CleanupStatus::Removed);
                    }
                    Some(wait) => {
                        self.note(owner, Some(&r), "removal accepted".into());
                        self.ledger.accept_removal(e, self.now_ms, &wait.poll);
                    }
                }
            }
            (Phase::Wait, None) => {}
            (Phase::Wait, Some(wait)) => {
                let outcome = match self.ledger.entry(e) {
                    Some(entry) => judge(&wait.poll, &r, body.as_ref(), &entry.lookup()),
                    None => return,
                };
                match outcome {
                    PollOutcome::Done => {
                        self.note(owner, Some(&r), "removal took effect".into());
                        self.ledger.settle(e, CleanupStatus::Removed);
                    }
                    PollOutcome::Failed(failure) => {
                        self.note(owner, Some(&r), failure.to_string());
                        let failed = Next::Failed(StepError::PollFailed { failure });
                        self.follow(owner, failed, out);
                    }
                    PollOutcome::Again { state } => {
                        self.note(owner, Some(&r), state);
                        let next = self.decide(owner, |a, cx| a.on_poll_again(cx, &wait.poll));
                        self.follow(owner, next, out);
                    }
                }
            }
        }
    }
}
