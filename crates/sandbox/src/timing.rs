//! Timing presets: how long delivery takes and how far replication lags, quick or as Graph takes it.

use serde::{Deserialize, Serialize};

use crate::Config;

/// How fast the tenant moves. `Quick` (the default) keeps runs short; `Realistic` takes the time
/// Graph takes: delivery in tens of seconds and new objects briefly unknown to reads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Timing {
    #[default]
    Quick,
    Realistic,
}

impl Timing {
    /// The name used on the command line and in URLs: `quick` or `realistic`.
    pub fn as_str(self) -> &'static str {
        match self {
            Timing::Quick => "quick",
            Timing::Realistic => "realistic",
        }
    }

    pub fn parse(name: &str) -> Option<Timing> {
        match name.trim().to_ascii_lowercase().as_str() {
            "quick" => Some(Timing::Quick),
            "realistic" => Some(Timing::Realistic),
            _ => None,
        }
    }

    /// How long an assignment request takes from submitted to delivered.
    pub fn delivery_delay_ms(self) -> u64 {
        match self {
            Timing::Quick => 2_000,
            // The original tutorial saw its request delivered after about 23 seconds.
            Timing::Realistic => 25_000,
        }
    }

    /// How long a new object answers 404 to reads.
    pub fn replication_lag_ms(self) -> u64 {
        match self {
            Timing::Quick => 0,
            Timing::Realistic => 3_000,
        }
    }
}

impl Config {
    /// This config with `timing`'s delivery delay and replication lag; the other faults stay.
    pub fn with_timing(mut self, timing: Timing) -> Config {
        self.delivery_delay_ms = timing.delivery_delay_ms();
        self.faults.replication_lag_ms = timing.replication_lag_ms();
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_quick_is_the_default() {
        for t in [Timing::Quick, Timing::Realistic] {
            assert_eq!(Timing::parse(t.as_str()), Some(t));
        }
        assert_eq!(Timing::parse("Realistic"), Some(Timing::Realistic));
        assert_eq!(Timing::parse("slow"), None);
        let quick = Config::default();
        assert_eq!(quick.clone().with_timing(Timing::Quick), quick);
        let real = Config::default().with_timing(Timing::Realistic);
        assert!(real.delivery_delay_ms >= 10_000);
        assert!(real.faults.replication_lag_ms > 0);
    }
}
