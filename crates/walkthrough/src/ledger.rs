//! The cleanup ledger: what the run created, how far undoing it got, and the order to undo it in.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::attempt::Attempts;
use crate::error::StepError;
use crate::runner::StepRecord;

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
}
