//! The attempt machine, the same for a step and a cleanup entry: send, then retry at, poll at, done or failed.

use serde::{Deserialize, Deserializer, Serialize};

use crate::capture::ReceivedResponse;
use crate::error::StepError;
use crate::event::SendFailure;
use crate::model::Poll;
use crate::poll::next_delay;
use crate::record::AttemptKind;
use crate::request::{graph_error, is_idempotent};
use crate::retry::{backoff_ms, verdict, RetryPolicy, Rng, Verdict};

/// Which of an owner's requests is being attempted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub(crate) enum Phase {
    /// The step's request, or the cleanup entry's removal.
    #[default]
    Request,
    /// A cleanup entry's wait for its removal to take effect.
    Wait,
}

/// Runs saved before the phase had a name stored it as a number: 0 = removal, 1 = waiting.
impl<'de> Deserialize<'de> for Phase {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Phase, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Saved {
            Number(u8),
            Name(String),
        }
        match Saved::deserialize(deserializer)? {
            Saved::Number(0) => Ok(Phase::Request),
            Saved::Number(1) => Ok(Phase::Wait),
            Saved::Name(name) if name == "Request" => Ok(Phase::Request),
            Saved::Name(name) if name == "Wait" => Ok(Phase::Wait),
            _ => Err(serde::de::Error::custom(
                "expected the phase Request or Wait",
            )),
        }
    }
}

/// Progress of one owner's request through retries and polling. Saved with the run, so a pending timer
/// survives a reload.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct Attempts {
    /// When the first attempt of this phase was sent (polling limits count from here).
    started_at_ms: u64,
    retries: u32,
    lag_retries: u32,
    network_retries: u32,
    polls: u32,
    /// The next poll wait, grown by the poll's backoff.
    poll_delay_ms: u64,
    /// A timer is set: send again at this time.
    wake_at_ms: Option<u64>,
    /// Why the timer was set.
    wake_kind: Option<AttemptKind>,
    #[serde(default)]
    phase: Phase,
}

/// What the machine needs from the run for one decision.
pub(crate) struct Context<'a> {
    pub(crate) policy: &'a RetryPolicy,
    pub(crate) rng: &'a mut Rng,
    pub(crate) now_ms: u64,
    /// The owner may not try again (stopped, or a step while cleanup runs).
    pub(crate) halted: bool,
}

/// What comes after an answer the owner cannot use as it is.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Next {
    /// A timer is set: send again at `at_ms`.
    Retry {
        at_ms: u64,
        /// Retries so far, for the card.
        attempt: u32,
        reason: String,
    },
    /// A timer is set: poll again at `at_ms`.
    Poll { at_ms: u64, attempt: u32 },
    /// Give up with this error.
    Failed(StepError),
    /// Would poll again, but the owner may not.
    Halted,
}

/// A decision, with the note for the attempt it answers.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Outcome {
    pub(crate) note: String,
    pub(crate) next: Next,
}

impl Attempts {
    /// The first attempt of the owner's request, sent now.
    pub(crate) fn start(now_ms: u64) -> Attempts {
        Attempts {
            started_at_ms: now_ms,
            ..Attempts::default()
        }
    }

    /// The wait after a removal was accepted: the first poll is due after the poll's interval.
    pub(crate) fn wait(now_ms: u64, poll: &Poll) -> Attempts {
        let delay = next_delay(poll, 0);
        Attempts {
            started_at_ms: now_ms,
            poll_delay_ms: delay,
            wake_at_ms: Some(now_ms + delay),
            wake_kind: Some(AttemptKind::Poll),
            phase: Phase::Wait,
            ..Attempts::default()
        }
    }

    pub(crate) fn phase(&self) -> Phase {
        self.phase
    }

    pub(crate) fn polls(&self) -> u32 {
        self.polls
    }

    /// When the next attempt is due, if a timer is set.
    pub(crate) fn wake_at(&self) -> Option<u64> {
        self.wake_at_ms
    }

    /// The kind of attempt due by `now_ms`, clearing the timer.
    pub(crate) fn take_due(&mut self, now_ms: u64) -> Option<AttemptKind> {
        self.wake_at_ms.filter(|&at| at <= now_ms)?;
        self.wake_at_ms = None;
        Some(self.wake_kind.take().unwrap_or(AttemptKind::Retry))
    }

    fn set_timer(&mut self, at_ms: u64, kind: AttemptKind) {
        self.wake_at_ms = Some(at_ms);
        self.wake_kind = Some(kind);
    }

