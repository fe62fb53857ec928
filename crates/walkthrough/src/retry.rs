//! Retry rules for Graph: throttling and outages, replication lag, and a seeded PRNG for jitter.

use serde::{Deserialize, Serialize};

use crate::capture::ReceivedResponse;

/// How hard to retry. Bounded everywhere so a run always ends.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RetryPolicy {
    /// Attempts for 429/503 (the first send included).
    pub max_attempts: u32,
    /// First backoff when there is no `Retry-After`; doubles each time.
    pub base_delay_ms: u64,
    pub max_delay_ms: u64,
    /// A 404 for an object created less than this long ago counts as replication lag.
    pub replication_window_ms: u64,
    /// Retries for replication lag.
    pub replication_retries: u32,
    /// Retries of idempotent requests after a network error.
    pub network_retries: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 10,
            base_delay_ms: 1_000,
            max_delay_ms: 32_000,
            replication_window_ms: 120_000,
            replication_retries: 8,
            network_retries: 2,
        }
    }
}

/// A small deterministic PRNG (SplitMix64): the engine must not touch OS randomness.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Rng {
    state: u64,
}

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng { state: seed }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    fn pick(&mut self, set: &[u8]) -> char {
        set[self.below(set.len() as u64) as usize] as char
    }

    /// A short lowercase tag that keeps names from two runs apart.
    pub fn tag(&mut self) -> String {
        (0..6)
            .map(|_| self.pick(b"abcdefghijkmnpqrstuvwxyz23456789"))
            .collect()
    }

    /// A 20-character password with every character class Entra asks for.
    /// Symbols avoid quotes, backslashes, `$` and `` ` `` so exported scripts stay simple.
    pub fn password(&mut self) -> String {
        const LOWER: &[u8] = b"abcdefghijkmnopqrstuvwxyz";
        const UPPER: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
        const DIGIT: &[u8] = b"23456789";
        const SYMBOL: &[u8] = b"!#%*+-=?@^_";
        let mut chars: Vec<char> = vec![
            self.pick(UPPER),
            self.pick(LOWER),
            self.pick(DIGIT),
            self.pick(SYMBOL),
        ];
        let all: Vec<u8> = [LOWER, UPPER, DIGIT, SYMBOL].concat();
        while chars.len() < 20 {
            chars.push(self.pick(&all));
        }
        // Shuffle so the classes are not always in the same places.
        for i in (1..chars.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            chars.swap(i, j);
        }
        chars.into_iter().collect()
    }
}

/// What to do about a response that is not a success.
#[derive(Clone, Debug, PartialEq)]
pub enum Verdict {
    /// Try again after this many milliseconds.
    Retry { delay_ms: u64, lag: bool },
    /// Give up: this is the step's error.
    Fail,
}

/// The shortest wait before retrying a 429 or 503, even after `Retry-After: 0`: an immediate retry would
/// meet the same throttle, and a wait of nothing is not a wait.
pub const MIN_RETRY_DELAY_MS: u64 = 250;

/// Parses `Retry-After` given in seconds (Graph sends e.g. `10` or `2.128`).
pub fn retry_after_ms(response: &ReceivedResponse) -> Option<u64> {
    let value = response.header("retry-after")?.trim();
    let secs: f64 = value.parse().ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| (secs * 1000.0).ceil() as u64)
}

/// Exponential backoff with jitter: somewhere in the upper half of `base * 2^attempt`.
pub fn backoff_ms(policy: &RetryPolicy, attempt: u32, rng: &mut Rng) -> u64 {
    let cap = policy
        .base_delay_ms
        .saturating_mul(1u64 << attempt.min(20))
        .min(policy.max_delay_ms)
        .max(1);
    cap / 2 + rng.below(cap / 2 + 1)
}

/// True for Graph's "not there (yet)" answers: 404, or 400 saying an object does not exist.
pub fn looks_missing(response: &ReceivedResponse) -> bool {
    // A 400 counts when an object it refers to does not exist (yet); a property that does not exist on a
    // type is a mistake in the body, which waiting never fixes.
    let body = response.body.to_ascii_lowercase();
    response.status == 404
        || (response.status == 400 && body.contains("not exist") && !body.contains("property '"))
}

