//! The sans-IO runner: told what happened (events), it answers with what to do next (actions).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::capture::{ReceivedResponse, Variables};
use crate::error::StepError;
use crate::expect::ExpectationResult;
use crate::ledger::Ledger;
use crate::model::{RequestTemplate, Tutorial};
use crate::retry::{Rng, RetryPolicy};

/// Choices made before a run starts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunOptions {
    /// Seeds the run tag, the password and retry jitter.
    pub seed: u64,
    /// Run steps strictly one after another, in document order.
    pub one_at_a_time: bool,
    /// Most requests in flight at once when not one at a time.
    pub max_concurrent: usize,
    /// Values for the tutorial's inputs; missing ones take the input's default.
    pub inputs: BTreeMap<String, String>,
    pub retry: RetryPolicy,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            seed: 0,
            one_at_a_time: false,
            max_concurrent: 6,
            inputs: BTreeMap::new(),
            retry: RetryPolicy::default(),
        }
    }
}

/// What happened, as told by the driver.
#[derive(Debug)]
pub enum Event {
    /// Run every step that has not passed.
    RunAll { now_ms: u64 },
    /// Run (or re-run) this one step.
    RunStep { step: usize, now_ms: u64 },
    /// Run this step and whatever it needs that has not passed yet.
    RunTo { step: usize, now_ms: u64 },
    /// A response to an earlier `Action::Send`.
    Response {
        request_id: u64,
        response: http::Response<String>,
        now_ms: u64,
    },
    /// The transport could not complete an earlier `Action::Send`.
    NetworkError {
        request_id: u64,
        message: String,
        now_ms: u64,
    },
    /// The time asked for by `Action::WakeAt` has come.
    Tick { now_ms: u64 },
    /// Start nothing new; requests already in flight still have their responses recorded.
    Stop,
    /// Replace parts of a step's request (text may contain `{{variables}}`).
    EditRequest { step: usize, edit: RequestEdit },
    /// Drop a step's edits and go back to the tutorial's request.
    ResetRequest { step: usize },
    /// Set a variable by hand.
    SetVariable { name: String, value: String },
    /// Undo everything in the ledger, in dependency order.
    Cleanup { now_ms: u64 },
    /// After restoring a saved run: settle requests that were in flight when it was saved.
    Resume { now_ms: u64 },
    /// Forget the run's progress and variables (the ledger is kept so cleanup still works).
    Reset,
}

/// Replacement parts for a step's request; `None` keeps the current part.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RequestEdit {
    pub method: Option<String>,
    pub url: Option<String>,
    pub headers: Option<Vec<(String, String)>>,
    /// An empty string removes the body.
    pub body: Option<String>,
}

/// What the driver should do next.
#[derive(Debug)]
pub enum Action {
    /// Send this request, adding `Authorization` for `scopes`, then report back with `request_id`.
    Send {
        request_id: u64,
        step: usize,
        /// The ledger entry being cleaned up, for cleanup requests.
        cleanup: Option<usize>,
        scopes: Vec<String>,
        request: http::Request<String>,
    },
    /// Send `Event::Tick` at this time (replaces any earlier wake-up).
    WakeAt(u64),
    /// A step reached `Passed` or `Failed`.
    StepFinished { step: usize, passed: bool },
    /// An event was refused (bad edit, kind clash); nothing changed.
    Refused { step: Option<usize>, error: StepError },
    /// The state changed: re-render (and save).
    Changed,
    /// Nothing more will happen until the next user event.
    Done,
    /// Cleanup finished; `left` entries could not be removed.
    CleanupFinished { left: usize },
}

/// A step's state, as shown on its card.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum StepStatus {
    Idle,
    /// Cannot run: these values (or steps) are missing.
    Blocked { missing: Vec<Missing> },
    Queued,
    Running,
    Polling { attempt: u32, next_at_ms: u64 },
    Retrying { attempt: u32, next_at_ms: u64, reason: String },
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

/// A whole run: the tutorial, progress, variables, ledger. Serializes without loss, never holds a token.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Run {
    tutorial: Tutorial,
    options: RunOptions,
    rng: Rng,
    vars: Variables,
    steps: Vec<StepState>,
    ledger: Ledger,
    in_flight: BTreeMap<u64, InFlight>,
    next_request_id: u64,
    /// Steps the current run-all / run-to / run-step wants.
    plan: BTreeSet<usize>,
    cleaning: bool,
    now_ms: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct StepState {
    status: StepStatus,
    record: StepRecord,
    edit: Option<RequestTemplate>,
    exec: Option<crate::retry::Exec>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct InFlight {
    step: usize,
    cleanup: Option<usize>,
    kind: AttemptKind,
    sent_at_ms: u64,
    method: String,
}

impl Run {
    /// Starts a run: generates the run tag and password from the seed, fills inputs and built-ins.
    pub fn new(tutorial: Tutorial, options: RunOptions) -> Run {
        let _ = (tutorial, options);
        todo!()
    }

    /// Feeds one event; returns what the driver should do.
    pub fn handle(&mut self, event: Event) -> Vec<Action> {
        let _ = event;
        todo!()
    }

    pub fn tutorial(&self) -> &Tutorial {
        &self.tutorial
    }

    pub fn options(&self) -> &RunOptions {
        &self.options
    }

    pub fn step_status(&self, step: usize) -> &StepStatus {
        &self.steps[step].status
    }

    pub fn step_record(&self, step: usize) -> &StepRecord {
        &self.steps[step].record
    }

    pub fn variables(&self) -> &Variables {
        &self.vars
    }

    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    /// The step's request with each variable shown with its value and source.
    pub fn render_request(&self, step: usize) -> RenderedRequest {
        let _ = step;
        todo!()
    }

    /// No request in flight and no timer pending.
    pub fn is_idle(&self) -> bool {
        self.in_flight.is_empty()
    }

    /// (passed steps, all steps)
    pub fn progress(&self) -> (usize, usize) {
        let done = self
            .steps
            .iter()
            .filter(|s| s.status == StepStatus::Passed)
            .count();
        (done, self.steps.len())
    }
}
