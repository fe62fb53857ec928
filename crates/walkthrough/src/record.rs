//! What a step card shows: its status, its last request and response, and its attempts.

use serde::{Deserialize, Serialize};

use crate::capture::ReceivedResponse;
use crate::error::StepError;
use crate::expect::ExpectationResult;

/// A step's state, as shown on its card.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum StepStatus {
    Idle,
    /// Cannot run: these values (or steps) are missing.
    Blocked {
        missing: Vec<Missing>,
    },
    Queued,
    Running,
    Polling {
        attempt: u32,
        next_at_ms: u64,
    },
    Retrying {
        attempt: u32,
        next_at_ms: u64,
        reason: String,
    },
    Passed,
    Failed(StepError),
    /// Passed (or failed) with inputs that have changed since: run it again.
    Stale,
    /// Not run because a step it needs failed.
    Skipped,
}

/// Something a blocked step is waiting for.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Missing {
    /// The variable, or `None` when the step only has to come after `provider`.
    pub var: Option<String>,
    /// The step that would provide it.
    pub provider: Option<usize>,
}

/// A request as sent (without `Authorization`, which only the transport sees).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SentRequest {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
}

/// Why an attempt was made.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum AttemptKind {
    First,
    Poll,
    /// Throttling or an outage (429/503).
    Retry,
    /// A just-created object was not visible yet.
    ReplicationLag,
    /// The transport failed.
    NetworkRetry,
}

/// One request in a step's timeline.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Attempt {
    pub kind: AttemptKind,
    pub sent_at_ms: u64,
    pub status: Option<u16>,
    pub elapsed_ms: Option<u64>,
    /// What happened (e.g. `requestState Submitted`, `429: waiting 2 s`).
    pub note: String,
}

/// Everything a card shows about its last run.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct StepRecord {
    pub request: Option<SentRequest>,
    pub response: Option<ReceivedResponse>,
    /// Values this step captured (name, value).
    pub captured: Vec<(String, String)>,
    pub expectations: Vec<ExpectationResult>,
    pub attempts: Vec<Attempt>,
    pub error: Option<StepError>,
    pub started_at_ms: Option<u64>,
    pub finished_at_ms: Option<u64>,
}

impl StepRecord {
    /// A request was sent now: a new attempt, not yet answered.
    pub(crate) fn sent(&mut self, kind: AttemptKind, sent_at_ms: u64, request: SentRequest) {
        self.attempts.push(Attempt {
            kind,
            sent_at_ms,
            status: None,
            elapsed_ms: None,
            note: String::new(),
        });
        self.request = Some(request);
    }

    /// What became of the last attempt, with the answer when there was one.
    pub(crate) fn answered(&mut self, answer: Option<&ReceivedResponse>, note: String) {
        if let Some(a) = self.attempts.last_mut() {
            if let Some(r) = answer {
                a.status = Some(r.status);
                a.elapsed_ms = Some(r.elapsed_ms);
            }
            a.note = note;
        }
        if let Some(r) = answer {
            self.response = Some(r.clone());
        }
    }
}

/// A request ready for display: text and variables, with where each value came from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RenderedRequest {
    pub method: String,
    pub url: Vec<RenderedSegment>,
    pub headers: Vec<(String, Vec<RenderedSegment>)>,
    pub body: Option<Vec<RenderedSegment>>,
    /// True when the reader has edited this step's request.
    pub edited: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum RenderedSegment {
    Text(String),
    Var {
        name: String,
        /// `None` while unresolved.
        value: Option<String>,
        source: Option<crate::capture::VarSource>,
        /// The step that captures it (for unresolved or stale values).
        provider: Option<usize>,
        stale: bool,
    },
}
