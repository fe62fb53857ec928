//! Requests made for a step or a cleanup entry: sending, timers, send failures and verdicts, once for both.

use crate::attempt::{Attempts, Context, Next};
use crate::capture::ReceivedResponse;
use crate::error::StepError;
use crate::event::{Action, SendFailure};
use crate::flight::InFlight;
use crate::record::{AttemptKind, SentRequest, StepRecord, StepStatus};
use crate::runner::Run;

/// Whose request it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Owner {
    Step(usize),
    /// A ledger entry's removal (or its wait).
    Cleanup(usize),
}

impl Owner {
    pub(crate) fn of(flight: &InFlight) -> Owner {
        match flight.cleanup {
            Some(e) => Owner::Cleanup(e),
            None => Owner::Step(flight.step),
        }
    }
}

impl Run {
    fn owners(&self) -> Vec<Owner> {
        (0..self.steps.len())
            .map(Owner::Step)
            .chain((0..self.ledger.len()).map(Owner::Cleanup))
            .collect()
    }

    fn attempts_slot(&mut self, owner: Owner) -> Option<&mut Option<Attempts>> {
        match owner {
            Owner::Step(s) => self.steps.attempts_mut(s),
            Owner::Cleanup(e) => self.ledger.attempts_mut(e),
        }
    }

    fn record_of(&mut self, owner: Owner) -> Option<&mut StepRecord> {
        match owner {
            Owner::Step(s) => self.steps.record_mut(s),
            Owner::Cleanup(e) => self.ledger.record_mut(e),
        }
    }

    /// May this owner try again? Steps stop when the reader stops or cleanup begins; cleanup's own
    /// requests keep going until the reader stops them.
    fn halted(&self, owner: Owner) -> bool {
        match owner {
            Owner::Step(_) => self.schedule.halts_steps(),
            Owner::Cleanup(_) => self.schedule.is_stopped(),
        }
    }

