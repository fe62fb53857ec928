//! Starting planned steps: which may start now, given their inputs and the concurrency limit.

use crate::error::StepError;
use crate::event::Action;
use crate::record::{Missing, StepStatus};
use crate::runner::Run;

impl Run {
    pub(crate) fn limit(&self) -> usize {
        if self.options.one_at_a_time {
            1
        } else {
            self.options.max_concurrent.max(1)
        }
    }

    pub(crate) fn start_plan(&mut self, steps: Vec<usize>, out: &mut Vec<Action>) {
        if self.schedule.is_cleaning() {
            out.push(Action::Refused {
                step: None,
                error: StepError::InvalidRequest {
                    message: "cleanup is in progress; wait for it to finish".into(),
                },
            });
            return;
        }
        self.schedule.begin_run();
        for s in steps {
            if self.steps.is_active(s) {
                continue;
            }
            self.schedule.plan(s);
            self.steps.set_status(s, StepStatus::Queued);
        }
    }

    /// Starts whatever is ready, marks what cannot run, and ends the plan when nothing is left.
    pub(crate) fn pump(&mut self, out: &mut Vec<Action>) {
        if self.schedule.is_cleaning() {
            self.pump_cleanup(out);
            return;
        }
        loop {
            let mut started = false;
            for s in self.schedule.planned() {
                if self.steps.is_active(s) {
                    continue;
                }
                // The path changed after the step was planned: it is set aside, not run.
                if !self.on_path(s) {
                    self.schedule.unplan(s);
                    self.steps.set_status(s, StepStatus::Idle);
                    continue;
                }
                match self.readiness(s) {
                    Ready::Wait => self.steps.set_status(s, StepStatus::Queued),
                    Ready::Blocked(missing) => {
                        self.schedule.unplan(s);
                        self.steps.set_status(s, StepStatus::Blocked { missing });
                    }
                    Ready::Skip => {
                        self.schedule.unplan(s);
                        self.steps.set_status(s, StepStatus::Skipped);
                    }
                    Ready::Go => {
                        if self.steps.active_count() >= self.limit() {
                            self.steps.set_status(s, StepStatus::Queued);
                            continue;
                        }
                        self.start_step(s, out);
                        started = true;
                    }
                }
            }
            if !started {
                break;
            }
        }
    }

    /// A step that stopped for missing values says what it still misses: once its values exist (another step
    /// ran, or one was set by hand) it is back to not run, and its list shrinks as they come. While a
    /// provider is still planned, or gave up, it stays as it is.
    pub(crate) fn refresh_blocked(&mut self) {
        for s in 0..self.steps.len() {
            let StepStatus::Blocked { missing } = self.steps.status(s) else {
                continue;
            };
            match self.readiness(s) {
                Ready::Go => self.steps.set_status(s, StepStatus::Idle),
                Ready::Blocked(now) if now != *missing => self
                    .steps
                    .set_status(s, StepStatus::Blocked { missing: now }),
                Ready::Blocked(_) | Ready::Wait | Ready::Skip => {}
            }
        }
    }

    fn readiness(&self, step: usize) -> Ready {
        let mut missing = Vec::new();
        let mut wait = false;
        let mut skip = false;
        for var in self.needs(step) {
            let provider = self.provider_for(step, &var);
            if provider.is_some_and(|p| self.schedule.is_planned(p) && p != step) {
                wait = true;
            } else if self.vars.fresh(&var).is_none() {
                if provider.is_some_and(|p| self.steps.gave_up(p)) {
                    skip = true;
                }
                missing.push(Missing {
                    var: Some(var),
                    provider,
                });
            }
        }
        for after in &self.tutorial.steps[step].after {
            // A step on the other path is no one's prerequisite.
            let Some(a) = self.tutorial.step_index(after).filter(|&a| self.on_path(a)) else {
                continue;
            };
            if self.schedule.is_planned(a) {
                wait = true;
            } else if !self.steps.is_passed(a) {
                if self.steps.gave_up(a) {
                    skip = true;
                }
                missing.push(Missing {
                    var: None,
                    provider: Some(a),
                });
            }
        }
        if wait {
            Ready::Wait
        } else if skip {
            Ready::Skip
        } else if !missing.is_empty() {
            Ready::Blocked(missing)
        } else {
            Ready::Go
        }
    }
}

enum Ready {
    Go,
    Wait,
    Blocked(Vec<Missing>),
    Skip,
}
