//! What the run is doing: its planned steps, whether it runs, is stopped or cleans up, and a `Done` owed.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

/// What the run may start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Planned steps start as soon as they are ready.
    Running,
    /// The reader stopped: nothing new starts, nothing is retried, until the next run or cleanup.
    Stopped,
    /// Undoing the ledger; steps neither start nor retry. `stopped`: the reader stopped it, so no
    /// further removal starts.
    Cleaning { stopped: bool },
}

/// The run's plan and mode. Saved as four fields of the run (`plan`, `cleaning`, `stopped`, `busy`), as
/// it always was.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(from = "Saved", into = "Saved")]
pub(crate) struct Schedule {
    /// Steps the current run-all / run-to / run-step wants.
    planned: BTreeSet<usize>,
    mode: Mode,
    /// A run or cleanup is under way; `Done` is sent when it settles.
    owes_done: bool,
}

impl Default for Schedule {
    fn default() -> Schedule {
        Schedule {
            planned: BTreeSet::new(),
            mode: Mode::Running,
            owes_done: false,
        }
    }
}

impl Schedule {
    pub(crate) fn is_cleaning(&self) -> bool {
        matches!(self.mode, Mode::Cleaning { .. })
    }

    /// The reader stopped the run or its cleanup.
    pub(crate) fn is_stopped(&self) -> bool {
        matches!(self.mode, Mode::Stopped | Mode::Cleaning { stopped: true })
    }

    /// Steps may not try again: the reader stopped, or cleanup began.
    pub(crate) fn halts_steps(&self) -> bool {
        self.mode != Mode::Running
    }

    /// A run-all, run-to or run-step: planned steps start, and `Done` is owed when they settle.
    pub(crate) fn begin_run(&mut self) {
        self.mode = Mode::Running;
        self.owes_done = true;
    }

    /// Stop: the plan is handed back (the caller keeps what is in flight), nothing new starts.
    pub(crate) fn stop(&mut self) -> BTreeSet<usize> {
        self.mode = match self.mode {
            Mode::Running | Mode::Stopped => Mode::Stopped,
            Mode::Cleaning { .. } => Mode::Cleaning { stopped: true },
        };
        std::mem::take(&mut self.planned)
    }

    pub(crate) fn begin_cleanup(&mut self) {
        self.mode = Mode::Cleaning { stopped: false };
        self.owes_done = true;
    }

    pub(crate) fn end_cleanup(&mut self) {
        self.mode = Mode::Running;
    }

    /// After a reload: whatever was under way settles with a `Done`.
    pub(crate) fn resume(&mut self) {
        self.owes_done = true;
    }

    /// Forgets the plan and any stop or cleanup (a `Done` still owed stays owed).
    pub(crate) fn reset(&mut self) {
        self.planned.clear();
        self.mode = Mode::Running;
    }

    pub(crate) fn plan(&mut self, step: usize) {
        self.planned.insert(step);
    }

    pub(crate) fn unplan(&mut self, step: usize) {
        self.planned.remove(&step);
    }

    pub(crate) fn is_planned(&self, step: usize) -> bool {
        self.planned.contains(&step)
    }

    /// The planned steps, in step order.
    pub(crate) fn planned(&self) -> Vec<usize> {
        self.planned.iter().copied().collect()
    }

    /// Nothing planned and no cleanup under way.
    pub(crate) fn is_settled(&self) -> bool {
        self.planned.is_empty() && !self.is_cleaning()
    }

    /// Takes the `Done` owed, when the run is `idle`.
    pub(crate) fn take_done(&mut self, idle: bool) -> bool {
        let done = self.owes_done && idle;
        if done {
            self.owes_done = false;
        }
        done
    }
}

/// The schedule as saved: the fields a run has always had for it.
#[derive(Serialize, Deserialize)]
struct Saved {
    plan: BTreeSet<usize>,
    cleaning: bool,
    stopped: bool,
    busy: bool,
}

impl From<Saved> for Schedule {
    fn from(saved: Saved) -> Schedule {
        let mode = match (saved.cleaning, saved.stopped) {
            (true, stopped) => Mode::Cleaning { stopped },
            (false, true) => Mode::Stopped,
            (false, false) => Mode::Running,
        };
        Schedule {
            planned: saved.plan,
            mode,
            owes_done: saved.busy,
        }
    }
}

impl From<Schedule> for Saved {
    fn from(schedule: Schedule) -> Saved {
        Saved {
            cleaning: schedule.is_cleaning(),
            stopped: schedule.is_stopped(),
            plan: schedule.planned,
            busy: schedule.owes_done,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_saved_combination_of_flags_loads_and_saves_as_it_was() {
        for cleaning in [false, true] {
            for stopped in [false, true] {
                for busy in [false, true] {
                    let saved = serde_json::json!({
                        "plan": [1, 3],
                        "cleaning": cleaning,
                        "stopped": stopped,
                        "busy": busy,
                    });
                    let schedule: Schedule =
                        serde_json::from_value(saved.clone()).expect("a saved schedule loads");
                    assert_eq!(schedule.is_cleaning(), cleaning);
                    assert_eq!(schedule.is_stopped(), stopped);
                    let again = serde_json::to_value(&schedule).expect("serializes");
                    assert_eq!(again, saved);
                }
            }
        }
    }

    #[test]
    fn stop_hands_back_the_plan_and_halts_steps_until_the_next_run() {
        let mut schedule = Schedule::default();
        schedule.begin_run();
        schedule.plan(2);
        schedule.plan(5);
        assert!(!schedule.halts_steps());
        assert_eq!(schedule.stop(), BTreeSet::from([2, 5]));
        assert!(schedule.is_stopped() && schedule.halts_steps() && schedule.is_settled());
        schedule.begin_run();
        assert!(!schedule.is_stopped() && !schedule.halts_steps());
    }

    #[test]
    fn a_stopped_cleanup_is_still_cleanup_until_it_ends() {
        let mut schedule = Schedule::default();
        schedule.begin_cleanup();
        assert!(schedule.halts_steps() && !schedule.is_stopped());
        schedule.stop();
        assert!(schedule.is_cleaning() && schedule.is_stopped() && !schedule.is_settled());
        schedule.end_cleanup();
        assert_eq!(schedule.mode, Mode::Running);
        assert!(schedule.is_settled());
    }

    #[test]
    fn done_is_owed_once_and_only_when_idle() {
        let mut schedule = Schedule::default();
        assert!(!schedule.take_done(true));
        schedule.begin_run();
        assert!(!schedule.take_done(false));
        assert!(schedule.take_done(true));
        assert!(!schedule.take_done(true));
    }
}