/// Decides whether a failed response is retried, given the retries so far for throttling and for lag.
/// `recent` says whether the request names an object this run created moments ago.
pub fn verdict(
    policy: &RetryPolicy,
    retries: u32,
    lag_retries: u32,
    response: &ReceivedResponse,
    recent: bool,
    rng: &mut Rng,
) -> Verdict {
    match response.status {
        429 | 503 if retries + 1 < policy.max_attempts => Verdict::Retry {
            delay_ms: retry_after_ms(response)
                .unwrap_or_else(|| backoff_ms(policy, retries, rng))
                .clamp(MIN_RETRY_DELAY_MS, policy.max_delay_ms * 4),
            lag: false,
        },
        _ if recent && looks_missing(response) && lag_retries < policy.replication_retries => {
            Verdict::Retry {
                delay_ms: backoff_ms(policy, lag_retries, rng),
                lag: true,
            }
        }
        _ => Verdict::Fail,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp(status: u16, headers: &[(&str, &str)], body: &str) -> ReceivedResponse {
        ReceivedResponse {
            status,
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body: body.into(),
            elapsed_ms: 0,
        }
    }

    #[test]
    fn a_missing_object_may_be_lag_but_a_missing_property_never_is() {
        let object = resp(
            400,
            &[],
            r#"{"error":{"code":"Request_BadRequest","message":"Resource 'a1' does not exist or one of its queried reference-property objects are not present."}}"#,
        );
        assert!(looks_missing(&object));
        let property = resp(
            400,
            &[],
            r#"{"error":{"code":"Request_BadRequest","message":"Property 'jobTitle' does not exist as a declared property or extension property."}}"#,
        );
        assert!(!looks_missing(&property));
        let on_type = resp(
            400,
            &[],
            r#"{"error":{"code":"BadRequest","message":"The property 'catalogId' does not exist on type 'microsoft.graph.accessPackage'."}}"#,
        );
        assert!(!looks_missing(&on_type));
        assert!(looks_missing(&resp(404, &[], "")));
    }

    #[test]
    fn password_and_tag_are_seeded_and_strong() {
        let a = Rng::new(7).password();
        assert_eq!(a, Rng::new(7).password());
        assert_ne!(a, Rng::new(8).password());
        assert_eq!(a.len(), 20);
        assert!(a.chars().any(|c| c.is_ascii_uppercase()));
        assert!(a.chars().any(|c| c.is_ascii_lowercase()));
        assert!(a.chars().any(|c| c.is_ascii_digit()));
        assert!(a.chars().any(|c| !c.is_ascii_alphanumeric()));
        let t = Rng::new(7).tag();
        assert_eq!(t.len(), 6);
        assert!(t
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()));
    }

    #[test]
    fn throttling_honours_retry_after_else_backs_off() {
        let p = RetryPolicy::default();
        let mut rng = Rng::new(1);
        let r = resp(429, &[("Retry-After", "2.128")], "");
        assert_eq!(
            verdict(&p, 0, 0, &r, false, &mut rng),
            Verdict::Retry {
                delay_ms: 2128,
                lag: false
            }
        );
        // Retry-After: 0 still waits a moment.
        let r = resp(429, &[("Retry-After", "0")], "");
        assert_eq!(
            verdict(&p, 0, 0, &r, false, &mut rng),
            Verdict::Retry {
                delay_ms: MIN_RETRY_DELAY_MS,
                lag: false
            }
        );
        let r = resp(503, &[], "");
        let Verdict::Retry { delay_ms, .. } = verdict(&p, 3, 0, &r, false, &mut rng) else {
            panic!("expected a retry")
        };
        assert!((4_000..=8_000).contains(&delay_ms), "{delay_ms}");
        let spent = p.max_attempts - 1;
        assert_eq!(verdict(&p, spent, 0, &r, false, &mut rng), Verdict::Fail);
    }

    #[test]
    fn replication_lag_only_for_recent_objects_and_bounded() {
        let p = RetryPolicy::default();
        let mut rng = Rng::new(1);
        let not_found = resp(404, &[], "{}");
        assert!(matches!(
            verdict(&p, 0, 0, &not_found, true, &mut rng),
            Verdict::Retry { lag: true, .. }
        ));
        assert_eq!(
            verdict(&p, 0, 0, &not_found, false, &mut rng),
            Verdict::Fail
        );
        let bad = resp(
            400,
            &[],
            r#"{"error":{"message":"One of the objects being referenced do not exist."}}"#,
        );
        assert!(matches!(
            verdict(&p, 0, 0, &bad, true, &mut rng),
            Verdict::Retry { lag: true, .. }
        ));
        let spent = p.replication_retries;
        assert_eq!(
            verdict(&p, 0, spent, &not_found, true, &mut rng),
            Verdict::Fail
        );
        assert_eq!(
            verdict(&p, 0, 0, &resp(403, &[], ""), true, &mut rng),
            Verdict::Fail
        );
    }
}