    /// An answer that is neither a success nor a status the owner expects: throttling and outages are
    /// retried, a 404 for an object created moments ago (`recent`) is waited out; the rest is the error.
    pub(crate) fn on_error_status(
        &mut self,
        cx: Context<'_>,
        r: &ReceivedResponse,
        recent: bool,
    ) -> Outcome {
        let retry = verdict(cx.policy, self.retries, self.lag_retries, r, recent, cx.rng);
        match retry {
            Verdict::Retry { delay_ms, lag } if !cx.halted => {
                let (kind, reason) = if lag {
                    self.lag_retries += 1;
                    (
                        AttemptKind::ReplicationLag,
                        format!("{}: not visible yet (replication lag)", r.status),
                    )
                } else {
                    self.retries += 1;
                    (
                        AttemptKind::Retry,
                        format!("{}: Graph asked to slow down", r.status),
                    )
                };
                let at_ms = cx.now_ms + delay_ms;
                self.set_timer(at_ms, kind);
                // The card's status and the timeline both say the wait the timer really has.
                let reason = format!("{reason}; waiting {delay_ms} ms");
                Outcome {
                    note: reason.clone(),
                    next: Next::Retry {
                        at_ms,
                        attempt: self.retries + self.lag_retries,
                        reason,
                    },
                }
            }
            _ => {
                let error = if matches!(r.status, 429 | 503) {
                    StepError::RetriesExhausted {
                        attempts: self.retries + 1,
                        last_status: Some(r.status),
                    }
                } else {
                    graph_error(r)
                };
                Outcome {
                    note: "failed".into(),
                    next: Next::Failed(error),
                }
            }
        }
    }

    /// A polled answer that is not there yet: poll again after the grown delay, unless that would pass
    /// the poll's limit.
    pub(crate) fn on_poll_again(&mut self, cx: Context<'_>, poll: &Poll) -> Next {
        let elapsed = cx.now_ms.saturating_sub(self.started_at_ms);
        let delay = next_delay(poll, self.poll_delay_ms);
        if cx.halted {
            Next::Halted
        } else if elapsed + delay > poll.limit_ms {
            Next::Failed(StepError::PollTimeout {
                attempts: self.polls + 1,
                elapsed_ms: elapsed,
            })
        } else {
            self.polls += 1;
            self.poll_delay_ms = delay;
            let at_ms = cx.now_ms + delay;
            self.set_timer(at_ms, AttemptKind::Poll);
            Next::Poll {
                at_ms,
                attempt: self.polls,
            }
        }
    }

