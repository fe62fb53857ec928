//! What the page's URL asks for: `?tutorial=&mode=&step=&embed=1&origin=&latency=`, and timing and faults
//! for the in-page sandbox (`timing=&delivery=&throttle=&unavailable=&lag=&retry_after=&seed=`).

/// The page's query parameters, read once at start.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Params {
    /// A built-in tutorial id, e.g. `access-package-v1`.
    pub tutorial: Option<String>,
    /// `sandbox` or `live`.
    pub mode: Option<String>,
    /// A step id or 1-based number to scroll to and focus.
    pub step: Option<String>,
    /// Compact layout for an iframe in a docs page.
    pub embed: bool,
    /// The parent page's origin: the only one the embed layout reports its height to.
    pub origin: Option<String>,
    /// The in-page sandbox's delay per request, in milliseconds.
    pub latency_ms: Option<u32>,
    /// How long the in-page sandbox takes to deliver an access package assignment, in milliseconds.
    pub delivery_ms: Option<u64>,
    /// A tutorial file to load from this address instead of a built-in.
    pub src: Option<String>,
    /// Faults the in-page sandbox starts with (each `None` keeps the tenant's own setting).
    pub faults: FaultParams,
    /// Seeds the in-page sandbox's ids and fault decisions, so a faulty run can be repeated exactly.
    pub seed: Option<u64>,
    /// `quick` (the default) or `realistic`: the in-page sandbox's delivery time and replication lag as
    /// the sandbox crate's presets give them (`delivery=` and `lag=` still win).
    pub timing: Option<sandbox::Timing>,
}

/// `?throttle=0.2&unavailable=0.1&lag=400&retry_after=0`: rates are chances from 0 to 1
/// (or percentages from 1 to 100), `lag` is in milliseconds, `retry_after` in seconds.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FaultParams {
    pub throttle_rate: Option<f64>,
    pub unavailable_rate: Option<f64>,
    pub replication_lag_ms: Option<u64>,
    pub retry_after_secs: Option<u64>,
}

impl FaultParams {
    pub fn is_empty(&self) -> bool {
        *self == FaultParams::default()
    }

    /// `faults` with what the URL asked for laid over it.
    pub fn apply(&self, mut faults: sandbox::Faults) -> sandbox::Faults {
        if let Some(rate) = self.throttle_rate {
            faults.throttle_rate = rate;
        }
        if let Some(rate) = self.unavailable_rate {
            faults.unavailable_rate = rate;
        }
        if let Some(lag) = self.replication_lag_ms {
            faults.replication_lag_ms = lag;
        }
        if let Some(secs) = self.retry_after_secs {
            faults.retry_after_secs = secs;
        }
        faults
    }
}

/// A chance from `0.2` or `20` (percent); anything else is ignored rather than guessed at.
fn rate(value: &str) -> Option<f64> {
    let number: f64 = value.trim().trim_end_matches('%').parse().ok()?;
    let chance = if number > 1.0 { number / 100.0 } else { number };
    (chance.is_finite() && (0.0..=1.0).contains(&chance)).then_some(chance)
}

impl Params {
    pub fn parse(query: &str) -> Params {
        let mut params = Params::default();
        for (key, value) in pairs(query) {
            match key.as_str() {
                "tutorial" => params.tutorial = Some(value),
                "mode" => params.mode = Some(value),
                "step" => params.step = Some(value),
                "embed" => params.embed = matches!(value.as_str(), "" | "1" | "true" | "yes"),
                "origin" => params.origin = valid_origin(&value),
                "latency" => params.latency_ms = value.parse().ok(),
                "delivery" => params.delivery_ms = value.parse().ok(),
                "src" => params.src = Some(value),
                "throttle" => params.faults.throttle_rate = rate(&value),
                "unavailable" => params.faults.unavailable_rate = rate(&value),
                // Capped so a typo cannot make every new object invisible for hours.
                "lag" => {
                    params.faults.replication_lag_ms =
                        value.parse().ok().map(|ms: u64| ms.min(60_000))
                }
                "retry_after" => {
                    params.faults.retry_after_secs = value.parse().ok().map(|s: u64| s.min(120))
                }
                "seed" => params.seed = value.parse().ok(),
                "timing" => params.timing = sandbox::Timing::parse(&value),
                _ => {}
            }
        }
        // A timing preset fills in what `delivery=` and `lag=` did not give.
        if let Some(timing) = params.timing {
            params.delivery_ms.get_or_insert(timing.delivery_delay_ms());
            params
                .faults
                .replication_lag_ms
                .get_or_insert(timing.replication_lag_ms());
        }
        params
    }