    /// Lets the owner's attempt machine decide, with the run's policy, jitter and clock.
    pub(crate) fn decide<T>(
        &mut self,
        owner: Owner,
        decide: impl FnOnce(&mut Attempts, Context<'_>) -> T,
    ) -> T {
        let halted = self.halted(owner);
        let mut attempts = self
            .attempts_slot(owner)
            .and_then(Option::take)
            .unwrap_or_default();
        let cx = Context {
            policy: &self.options.retry,
            rng: &mut self.rng,
            now_ms: self.now_ms,
            halted,
        };
        let decided = decide(&mut attempts, cx);
        if let Some(slot) = self.attempts_slot(owner) {
            *slot = Some(attempts);
        }
        decided
    }

    /// Writes what became of the owner's last attempt (and the answer, when there was one).
    pub(crate) fn note(&mut self, owner: Owner, answer: Option<&ReceivedResponse>, note: String) {
        if let Some(record) = self.record_of(owner) {
            record.answered(answer, note);
        }
    }

    /// Carries out the machine's decision for its owner: a card's status, or the entry's.
    pub(crate) fn follow(&mut self, owner: Owner, next: Next, out: &mut Vec<Action>) {
        match (owner, next) {
            (
                Owner::Step(s),
                Next::Retry {
                    at_ms,
                    attempt,
                    reason,
                },
            ) => {
                let retrying = StepStatus::Retrying {
                    attempt,
                    next_at_ms: at_ms,
                    reason,
                };
                self.steps.set_status(s, retrying);
            }
            (Owner::Step(s), Next::Poll { at_ms, attempt }) => {
                let polling = StepStatus::Polling {
                    attempt,
                    next_at_ms: at_ms,
                };
                self.steps.set_status(s, polling);
            }
            (Owner::Step(s), Next::Failed(error)) => self.finish_step(s, Err(error), out),
            (Owner::Step(s), Next::Halted) => self.finish_step(s, Err(StepError::Stopped), out),
            (Owner::Cleanup(_), Next::Retry { .. } | Next::Poll { .. }) => {}
            (Owner::Cleanup(e), Next::Failed(error)) => self.ledger.fail(e, error),
            (Owner::Cleanup(e), Next::Halted) => self.ledger.halt(e),
        }
    }

    /// Sends a built request for its owner, or ends the owner with the error that kept it from being built.
    pub(crate) fn dispatch(
        &mut self,
        owner: Owner,
        kind: AttemptKind,
        built: Result<(SentRequest, http::Request<String>), StepError>,
        scopes: Vec<String>,
        out: &mut Vec<Action>,
    ) {
        let (sent, request) = match built {
            Ok(built) => built,
            Err(error) => return self.follow(owner, Next::Failed(error), out),
        };
        // A step that runs as another account goes out as that account or not at all: without its user
        // principal name (not captured yet, stale, or unusable) it would carry the signed-in user's token.
        if let Owner::Step(s) = owner {
            if let Some(name) = self.tutorial.steps[s].run_as.clone() {
                if self.run_as(s).is_none() {
                    let message = format!(
                        "this step runs as the {name}, whose user principal name is not known (or is out of date): \
                         run the step that creates that account again, then this one"
                    );
                    return self.follow(
                        owner,
                        Next::Failed(StepError::InvalidRequest { message }),
                        out,
                    );
                }
            }
        }
        let (step, cleanup) = match owner {
            Owner::Step(s) => (s, None),
            Owner::Cleanup(e) => match self.ledger.entry(e) {
                Some(entry) => (entry.step, Some(e)),
                None => return,
            },
        };
        let id = self.next_request_id;
        self.next_request_id += 1;
        let now = self.now_ms;
        self.in_flight.insert(
            id,
            InFlight {
                step,
                cleanup,
                kind: kind.clone(),
                sent_at_ms: now,
                method: sent.method.clone(),
            },
        );
        if let Some(record) = self.record_of(owner) {
            record.sent(kind, now, sent);
        }
        // Cleanup runs as the signed-in administrator, whoever created what it removes.
        let run_as = match owner {
            Owner::Step(s) => self.run_as(s),
            Owner::Cleanup(_) => None,
        };
        out.push(Action::Send {
            request_id: id,
            step,
            cleanup,
            scopes,
            request,
            run_as,
        });
    }

    /// Sends the owner's request again (after a timer, or a reload).
    pub(crate) fn resend(&mut self, owner: Owner, kind: AttemptKind, out: &mut Vec<Action>) {
        // The reader chose the other path while this step waited to poll or retry: it stops there.
        if let Owner::Step(s) = owner {
            if !self.on_path(s) {
                self.steps.set_status(s, crate::record::StepStatus::Idle);
                return;
            }
        }
        match owner {
            Owner::Step(s) => self.send_step(s, kind, out),
            Owner::Cleanup(e) => self.send_cleanup(e, kind, out),
        }
    }

    pub(crate) fn on_send_failed(
        &mut self,
        flight: InFlight,
        failure: SendFailure,
        out: &mut Vec<Action>,
    ) {
        let owner = Owner::of(&flight);
        if self.record_of(owner).is_none() {
            return;
        }
        let outcome = self.decide(owner, |a, cx| a.on_send_failed(cx, failure, &flight.method));
        self.note(owner, None, outcome.note);
        self.follow(owner, outcome.next, out);
    }

    pub(crate) fn next_wake(&self) -> Option<u64> {
        let steps = self.steps.next_wake();
        let entries = self.ledger.next_wake();
        steps.into_iter().chain(entries).min()
    }

    pub(crate) fn fire_timers(&mut self, out: &mut Vec<Action>) {
        for owner in self.owners() {
            let now = self.now_ms;
            let due = self
                .attempts_slot(owner)
                .and_then(|slot| slot.as_mut()?.take_due(now));
            if let Some(kind) = due {
                self.resend(owner, kind, out);
            }
        }
    }
}
