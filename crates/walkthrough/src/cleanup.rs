//! Running the ledger's cleanup: dependency order, retries, waiting for asynchronous removals.

use std::collections::{BTreeMap, BTreeSet};

use crate::attempt::{Attempts, Next, Phase};
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
        if self.in_flight.any_for_steps() {
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
                self.ledger.entries[e].exec = Some(Attempts::start(self.now_ms));
                self.send_cleanup(e, AttemptKind::First, out);
            }
        }
        let busy = self.ledger.entries.iter().any(|x| active(&x.status))
            || self.in_flight.any_for_cleanup();
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
        let phase = entry.exec.as_ref().map_or(Phase::Request, |a| a.phase());
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
        let built = {
            let lookup = self.entry_lookup(e);
            build_request(&template, &lookup, &|_| Some(step))
        };
        let scopes = self.scopes_for_cleanup(step);
        self.dispatch(owner, kind, built, scopes, out);
    }

    /// Removal needs write permissions even where the step only read, so use the tutorial's.
    fn scopes_for_cleanup(&self, _step: usize) -> Vec<String> {
        self.tutorial.scopes.clone()
    }

    pub(crate) fn on_cleanup_response(
        &mut self,
        e: usize,
        r: ReceivedResponse,
        out: &mut Vec<Action>,
    ) {
        let Some(entry) = self.ledger.entries.get(e) else {
            return;
        };
        let owner = Owner::Cleanup(e);
        let Some(cleanup) = self.tutorial.steps[entry.step].cleanup.clone() else {
            return;
        };
        let phase = entry.exec.as_ref().map_or(Phase::Request, |a| a.phase());
        // A 404 for a young object may be replication lag, worth waiting out; but after a removal that a
        // reload interrupted, it means that removal was applied: the object is gone, not late.
        let recent = !entry.removal_interrupted
            && self.now_ms.saturating_sub(entry.created_at_ms)
                <= self.options.retry.replication_window_ms;
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
                self.settle_entry(e, CleanupStatus::Gone);
                return;
            }
            self.note(owner, Some(&r), outcome.note);
            self.follow(owner, outcome.next, out);
            return;
        }
        match (phase, cleanup.wait) {
            (Phase::Request, wait) => {
                for c in &cleanup.captures {
                    let found = {
                        let lookup = self.entry_lookup(e);
                        evaluate(&c.query, &r, body.as_ref(), &lookup)
                            .and_then(|f| capture_text(c, f))
                    };
                    match found {
                        Ok(v) => {
                            self.ledger.entries[e]
                                .cleanup_vars
                                .insert(c.name.clone(), v);
                        }
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
                        self.settle_entry(e, CleanupStatus::Removed);
                    }
                    Some(wait) => {
                        self.note(owner, Some(&r), "removal accepted".into());
                        let entry = &mut self.ledger.entries[e];
                        entry.status = CleanupStatus::Waiting;
                        entry.exec = Some(Attempts::wait(self.now_ms, &wait.poll));
                    }
                }
            }
            (Phase::Wait, None) => {}
            (Phase::Wait, Some(wait)) => {
                let outcome = {
                    let lookup = self.entry_lookup(e);
                    judge(&wait.poll, &r, body.as_ref(), &lookup)
                };
                match outcome {
                    PollOutcome::Done => {
                        self.note(owner, Some(&r), "removal took effect".into());
                        self.settle_entry(e, CleanupStatus::Removed);
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

    fn settle_entry(&mut self, e: usize, status: CleanupStatus) {
        let entry = &mut self.ledger.entries[e];
        entry.exec = None;
        entry.status = status;
    }
}