    pub fn from_page() -> Params {
        let query = web_sys::window()
            .and_then(|w| w.location().search().ok())
            .unwrap_or_default();
        Params::parse(&query)
    }
}

/// Accepts `scheme://host[:port]` only, so a path or a wildcard can never widen where messages go.
pub fn valid_origin(value: &str) -> Option<String> {
    let (scheme, rest) = value.split_once("://")?;
    let host_ok = !rest.is_empty()
        && rest
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    (matches!(scheme, "http" | "https") && host_ok).then(|| format!("{scheme}://{rest}"))
}

fn pairs(query: &str) -> impl Iterator<Item = (String, String)> + '_ {
    query
        .trim_start_matches('?')
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(key), decode(value))
        })
}

/// Percent-decoding for query strings (`+` is a space).
pub fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(high), Some(low)) => {
                    out.push(high << 4 | low);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            byte => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(byte: u8) -> Option<u8> {
    (byte as char).to_digit(16).map(|d| d as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_realistic_timing_sets_delivery_and_lag_unless_they_are_given() {
        let realistic = Params::parse("?timing=realistic");
        assert_eq!(realistic.delivery_ms, Some(25_000));
        assert_eq!(realistic.faults.replication_lag_ms, Some(3_000));
        let mine = Params::parse("?timing=realistic&delivery=100&lag=0");
        assert_eq!(mine.delivery_ms, Some(100));
        assert_eq!(mine.faults.replication_lag_ms, Some(0));
        assert_eq!(Params::parse("?timing=sometimes").timing, None);
        assert_eq!(Params::parse("").delivery_ms, None);
    }

    #[test]
    fn reads_every_parameter() {
        let p = Params::parse("?tutorial=access-package-v1&mode=live&step=3&embed=1&origin=https%3A%2F%2Fdocs.example.com&latency=0");
        assert_eq!(p.tutorial.as_deref(), Some("access-package-v1"));
        assert_eq!(p.mode.as_deref(), Some("live"));
        assert_eq!(p.step.as_deref(), Some("3"));
        assert!(p.embed);
        assert_eq!(p.origin.as_deref(), Some("https://docs.example.com"));
        assert_eq!(p.latency_ms, Some(0));
    }

    #[test]
    fn reads_fault_switches() {
        let p = Params::parse("?throttle=0.2&unavailable=10&lag=400&retry_after=0&seed=42");
        assert_eq!(p.faults.throttle_rate, Some(0.2));
        assert_eq!(p.faults.unavailable_rate, Some(0.1));
        assert_eq!(p.faults.replication_lag_ms, Some(400));
        assert_eq!(p.faults.retry_after_secs, Some(0));
        assert_eq!(p.seed, Some(42));
        let faults = p.faults.apply(sandbox::Faults::default());
        assert_eq!(faults.throttle_rate, 0.2);
        assert_eq!(faults.retry_after_secs, 0);
    }

    #[test]
    fn ignores_fault_switches_out_of_range() {
        let p = Params::parse("?throttle=-1&unavailable=250&lag=x&retry_after=9999&seed=no");
        assert_eq!(p.faults.throttle_rate, None);
        assert_eq!(p.faults.unavailable_rate, None);
        assert_eq!(p.faults.replication_lag_ms, None);
        assert_eq!(p.faults.retry_after_secs, Some(120));
        assert_eq!(p.seed, None);
        assert!(Params::parse("?tutorial=x").faults.is_empty());
    }

    #[test]
    fn refuses_origins_that_are_not_plain_origins() {
        assert_eq!(valid_origin("*"), None);
        assert_eq!(valid_origin("javascript:alert(1)"), None);
        assert_eq!(valid_origin("https://docs.example.com/path"), None);
        assert_eq!(
            valid_origin("https://docs.example.com:8443").as_deref(),
            Some("https://docs.example.com:8443")
        );
    }

    #[test]
    fn decodes_percent_and_plus() {
        assert_eq!(decode("a+b%20c%2F"), "a b c/");
        assert_eq!(decode("100%"), "100%");
        assert_eq!(decode("%zz"), "%zz");
        assert_eq!(decode("%é1"), "%é1");
    }
}
