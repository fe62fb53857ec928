//! Polling: judging each attempt (done, failed for good, keep going) and when to try next.

use serde_json::Value;

use crate::capture::ReceivedResponse;
use crate::expect::{check, ExpectationResult};
use crate::model::Poll;

/// What one polled response means.
#[derive(Clone, Debug, PartialEq)]
pub enum PollOutcome {
    /// Every `until` holds.
    Done,
    /// A `fail` holds: a terminal failure state; stop at once.
    Failed(ExpectationResult),
    /// Not there yet; `state` summarizes what was seen, for the attempt timeline.
    Again { state: String },
}

/// Judges a polled response.
pub fn judge(
    poll: &Poll,
    response: &ReceivedResponse,
    body: Option<&Value>,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> PollOutcome {
    for fail in &poll.fail {
        let r = check(fail, response, body, lookup);
        if r.passed {
            return PollOutcome::Failed(r);
        }
    }
    let results: Vec<ExpectationResult> = poll
        .until
        .iter()
        .map(|u| check(u, response, body, lookup))
        .collect();
    if results.iter().all(|r| r.passed) {
        PollOutcome::Done
    } else {
        let state = results
            .iter()
            .filter(|r| !r.passed)
            .map(|r| {
                format!(
                    "{} is {}",
                    r.expectation.split(" ==").next().unwrap_or_default(),
                    r.actual
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        PollOutcome::Again { state }
    }
}

/// The next wait: the current one grown by the backoff factor, capped.
pub fn next_delay(poll: &Poll, current_ms: u64) -> u64 {
    if current_ms == 0 {
        return poll.interval_ms.min(poll.max_interval_ms.max(1));
    }
    ((current_ms as f64 * poll.backoff) as u64).clamp(1, poll.max_interval_ms.max(1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Expectation, Predicate, Query};
    use serde_json::json;

    fn poll() -> Poll {
        Poll {
            until: vec![Expectation {
                query: Query::JsonPath("$.state".into()),
                predicate: Predicate::Equals(json!("Delivered")),
            }],
            fail: vec![Expectation {
                query: Query::JsonPath("$.state".into()),
                predicate: Predicate::OneOf(vec![json!("Denied"), json!("DeliveryFailed")]),
            }],
            interval_ms: 1000,
            backoff: 2.0,
            max_interval_ms: 5000,
            limit_ms: 60_000,
        }
    }

    fn resp(state: &str) -> ReceivedResponse {
        ReceivedResponse {
            status: 200,
            headers: vec![],
            body: json!({ "state": state }).to_string().into(),
            elapsed_ms: 0,
        }
    }

    #[test]
    fn judges_done_failed_and_again() {
        let p = poll();
        let none = |_: &str| None;
        let r = resp("Delivered");
        assert_eq!(judge(&p, &r, r.json().as_ref(), &none), PollOutcome::Done);
        let r = resp("Denied");
        assert!(matches!(
            judge(&p, &r, r.json().as_ref(), &none),
            PollOutcome::Failed(_)
        ));
        let r = resp("Submitted");
        let PollOutcome::Again { state } = judge(&p, &r, r.json().as_ref(), &none) else {
            panic!("expected to poll again")
        };
        assert!(state.contains("Submitted"), "{state}");
    }

    #[test]
    fn delay_grows_and_is_capped() {
        let p = poll();
        assert_eq!(next_delay(&p, 0), 1000);
        assert_eq!(next_delay(&p, 1000), 2000);
        assert_eq!(next_delay(&p, 4000), 5000);
    }
}
