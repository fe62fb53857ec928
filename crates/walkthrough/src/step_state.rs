//! Each step's part of a run: its status, its last record, the reader's edit and its attempt machine.

use serde::{Deserialize, Serialize};

use crate::attempt::Attempts;
use crate::capture::ReceivedResponse;
use crate::error::StepError;
use crate::expect::ExpectationResult;
use crate::model::RequestTemplate;
use crate::record::{StepRecord, StepStatus};

/// One step's state. Saved with these field names, as it always was.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct StepState {
    status: StepStatus,
    record: StepRecord,
    edit: Option<RequestTemplate>,
    exec: Option<Attempts>,
}

/// Every step's state, by step index. Saved as a plain list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub(crate) struct Steps(Vec<StepState>);

const IDLE: StepStatus = StepStatus::Idle;

static EMPTY: StepRecord = StepRecord {
    request: None,
    response: None,
    captured: Vec::new(),
    expectations: Vec::new(),
    attempts: Vec::new(),
    error: None,
    started_at_ms: None,
    finished_at_ms: None,
};

impl Steps {
    /// `count` idle steps with nothing recorded.
    pub(crate) fn new(count: usize) -> Steps {
        let idle = StepState {
            status: StepStatus::Idle,
            record: StepRecord::default(),
            edit: None,
            exec: None,
        };
        Steps(vec![idle; count])
    }

    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    /// The step's status (`Idle` for an index out of range).
    pub(crate) fn status(&self, s: usize) -> &StepStatus {
        self.0.get(s).map_or(&IDLE, |x| &x.status)
    }

    /// The step's last run (empty for an index out of range).
    pub(crate) fn record(&self, s: usize) -> &StepRecord {
        self.0.get(s).map_or(&EMPTY, |x| &x.record)
    }

    pub(crate) fn set_status(&mut self, s: usize, status: StepStatus) {
        self.0[s].status = status;
    }

    /// The reader's edit of the step's request, if any.
    pub(crate) fn edit(&self, s: usize) -> Option<&RequestTemplate> {
        self.0.get(s)?.edit.as_ref()
    }

    /// Sets or (with `None`) drops the reader's edit; an index out of range is ignored.
    pub(crate) fn set_edit(&mut self, s: usize, edit: Option<RequestTemplate>) {
        if let Some(x) = self.0.get_mut(s) {
            x.edit = edit;
        }
    }

    pub(crate) fn record_mut(&mut self, s: usize) -> Option<&mut StepRecord> {
        self.0.get_mut(s).map(|x| &mut x.record)
    }

    /// The step's attempt machine, when one is running.
    pub(crate) fn attempts_mut(&mut self, s: usize) -> Option<&mut Option<Attempts>> {
        self.0.get_mut(s).map(|x| &mut x.exec)
    }

    /// Polls made so far by the step's current attempt.
    pub(crate) fn polls(&self, s: usize) -> u32 {
        self.0[s].exec.as_ref().map_or(0, |a| a.polls())
    }

    /// Sending, or waiting to poll or retry.
    pub(crate) fn is_active(&self, s: usize) -> bool {
        is_active(&self.0[s].status)
    }

    pub(crate) fn active_count(&self) -> usize {
        self.0.iter().filter(|x| is_active(&x.status)).count()
    }

    pub(crate) fn is_passed(&self, s: usize) -> bool {
        self.0[s].status == StepStatus::Passed
    }

    /// Failed or skipped: it will not provide anything until it runs again.
    pub(crate) fn gave_up(&self, s: usize) -> bool {
        matches!(
            self.0[s].status,
            StepStatus::Failed(_) | StepStatus::Skipped
        )
    }

    /// The step has run before: it captured something or got an answer.
    pub(crate) fn has_results(&self, s: usize) -> bool {
        let record = &self.0[s].record;
        !record.captured.is_empty() || record.response.is_some()
    }

    /// A fresh record and attempt machine for a run of the step starting now.
    pub(crate) fn begin(&mut self, s: usize, now_ms: u64) {
        let state = &mut self.0[s];
        state.record = StepRecord {
            started_at_ms: Some(now_ms),
            ..StepRecord::default()
        };
        state.exec = Some(Attempts::start(now_ms));
    }

    pub(crate) fn record_response(&mut self, s: usize, response: ReceivedResponse) {
        self.0[s].record.response = Some(response);
    }