    /// No answer at all. Only a network failure of an idempotent request is tried again; a sign-in,
    /// consent or a host rule needs the user.
    pub(crate) fn on_send_failed(
        &mut self,
        cx: Context<'_>,
        failure: SendFailure,
        method: &str,
    ) -> Outcome {
        let message = match failure {
            SendFailure::Network { message } => message,
            failure => {
                let error = StepError::NotSent { failure };
                return Outcome {
                    note: error.to_string(),
                    next: Next::Failed(error),
                };
            }
        };
        let reason = format!("network error: {message}");
        if is_idempotent(method) && !cx.halted && self.network_retries < cx.policy.network_retries {
            let delay = backoff_ms(cx.policy, self.network_retries, cx.rng);
            self.network_retries += 1;
            let at_ms = cx.now_ms + delay;
            self.set_timer(at_ms, AttemptKind::NetworkRetry);
            Outcome {
                note: reason.clone(),
                next: Next::Retry {
                    at_ms,
                    attempt: self.network_retries,
                    reason,
                },
            }
        } else {
            Outcome {
                note: reason,
                next: Next::Failed(StepError::Network { message }),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Expectation, Predicate, Query};

    fn resp(status: u16, headers: &[(&str, &str)]) -> ReceivedResponse {
        ReceivedResponse {
            status,
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body: "{}".into(),
            elapsed_ms: 0,
        }
    }

    fn cx<'a>(policy: &'a RetryPolicy, rng: &'a mut Rng, now_ms: u64) -> Context<'a> {
        Context {
            policy,
            rng,
            now_ms,
            halted: false,
        }
    }

    #[test]
    fn a_throttled_answer_is_retried_when_retry_after_says_then_given_up() {
        let policy = RetryPolicy {
            max_attempts: 3,
            ..RetryPolicy::default()
        };
        let mut rng = Rng::new(5);
        let mut a = Attempts::start(1_000);
        let r = resp(429, &[("Retry-After", "3")]);
        let first = a.on_error_status(cx(&policy, &mut rng, 1_100), &r, false);
        assert_eq!(
            first.next,
            Next::Retry {
                at_ms: 4_100,
                attempt: 1,
                reason: "429: Graph asked to slow down; waiting 3000 ms".into()
            }
        );
        assert_eq!(first.note, "429: Graph asked to slow down; waiting 3000 ms");
        assert_eq!(a.take_due(4_099), None);
        assert_eq!(a.take_due(4_100), Some(AttemptKind::Retry));
        assert_eq!(a.wake_at(), None);
        assert!(matches!(
            a.on_error_status(cx(&policy, &mut rng, 4_200), &r, false)
                .next,
            Next::Retry { attempt: 2, .. }
        ));
        assert_eq!(
            a.on_error_status(cx(&policy, &mut rng, 8_000), &r, false)
                .next,
            Next::Failed(StepError::RetriesExhausted {
                attempts: 3,
                last_status: Some(429)
            })
        );
    }

    #[test]
    fn a_halted_owner_gives_up_instead_of_retrying() {
        let policy = RetryPolicy::default();
        let mut rng = Rng::new(5);
        let mut a = Attempts::start(0);
        let halted = Context {
            halted: true,
            ..cx(&policy, &mut rng, 10)
        };
        let outcome = a.on_error_status(halted, &resp(503, &[]), false);
        assert!(matches!(
            outcome.next,
            Next::Failed(StepError::RetriesExhausted { attempts: 1, .. })
        ));
        assert_eq!(a.wake_at(), None);
    }

    #[test]
    fn network_failures_retry_only_idempotent_requests_and_are_bounded() {
        let policy = RetryPolicy::default();
        let mut rng = Rng::new(5);
        let offline = || SendFailure::Network {
            message: "offline".into(),
        };
        let mut post = Attempts::start(0);
        let outcome = post.on_send_failed(cx(&policy, &mut rng, 10), offline(), "POST");
        assert_eq!(
            outcome.next,
            Next::Failed(StepError::Network {
                message: "offline".into()
            })
        );
        assert_eq!(post.wake_at(), None);
        let mut get = Attempts::start(0);
        for n in 1..=policy.network_retries {
            let outcome = get.on_send_failed(cx(&policy, &mut rng, 10), offline(), "GET");
            assert!(
                matches!(outcome.next, Next::Retry { attempt, .. } if attempt == n),
                "{outcome:?}"
            );
            assert_eq!(get.take_due(u64::MAX), Some(AttemptKind::NetworkRetry));
        }
        assert!(matches!(
            get.on_send_failed(cx(&policy, &mut rng, 10), offline(), "GET")
                .next,
            Next::Failed(StepError::Network { .. })
        ));
        let consent = SendFailure::NeedsSignIn {
            message: "signed out".into(),
        };
        assert!(matches!(
            Attempts::start(0)
                .on_send_failed(cx(&policy, &mut rng, 10), consent, "GET")
                .next,
            Next::Failed(StepError::NotSent { .. })
        ));
    }

    #[test]
    fn polling_backs_off_and_gives_up_at_its_limit() {
        let policy = RetryPolicy::default();
        let mut rng = Rng::new(5);
        let poll = Poll {
            until: vec![Expectation {
                query: Query::Status,
                predicate: Predicate::Equals(serde_json::json!(200)),
            }],
            fail: Vec::new(),
            interval_ms: 1_000,
            backoff: 2.0,
            max_interval_ms: 4_000,
            limit_ms: 10_000,
        };
        let mut a = Attempts::start(0);
        let mut now = 0;
        let mut waits = Vec::new();
        loop {
            match a.on_poll_again(cx(&policy, &mut rng, now), &poll) {
                Next::Poll { at_ms, attempt } => {
                    assert_eq!(attempt as usize, waits.len() + 1);
                    waits.push(at_ms - now);
                    now = at_ms;
                    assert_eq!(a.take_due(now), Some(AttemptKind::Poll));
                }
                other => {
                    assert_eq!(
                        other,
                        Next::Failed(StepError::PollTimeout {
                            attempts: 4,
                            elapsed_ms: 7_000
                        })
                    );
                    break;
                }
            }
        }
        assert_eq!(waits, vec![1_000, 2_000, 4_000]);
        let mut halted = Attempts::start(0);
        let cx = Context {
            halted: true,
            ..cx(&policy, &mut rng, 0)
        };
        assert_eq!(halted.on_poll_again(cx, &poll), Next::Halted);
    }

    #[test]
    fn the_phase_loads_from_old_numbers_and_new_names() {
        let old: Attempts = serde_json::from_str(
            r#"{"started_at_ms":5,"retries":0,"lag_retries":0,"network_retries":0,"polls":0,
                "poll_delay_ms":2000,"wake_at_ms":2005,"wake_kind":"Poll","phase":1}"#,
        )
        .expect("an old save loads");
        assert_eq!(old.phase(), Phase::Wait);
        assert_eq!(old.wake_at(), Some(2005));
        let again: Attempts =
            serde_json::from_str(&serde_json::to_string(&old).expect("saves")).expect("loads");
        assert_eq!(again, old);
        assert!(serde_json::to_string(&old)
            .expect("saves")
            .contains(r#""phase":"Wait""#));
        assert!(serde_json::from_str::<Phase>("2").is_err());
    }
}
