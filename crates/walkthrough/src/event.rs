//! What a driver tells a run (events) and what the run answers (actions), and run options.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::StepError;
use crate::retry::RetryPolicy;

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
    /// The driver could not get a response to an earlier `Action::Send`. Only `SendFailure::Network` is
    /// retried; the others end the step (or cleanup entry) with `StepError::NotSent`.
    SendFailed {
        request_id: u64,
        failure: SendFailure,
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

impl Event {
    /// The time the driver read for this event, if it carries one.
    pub(crate) fn now_ms(&self) -> Option<u64> {
        match self {
            Event::RunAll { now_ms }
            | Event::RunTo { now_ms, .. }
            | Event::RunStep { now_ms, .. }
            | Event::Response { now_ms, .. }
            | Event::SendFailed { now_ms, .. }
            | Event::Tick { now_ms }
            | Event::Cleanup { now_ms }
            | Event::Resume { now_ms } => Some(*now_ms),
            Event::Stop
            | Event::EditRequest { .. }
            | Event::ResetRequest { .. }
            | Event::SetVariable { .. }
            | Event::Reset => None,
        }
    }
}

/// Why a request got no HTTP response. A Graph error status (401, 403, …) is a response, not a failure.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum SendFailure {
    /// The server could not be reached, or the browser hid its answer (offline, DNS, CORS). Retried when
    /// the method is idempotent.
    Network { message: String },
    /// No token could be had without the user: nobody is signed in, or the session has run out.
    NeedsSignIn { message: String },
    /// The identity provider wants the user or an administrator to consent to the step's permissions.
    NeedsConsent {
        scopes: Vec<String>,
        message: String,
    },
    /// The in-page sandbox tenant is not there (its module did not load).
    SandboxUnavailable { message: String },
    /// The sandbox tenant does not emulate this endpoint: nothing was sent, and no answer is made up.
    NotInSandbox { method: String, path: String },
    /// The request's address is not under the Graph base URL the token is for: nothing was sent.
    HostNotAllowed { url: String, allowed: String },
    /// The step runs as another account (`as:`), which this session cannot sign requests for: nothing was
    /// sent.
    NeedsAccount { identity: String, upn: String },
}

impl std::fmt::Display for SendFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SendFailure::Network { message } => write!(f, "no response: {message}"),
            SendFailure::NeedsSignIn { message } => write!(f, "not sent, sign-in needed: {message}"),
            SendFailure::NeedsConsent { scopes, message } if scopes.is_empty() => {
                write!(f, "not sent, consent needed: {message}")
            }
            SendFailure::NeedsConsent { scopes, message } => {
                write!(f, "not sent, consent needed for {}: {message}", scopes.join(", "))
            }
            SendFailure::SandboxUnavailable { message } => {
                write!(f, "not sent, the sandbox tenant is unavailable: {message}")
            }
            SendFailure::NotInSandbox { method, path } => write!(
                f,
                "not sent: the sandbox tenant does not answer {method} {path}; only live mode can run it"
            ),
            SendFailure::HostNotAllowed { url, allowed } => write!(
                f,
                "not sent: {url} is not under the Graph base URL ({allowed}), and the token goes nowhere else"
            ),
            SendFailure::NeedsAccount { identity, upn } => write!(
                f,
                "not sent: this step runs as the {identity} ({upn}), who has not signed in here"
            ),
        }
    }
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

/// An account other than the signed-in one that a request runs as: its identity's name in the tutorial and
/// its user principal name in this run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunAs {
    pub identity: String,
    pub upn: String,
}

/// What the driver should do next.
// `Send`, the action every request takes, is the large one; boxing its request would allocate on each send.
#[allow(clippy::large_enum_variant)]
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
        /// The account the request runs as (the step's `as:` identity); `None`: the signed-in user.
        run_as: Option<RunAs>,
    },
    /// Send `Event::Tick` at this time (replaces any earlier wake-up).
    WakeAt(u64),
    /// A step reached `Passed` or `Failed`.
    StepFinished { step: usize, passed: bool },
    /// An event was refused (bad edit, kind clash); nothing changed.
    Refused {
        step: Option<usize>,
        error: StepError,
    },
    /// The state changed: re-render (and save).
    Changed,
    /// Nothing more will happen until the next user event.
    Done,
    /// Cleanup finished; `left` entries could not be removed.
    CleanupFinished { left: usize },
}
