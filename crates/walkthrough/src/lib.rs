//! graphwalk's engine: Graph tutorials as data, id chaining, a sans-IO runner, cleanup and exports.
//!
//! Pure Rust with no I/O, clock or OS randomness, so it runs the same natively and in wasm.
//! See `API.md` for how a driver uses it and `FORMAT.md` for the tutorial format.

mod attempt;
mod body;
mod builtin;
mod capture;
mod cleanup;
mod control;
mod deps;
mod error;
mod event;
mod expect;
mod export;
mod flight;
mod format;
mod import;
mod ledger;
mod model;
mod needs;
mod owner;
mod poll;
mod reach;
mod ready;
mod record;
mod request;
mod retry;
mod runner;
mod schedule;
mod step;
mod step_state;
mod template;
mod walk;

pub use body::{check_body, BodyError};
pub use builtin::{builtin_catalog, builtin_tutorials, BuiltinTutorial};
pub use capture::{ReceivedResponse, VarSource, VarValue, Variables};
pub use error::StepError;
pub use expect::ExpectationResult;
pub use export::{
    export, step_curl, step_powershell, step_token_variable, ExportFormat, ExportSource,
    StepRequest,
};
pub use format::{parse_tutorial, ParseError};
pub use import::{
    import_docs, looks_like_docs, CleanupPlan, Confidence, ImportError, Imported, Link, Origin,
    Target,
};
pub use ledger::{CleanupStatus, Ledger, LedgerEntry};
pub use model::{
    Capture, Choice, Cleanup, CleanupWait, Condition, Expectation, Identity, Input, Poll,
    Predicate, Query, RequestTemplate, Step, Tutorial,
};
pub use retry::RetryPolicy;
pub use runner::{
    Action, Attempt, AttemptKind, Event, Missing, RenderedRequest, RenderedSegment, RequestEdit,
    Run, RunAs, RunOptions, SendFailure, SentRequest, StepRecord, StepStatus,
};
pub use template::{Context as TemplateContext, Segment, Template};
