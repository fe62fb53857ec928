//! The cleanup ledger: what the run created, how far undoing it got, and the order to undo it in.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::attempt::{Attempts, Phase};
use crate::error::StepError;
use crate::model::Poll;
use crate::record::StepRecord;

/// How far cleanup got for one created object.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum CleanupStatus {
    /// Still exists as far as the run knows.
    Pending,
    /// The removal request is in flight or waiting to be retried.
    Removing,
    /// Removal was accepted; waiting for it to take effect.
    Waiting,
    Removed,
    /// Graph says it no longer exists (removed by someone else, or earlier).
    Gone,
    Failed(StepError),
}

impl CleanupStatus {
    /// Removed or gone: nothing left in the tenant.
    pub fn is_clean(&self) -> bool {
        matches!(self, CleanupStatus::Removed | CleanupStatus::Gone)
    }
}

/// One object the run created.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LedgerEntry {
    /// The step whose response created it (its cleanup section says how to undo it).
    pub step: usize,
    /// What it is, for people: the step title and the object's id.
    pub label: String,
    /// The id Graph gave it, when the step captured one.
    pub object_id: Option<String>,
    pub created_at_ms: u64,
    /// Variable values at creation time: cleanup uses these, so re-running a step later
    /// cannot point an older entry's cleanup at a newer object.
    pub vars: BTreeMap<String, String>,
    /// Values captured from the cleanup response (`{{cleanup.<name>}}`).
    pub cleanup_vars: BTreeMap<String, String>,
    pub status: CleanupStatus,
    /// The cleanup requests, responses and attempts.
    pub record: StepRecord,
    #[serde(default)]
    pub(crate) exec: Option<Attempts>,
    /// A removal for it was on its way when the page went away: it may have been applied.
    #[serde(default)]
    pub(crate) removal_interrupted: bool,
}

impl LedgerEntry {
    /// Which of its requests is being attempted: the removal, or the wait for it to take effect.
    pub(crate) fn phase(&self) -> Phase {
        self.exec.as_ref().map_or(Phase::Request, |a| a.phase())
    }

    /// Values for its cleanup requests: those kept at creation, and `cleanup.<name>` captured since.
    pub(crate) fn lookup(&self) -> impl Fn(&str) -> Option<String> + '_ {
        move |name: &str| match name.strip_prefix("cleanup.") {
            Some(local) => self.cleanup_vars.get(local).cloned(),
            None => self.vars.get(name).cloned(),
        }
    }

    /// Created within the replication window, so a 404 may only mean Graph has not caught up. Not after
    /// a removal that a reload interrupted: then a 404 means the removal was applied.
    pub(crate) fn may_lag(&self, now_ms: u64, window_ms: u64) -> bool {
        !self.removal_interrupted && now_ms.saturating_sub(self.created_at_ms) <= window_ms
    }

    fn is_removing(&self) -> bool {
        matches!(
            self.status,
            CleanupStatus::Removing | CleanupStatus::Waiting
        )
    }

    /// Still to be removed: pending, or being removed.
    fn is_outstanding(&self) -> bool {
        self.status == CleanupStatus::Pending || self.is_removing()
    }
}

/// Everything the run created, in creation order.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Ledger {
    pub entries: Vec<LedgerEntry>,
}

impl Ledger {
    /// Entries that are still in the tenant (not removed or gone).
    pub fn left(&self) -> Vec<&LedgerEntry> {
        self.entries
            .iter()
            .filter(|e| !e.status.is_clean())
            .collect()
    }

    pub fn is_clean(&self) -> bool {
        self.entries.iter().all(|e| e.status.is_clean())
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    pub(crate) fn entry(&self, e: usize) -> Option<&LedgerEntry> {
        self.entries.get(e)
    }

    /// Records an object a step's response created, with the values its cleanup will use.
    pub(crate) fn add(
        &mut self,
        step: usize,
        label: String,
        object_id: Option<String>,
        created_at_ms: u64,
        vars: BTreeMap<String, String>,
    ) {
        self.entries.push(LedgerEntry {
            step,
            label,
            object_id,
            created_at_ms,
            vars,
            cleanup_vars: BTreeMap::new(),
            status: CleanupStatus::Pending,
            record: StepRecord::default(),
            exec: None,
            removal_interrupted: false,
        });
    }

    /// The steps that created entries, in creation order (with repeats).
    pub(crate) fn steps(&self) -> impl Iterator<Item = usize> + '_ {
        self.entries.iter().map(|e| e.step)
    }

    pub(crate) fn attempts_mut(&mut self, e: usize) -> Option<&mut Option<Attempts>> {
        self.entries.get_mut(e).map(|x| &mut x.exec)
    }

    pub(crate) fn record_mut(&mut self, e: usize) -> Option<&mut StepRecord> {
        self.entries.get_mut(e).map(|x| &mut x.record)
    }

    /// The earliest timer any entry has set.
    pub(crate) fn next_wake(&self) -> Option<u64> {
        self.entries
            .iter()
            .filter_map(|e| e.exec.as_ref()?.wake_at())
            .min()
    }

    pub(crate) fn is_pending(&self, e: usize) -> bool {
        self.entries[e].status == CleanupStatus::Pending
    }

    pub(crate) fn any_pending(&self) -> bool {
        self.entries
            .iter()
            .any(|x| x.status == CleanupStatus::Pending)
    }

    /// Entries whose removal (or its wait) is under way.
    pub(crate) fn removing_count(&self) -> usize {
        self.entries.iter().filter(|x| x.is_removing()).count()
    }

    pub(crate) fn any_removing(&self) -> bool {
        self.entries.iter().any(LedgerEntry::is_removing)
    }

