//! Requests on their way: whose they are, what kind of attempt, and when they left.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::record::AttemptKind;

/// One request sent and not yet answered.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct InFlight {
    pub(crate) step: usize,
    /// The ledger entry, for a cleanup request.
    pub(crate) cleanup: Option<usize>,
    pub(crate) kind: AttemptKind,
    pub(crate) sent_at_ms: u64,
    pub(crate) method: String,
}

/// Requests in flight by request id. Saved as a plain map, as it always was.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub(crate) struct InFlightTable(BTreeMap<u64, InFlight>);

impl InFlightTable {
    pub(crate) fn insert(&mut self, request_id: u64, flight: InFlight) {
        self.0.insert(request_id, flight);
    }

    /// The request answered by `request_id`, if the run still knows it.
    pub(crate) fn take(&mut self, request_id: u64) -> Option<InFlight> {
        self.0.remove(&request_id)
    }

    /// Every request, in the order they were sent, leaving the table empty.
    pub(crate) fn take_all(&mut self) -> Vec<InFlight> {
        std::mem::take(&mut self.0).into_values().collect()
    }

    pub(crate) fn clear(&mut self) {
        self.0.clear();
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// A step's request is on its way (its response may still add to the ledger).
    pub(crate) fn any_for_steps(&self) -> bool {
        self.0.values().any(|f| f.cleanup.is_none())
    }

    pub(crate) fn any_for_cleanup(&self) -> bool {
        self.0.values().any(|f| f.cleanup.is_some())
    }
}