    pub(crate) fn record_captured(&mut self, s: usize, captured: Vec<(String, String)>) {
        self.0[s].record.captured = captured;
    }

    pub(crate) fn record_expectations(&mut self, s: usize, results: Vec<ExpectationResult>) {
        self.0[s].record.expectations = results;
    }

    /// Ends the step's run: `Passed`, or `Failed` with the error.
    pub(crate) fn finish(&mut self, s: usize, result: Result<(), StepError>, now_ms: u64) {
        let state = &mut self.0[s];
        state.exec = None;
        state.record.finished_at_ms = Some(now_ms);
        match result {
            Ok(()) => {
                state.record.error = None;
                state.status = StepStatus::Passed;
            }
            Err(e) => {
                state.record.error = Some(e.clone());
                state.status = StepStatus::Failed(e);
            }
        }
    }

    /// Stops a planned step: one waiting to retry or poll fails with `Stopped`, a queued one goes back
    /// to `Idle`. Returns true when its request is in flight (its response is still to be recorded).
    pub(crate) fn stop(&mut self, s: usize) -> bool {
        let state = &mut self.0[s];
        let waiting = state.exec.as_ref().is_some_and(|a| a.wake_at().is_some());
        if waiting {
            state.exec = None;
            state.record.error = Some(StepError::Stopped);
            state.status = StepStatus::Failed(StepError::Stopped);
            false
        } else if state.status == StepStatus::Queued {
            state.status = StepStatus::Idle;
            false
        } else {
            true
        }
    }

    /// A value the step used has changed: a passed or failed step no longer shows what it would give.
    pub(crate) fn outdate(&mut self, s: usize) {
        let status = &mut self.0[s].status;
        if matches!(status, StepStatus::Passed | StepStatus::Failed(_)) {
            *status = StepStatus::Stale;
        }
    }

    /// A step it depends on runs again: whatever the step came to (even skipped or blocked) may change.
    pub(crate) fn outdate_settled(&mut self, s: usize) {
        let status = &mut self.0[s].status;
        if matches!(
            status,
            StepStatus::Passed
                | StepStatus::Failed(_)
                | StepStatus::Skipped
                | StepStatus::Blocked { .. }
        ) {
            *status = StepStatus::Stale;
        }
    }

    /// Forgets progress (statuses, records, attempts); the reader's edits stay.
    pub(crate) fn reset(&mut self) {
        for s in &mut self.0 {
            s.status = StepStatus::Idle;
            s.record = StepRecord::default();
            s.exec = None;
        }
    }

    /// The earliest timer any step has set.
    pub(crate) fn next_wake(&self) -> Option<u64> {
        self.0
            .iter()
            .filter_map(|s| s.exec.as_ref()?.wake_at())
            .min()
    }
}

fn is_active(status: &StepStatus) -> bool {
    matches!(
        status,
        StepStatus::Running | StepStatus::Polling { .. } | StepStatus::Retrying { .. }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_sends_queued_steps_back_and_keeps_sent_ones() {
        let mut steps = Steps::new(3);
        steps.set_status(0, StepStatus::Queued);
        steps.begin(1, 10);
        steps.set_status(1, StepStatus::Running);
        assert!(!steps.stop(0));
        assert_eq!(steps.status(0), &StepStatus::Idle);
        assert!(
            steps.stop(1),
            "a step whose request is in flight stays planned"
        );
        assert_eq!(steps.status(1), &StepStatus::Running);
    }

    #[test]
    fn out_of_range_reads_are_idle_and_empty() {
        let steps = Steps::new(1);
        assert_eq!(steps.status(7), &StepStatus::Idle);
        assert_eq!(steps.record(7), &StepRecord::default());
        assert!(steps.edit(7).is_none());
    }

    #[test]
    fn finishing_records_the_outcome_and_ends_the_attempts() {
        let mut steps = Steps::new(1);
        steps.begin(0, 5);
        steps.finish(0, Err(StepError::Stopped), 9);
        assert_eq!(steps.status(0), &StepStatus::Failed(StepError::Stopped));
        assert_eq!(steps.record(0).finished_at_ms, Some(9));
        assert_eq!(steps.record(0).error, Some(StepError::Stopped));
        assert_eq!(steps.next_wake(), None);
    }
}
