//! Typed errors a step (or a cleanup entry) can end with, each saying what to do about it.

use serde::{Deserialize, Serialize};

use crate::body::BodyError;
use crate::event::SendFailure;
use crate::expect::ExpectationResult;

/// Why a step or a cleanup request failed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum StepError {
    /// Graph answered with an error body (or a non-success status).
    Graph {
        status: u16,
        code: String,
        message: String,
        request_id: Option<String>,
    },
    /// The response arrived but did not satisfy the step's expectations.
    Expectation { failures: Vec<ExpectationResult> },
    /// A `{{variable}}` had no value; `provider` is the step that captures it.
    Template {
        var: String,
        provider: Option<usize>,
    },
    /// A header value would contain a line break.
    HeaderLineBreak { var: String },
    /// The request body is not valid JSON (1-based line and column).
    InvalidJson {
        line: usize,
        column: usize,
        message: String,
    },
    /// The request could not be built (bad method or URL).
    InvalidRequest { message: String },
    /// A capture found nothing (or a value of the wrong kind).
    Capture { name: String, message: String },
    /// A value typed for a variable was refused (not a GUID where an id goes, an id of another kind); the
    /// variable keeps its value.
    InvalidValue { name: String, message: String },
    /// Polling met a terminal failure state.
    PollFailed { failure: ExpectationResult },
    /// Polling ran past its overall limit.
    PollTimeout { attempts: u32, elapsed_ms: u64 },
    /// Retries for throttling, outages or replication lag ran out.
    RetriesExhausted {
        attempts: u32,
        last_status: Option<u16>,
    },
    /// The transport failed (offline, CORS, DNS, ...), and retries ran out.
    Network { message: String },
    /// The request was not sent, for a reason retrying cannot mend: a sign-in, consent, the sandbox, the host.
    NotSent { failure: SendFailure },
    /// The page went away while this request was in flight; it may or may not have been applied.
    Interrupted { method: String },
    /// The run was stopped before this step finished.
    Stopped,
}

impl From<BodyError> for StepError {
    fn from(e: BodyError) -> Self {
        StepError::InvalidJson {
            line: e.line,
            column: e.column,
            message: e.message,
        }
    }
}

impl std::fmt::Display for StepError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StepError::Graph {
                status,
                code,
                message,
                request_id,
            } => {
                write!(f, "Graph returned {status} {code}: {message}")?;
                if let Some(id) = request_id {
                    write!(f, " (request-id {id})")?;
                }
                Ok(())
            }
            StepError::Expectation { failures } => {
                write!(f, "{} expectation(s) failed", failures.len())?;
                for failure in failures {
                    write!(f, "; {failure}")?;
                }
                Ok(())
            }
            StepError::Template { var, provider } => match provider {
                Some(step) => write!(
                    f,
                    "`{{{{{var}}}}}` has no value yet: run step {} first",
                    step + 1
                ),
                None => write!(f, "`{{{{{var}}}}}` has no value and no step captures it"),
            },
            StepError::HeaderLineBreak { var } => {
                write!(f, "`{{{{{var}}}}}` contains a line break and cannot go in a header")
            }
            StepError::InvalidJson {
                line,
                column,
                message,
            } => write!(
                f,
                "the body is not valid JSON at line {line}, column {column}: {message}"
            ),
            StepError::InvalidRequest { message } => write!(f, "invalid request: {message}"),
            StepError::Capture { name, message } => write!(f, "could not capture `{name}`: {message}"),
            StepError::InvalidValue { name, message } => {
                write!(f, "{name} was not changed: {message}")
            }
            StepError::PollFailed { failure } => write!(f, "stopped polling: {failure}"),
            StepError::PollTimeout {
                attempts,
                elapsed_ms,
            } => write!(
                f,
                "gave up polling after {attempts} attempts and {} s",
                elapsed_ms / 1000
            ),
            StepError::RetriesExhausted {
                attempts,
                last_status,
            } => match last_status {
                Some(s) => write!(f, "still failing with {s} after {attempts} attempts"),
                None => write!(f, "still failing after {attempts} attempts"),
            },
            StepError::Network { message } => write!(f, "network error: {message}"),
            StepError::NotSent { failure } => write!(f, "{failure}"),
            StepError::Interrupted { method } => write!(
                f,
                "the page closed while this {method} was in flight; it may have been applied: check, then run again"
            ),
            StepError::Stopped => write!(f, "stopped before it finished"),
        }
    }
}