    /// Another entry still to be removed was created by one of `built_on`, the steps that build on
    /// entry `e`'s step: that object goes first.
    pub(crate) fn waits_for_others(&self, e: usize, built_on: &BTreeSet<usize>) -> bool {
        self.entries
            .iter()
            .enumerate()
            .any(|(f, other)| f != e && other.is_outstanding() && built_on.contains(&other.step))
    }

    /// Sends cleanup at failed entries again.
    pub(crate) fn retry_failed(&mut self) {
        for entry in &mut self.entries {
            if matches!(entry.status, CleanupStatus::Failed(_)) {
                entry.status = CleanupStatus::Pending;
            }
        }
    }

    /// Stop: entries waiting on a timer go back to pending; requests in flight still land.
    pub(crate) fn stop(&mut self) {
        for entry in &mut self.entries {
            if entry.exec.as_ref().is_some_and(|a| a.wake_at().is_some()) {
                entry.exec = None;
                entry.status = CleanupStatus::Pending;
            }
        }
    }

    /// Reset: what cleanup removed is dropped; the rest is pending again, with no attempt under way.
    pub(crate) fn reset(&mut self) {
        // What cleanup already removed is done with; keeping it would only make the run grow with every
        // reset. What is still in the tenant stays, so a later Clean up can remove it.
        self.entries.retain(|entry| !entry.status.is_clean());
        for entry in &mut self.entries {
            entry.exec = None;
            if entry.is_removing() {
                entry.status = CleanupStatus::Pending;
            }
        }
    }

    /// A removal for entry `e` was in flight when the run was saved. False when there is no such entry.
    pub(crate) fn mark_interrupted(&mut self, e: usize) -> bool {
        match self.entries.get_mut(e) {
            Some(entry) => {
                entry.removal_interrupted = true;
                true
            }
            None => false,
        }
    }

    /// Entry `e`'s removal is sent now.
    pub(crate) fn start_removal(&mut self, e: usize, now_ms: u64) {
        let entry = &mut self.entries[e];
        entry.status = CleanupStatus::Removing;
        entry.exec = Some(Attempts::start(now_ms));
    }

    /// Graph accepted entry `e`'s removal: wait for it to take effect, polling as `poll` says.
    pub(crate) fn accept_removal(&mut self, e: usize, now_ms: u64, poll: &Poll) {
        let entry = &mut self.entries[e];
        entry.status = CleanupStatus::Waiting;
        entry.exec = Some(Attempts::wait(now_ms, poll));
    }

    /// A value captured from entry `e`'s removal response (`{{cleanup.<name>}}`).
    pub(crate) fn set_cleanup_var(&mut self, e: usize, name: &str, value: String) {
        self.entries[e].cleanup_vars.insert(name.to_string(), value);
    }

    /// Entry `e` is done with: removed, or gone.
    pub(crate) fn settle(&mut self, e: usize, status: CleanupStatus) {
        let entry = &mut self.entries[e];
        entry.exec = None;
        entry.status = status;
    }

    pub(crate) fn fail(&mut self, e: usize, error: StepError) {
        if let Some(entry) = self.entries.get_mut(e) {
            entry.exec = None;
            entry.record.error = Some(error.clone());
            entry.status = CleanupStatus::Failed(error);
        }
    }

    /// Entry `e` may not try again now: it stays pending for the next cleanup.
    pub(crate) fn halt(&mut self, e: usize) {
        if let Some(entry) = self.entries.get_mut(e) {
            entry.exec = None;
            entry.status = CleanupStatus::Pending;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ledger(steps: &[usize]) -> Ledger {
        let mut ledger = Ledger::default();
        for &step in steps {
            ledger.add(step, format!("step {step}"), None, 0, BTreeMap::new());
        }
        ledger
    }

    #[test]
    fn an_entry_waits_while_an_object_built_on_it_is_still_there() {
        // Entry 0 (step 1) has entry 1 (step 4) built on it.
        let mut ledger = ledger(&[1, 4]);
        let built_on_1 = BTreeSet::from([4]);
        assert!(ledger.waits_for_others(0, &built_on_1));
        ledger.start_removal(1, 10);
        assert!(ledger.waits_for_others(0, &built_on_1));
        ledger.settle(1, CleanupStatus::Removed);
        assert!(!ledger.waits_for_others(0, &built_on_1));
        ledger.fail(
            1,
            StepError::Network {
                message: "offline".into(),
            },
        );
        assert!(
            !ledger.waits_for_others(0, &built_on_1),
            "a failed removal does not hold the rest back"
        );
    }

    #[test]
    fn reset_drops_what_was_removed_and_makes_the_rest_pending() {
        let mut ledger = ledger(&[0, 1, 2]);
        ledger.settle(0, CleanupStatus::Gone);
        ledger.start_removal(1, 10);
        ledger.reset();
        assert_eq!(ledger.len(), 2);
        assert!(ledger.is_pending(0) && ledger.is_pending(1));
        assert_eq!(ledger.next_wake(), None);
        assert_eq!(ledger.steps().collect::<Vec<_>>(), [1, 2]);
    }

    #[test]
    fn a_404_may_be_lag_only_for_a_young_entry_whose_removal_was_not_interrupted() {
        let mut ledger = ledger(&[0]);
        let entry = ledger.entry(0).expect("an entry");
        assert!(entry.may_lag(1_000, 5_000));
        assert!(!entry.may_lag(6_000, 5_000));
        assert!(ledger.mark_interrupted(0));
        assert!(!ledger.entry(0).expect("an entry").may_lag(1_000, 5_000));
        assert!(!ledger.mark_interrupted(3));
    }
}
