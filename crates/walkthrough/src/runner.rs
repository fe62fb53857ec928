//! The sans-IO runner: told what happened (events), it answers with what to do next (actions).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::capture::{capture_text, evaluate, ReceivedResponse, VarSource, VarValue, Variables};
use crate::error::StepError;
use crate::expect::{check, ExpectationResult};
use crate::format::{json_error, request_vars, step_inputs};
use crate::ledger::{CleanupStatus, Ledger, LedgerEntry};
use crate::model::{Query, RequestTemplate, Tutorial};
use crate::poll::{judge, next_delay, PollOutcome};
use crate::retry::{backoff_ms, verdict, Exec, RetryPolicy, Rng, Verdict};
use crate::template::{normalize_url, Context, RenderError, Segment, Template};

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
    pub(crate) tutorial: Tutorial,
    pub(crate) options: RunOptions,
    pub(crate) rng: Rng,
    pub(crate) vars: Variables,
    pub(crate) steps: Vec<StepState>,
    pub(crate) ledger: Ledger,
    pub(crate) in_flight: BTreeMap<u64, InFlight>,
    pub(crate) next_request_id: u64,
    /// Steps the current run-all / run-to / run-step wants.
    pub(crate) plan: BTreeSet<usize>,
    pub(crate) cleaning: bool,
    /// Stop was asked for: start nothing new until the next run or cleanup event.
    pub(crate) stopped: bool,
    /// A run or cleanup is under way; `Done` is sent when it settles.
    pub(crate) busy: bool,
    pub(crate) now_ms: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct StepState {
    pub(crate) status: StepStatus,
    pub(crate) record: StepRecord,
    pub(crate) edit: Option<RequestTemplate>,
    pub(crate) exec: Option<Exec>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct InFlight {
    pub(crate) step: usize,
    pub(crate) cleanup: Option<usize>,
    pub(crate) kind: AttemptKind,
    pub(crate) sent_at_ms: u64,
    pub(crate) method: String,
}

fn is_idempotent(method: &str) -> bool {
    matches!(method, "GET" | "HEAD" | "DELETE" | "PUT" | "OPTIONS")
}

fn to_received(response: http::Response<String>, elapsed_ms: u64) -> ReceivedResponse {
    let headers = response
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    ReceivedResponse {
        status: response.status().as_u16(),
        headers,
        body: response.into_body(),
        elapsed_ms,
    }
}

/// The Graph error in a response: code, message and request id.
pub(crate) fn graph_error(r: &ReceivedResponse) -> StepError {
    let body = r.json();
    let error = body.as_ref().and_then(|b| b.get("error"));
    let text = |v: Option<&serde_json::Value>| v.and_then(|v| v.as_str()).map(str::to_string);
    let inner = error.and_then(|e| e.get("innerError").or_else(|| e.get("innererror")));
    StepError::Graph {
        status: r.status,
        code: text(error.and_then(|e| e.get("code")))
            .unwrap_or_else(|| format!("Http{}", r.status)),
        message: text(error.and_then(|e| e.get("message")))
            .unwrap_or_else(|| r.body.chars().take(200).collect()),
        request_id: r
            .header("request-id")
            .map(str::to_string)
            .or_else(|| text(inner.and_then(|i| i.get("request-id")))),
    }
}

/// Builds the request to send, or the error that stops it from being sent.
pub(crate) fn build_request(
    template: &RequestTemplate,
    lookup: &dyn Fn(&str) -> Option<String>,
    provider: &dyn Fn(&str) -> Option<usize>,
) -> Result<(SentRequest, http::Request<String>), StepError> {
    let render_err = |e: RenderError| match e {
        RenderError::Missing(var) => StepError::Template {
            provider: provider(&var),
            var,
        },
        RenderError::LineBreak(var) => StepError::HeaderLineBreak { var },
    };
    let url = normalize_url(
        &template
            .url
            .render(Context::Url, lookup)
            .map_err(render_err)?,
    );
    let mut headers = Vec::new();
    for (name, value) in &template.headers {
        headers.push((
            name.clone(),
            value.render(Context::Header, lookup).map_err(render_err)?,
        ));
    }
    let content_type = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
        .map(|(_, v)| v.to_ascii_lowercase());
    let body = match &template.body {
        None => None,
        Some(body) => {
            let is_json = content_type.as_deref().is_none_or(|c| c.contains("json"));
            let text = body
                .render(
                    if is_json {
                        Context::Json
                    } else {
                        Context::Plain
                    },
                    lookup,
                )
                .map_err(render_err)?;
            if is_json {
                if let Err((line, column, message)) = json_error(&text) {
                    return Err(StepError::InvalidJson {
                        line,
                        column,
                        message,
                    });
                }
                if content_type.is_none() {
                    headers.push(("Content-Type".into(), "application/json".into()));
                }
            }
            Some(text)
        }
    };
    let mut builder = http::Request::builder()
        .method(template.method.as_str())
        .uri(url.as_str());
    for (k, v) in &headers {
        builder = builder.header(k.as_str(), v.as_str());
    }
    let request = builder
        .body(body.clone().unwrap_or_default())
        .map_err(|e| StepError::InvalidRequest {
            message: e.to_string(),
        })?;
    Ok((
        SentRequest {
            method: template.method.clone(),
            url,
            headers,
            body,
        },
        request,
    ))
}

impl Run {
    /// Starts a run: generates the run tag and password from the seed, fills inputs and built-ins.
    pub fn new(tutorial: Tutorial, options: RunOptions) -> Run {
        let steps = vec![
            StepState {
                status: StepStatus::Idle,
                record: StepRecord::default(),
                edit: None,
                exec: None,
            };
            tutorial.steps.len()
        ];
        let mut run = Run {
            rng: Rng::new(options.seed),
            tutorial,
            options,
            vars: Variables::default(),
            steps,
            ledger: Ledger::default(),
            in_flight: BTreeMap::new(),
            next_request_id: 1,
            plan: BTreeSet::new(),
            cleaning: false,
            stopped: false,
            busy: false,
            now_ms: 0,
        };
        run.seed_variables();
        run
    }

    fn seed_variables(&mut self) {
        let tag = self.rng.tag();
        let password = self.rng.password();
        let builtin = |value: String| VarValue {
            value,
            kind: None,
            source: VarSource::Builtin,
            stale: false,
            at_ms: 0,
        };
        self.vars = Variables::default();
        self.vars
            .set("base", builtin(self.tutorial.base_url.clone()));
        self.vars.set("run.tag", builtin(tag));
        self.vars.set("run.password", builtin(password));
        for input in &self.tutorial.inputs {
            let value = self
                .options
                .inputs
                .get(&input.name)
                .cloned()
                .unwrap_or_else(|| input.default.clone());
            self.vars.set(
                &format!("input.{}", input.name),
                VarValue {
                    value,
                    kind: None,
                    source: VarSource::Input,
                    stale: false,
                    at_ms: 0,
                },
            );
        }
    }

    /// Feeds one event; returns what the driver should do.
    pub fn handle(&mut self, event: Event) -> Vec<Action> {
        let mut out = Vec::new();
        match event {
            Event::RunAll { now_ms } => {
                self.now_ms = self.now_ms.max(now_ms);
                let all: Vec<usize> = (0..self.steps.len())
                    .filter(|&i| self.steps[i].status != StepStatus::Passed)
                    .collect();
                self.start_plan(all, &mut out);
            }
            Event::RunTo { step, now_ms } => {
                self.now_ms = self.now_ms.max(now_ms);
                if step < self.steps.len() {
                    let mut want: BTreeSet<usize> = self.ancestors(step);
                    want.retain(|&i| self.steps[i].status != StepStatus::Passed);
                    want.insert(step);
                    self.start_plan(want.into_iter().collect(), &mut out);
                }
            }
            Event::RunStep { step, now_ms } => {
                self.now_ms = self.now_ms.max(now_ms);
                if step < self.steps.len() {
                    self.start_plan(vec![step], &mut out);
                }
            }
            Event::Response {
                request_id,
                response,
                now_ms,
            } => {
                self.now_ms = self.now_ms.max(now_ms);
                if let Some(flight) = self.in_flight.remove(&request_id) {
                    let received = to_received(response, now_ms.saturating_sub(flight.sent_at_ms));
                    match flight.cleanup {
                        Some(entry) => self.on_cleanup_response(entry, received, &mut out),
                        None => self.on_step_response(flight.step, received, &mut out),
                    }
                }
            }
            Event::NetworkError {
                request_id,
                message,
                now_ms,
            } => {
                self.now_ms = self.now_ms.max(now_ms);
                if let Some(flight) = self.in_flight.remove(&request_id) {
                    self.on_network_error(flight, message, &mut out);
                }
            }
            Event::Tick { now_ms } => {
                self.now_ms = self.now_ms.max(now_ms);
                self.fire_timers(&mut out);
            }
            Event::Stop => self.stop(),
            Event::EditRequest { step, edit } => self.edit(step, edit, &mut out),
            Event::ResetRequest { step } => {
                if let Some(s) = self.steps.get_mut(step) {
                    s.edit = None;
                }
            }
            Event::SetVariable { name, value } => self.set_variable(&name, value, &mut out),
            Event::Cleanup { now_ms } => {
                self.now_ms = self.now_ms.max(now_ms);
                self.start_cleanup();
            }
            Event::Resume { now_ms } => {
                self.now_ms = self.now_ms.max(now_ms);
                self.resume(&mut out);
            }
            Event::Reset => self.reset(),
        }
        self.pump(&mut out);
        if let Some(at) = self.next_wake() {
            out.push(Action::WakeAt(at));
        }
        out.push(Action::Changed);
        if self.busy && self.is_idle() {
            self.busy = false;
            out.push(Action::Done);
        }
        out
    }

    pub fn tutorial(&self) -> &Tutorial {
        &self.tutorial
    }

    pub fn options(&self) -> &RunOptions {
        &self.options
    }

    /// The status of a step (`Idle` for an index out of range).
    pub fn step_status(&self, step: usize) -> &StepStatus {
        const IDLE: StepStatus = StepStatus::Idle;
        self.steps.get(step).map_or(&IDLE, |s| &s.status)
    }

    /// The last run of a step (empty for an index out of range).
    pub fn step_record(&self, step: usize) -> &StepRecord {
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
        self.steps.get(step).map_or(&EMPTY, |s| &s.record)
    }

    pub fn variables(&self) -> &Variables {
        &self.vars
    }

    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    /// The request a step will send: the reader's edit if any, else the tutorial's.
    pub fn effective_request(&self, step: usize) -> Option<&RequestTemplate> {
        let s = self.steps.get(step)?;
        s.edit
            .as_ref()
            .or_else(|| self.tutorial.steps.get(step).map(|t| &t.request))
    }

    /// The step's request with each variable shown with its value and source.
    pub fn render_request(&self, step: usize) -> RenderedRequest {
        let Some(template) = self.effective_request(step) else {
            return RenderedRequest {
                method: String::new(),
                url: Vec::new(),
                headers: Vec::new(),
                body: None,
                edited: false,
            };
        };
        let segs = |t: &Template| -> Vec<RenderedSegment> {
            t.segments()
                .iter()
                .map(|seg| match seg {
                    Segment::Text(text) => RenderedSegment::Text(text.clone()),
                    Segment::Var(name) => {
                        let v = self.vars.get(name);
                        RenderedSegment::Var {
                            name: name.clone(),
                            value: v.map(|v| v.value.clone()),
                            source: v.map(|v| v.source.clone()),
                            provider: self.provider_for(step, name),
                            stale: v.is_some_and(|v| v.stale),
                        }
                    }
                })
                .collect()
        };
        RenderedRequest {
            method: template.method.clone(),
            url: segs(&template.url),
            headers: template
                .headers
                .iter()
                .map(|(k, v)| (k.clone(), segs(v)))
                .collect(),
            body: template.body.as_ref().map(segs),
            edited: self.steps[step].edit.is_some(),
        }
    }

    /// No request in flight, no timer pending, nothing queued.
    pub fn is_idle(&self) -> bool {
        self.in_flight.is_empty()
            && self.plan.is_empty()
            && !self.cleaning
            && self.next_wake().is_none()
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

    // ----- dependencies -------------------------------------------------------------------

    /// The step that provides `var` to `step`: the last earlier step capturing it.
    fn provider_for(&self, step: usize, var: &str) -> Option<usize> {
        let before = step.min(self.tutorial.steps.len());
        self.tutorial.steps[..before]
            .iter()
            .rposition(|s| s.captures.iter().any(|c| c.name == var))
            .or_else(|| self.tutorial.provider_of(var))
    }

    /// Variables a step needs (from its effective request, expectations, poll and cleanup).
    fn needs(&self, step: usize) -> Vec<String> {
        match &self.steps[step].edit {
            None => step_inputs(&self.tutorial.steps[step]),
            Some(edit) => {
                let mut t = self.tutorial.steps[step].clone();
                t.request = edit.clone();
                step_inputs(&t)
            }
        }
    }

    /// Steps this step directly depends on: variable providers and `after:` steps.
    fn direct_deps(&self, step: usize) -> BTreeSet<usize> {
        let mut deps: BTreeSet<usize> = self
            .needs(step)
            .iter()
            .filter_map(|v| self.provider_for(step, v))
            .filter(|&p| p != step)
            .collect();
        for after in &self.tutorial.steps[step].after {
            if let Some(i) = self.tutorial.step_index(after) {
                deps.insert(i);
            }
        }
        deps
    }

    fn ancestors(&self, step: usize) -> BTreeSet<usize> {
        let mut seen = BTreeSet::new();
        let mut todo = vec![step];
        while let Some(s) = todo.pop() {
            for d in self.direct_deps(s) {
                if seen.insert(d) {
                    todo.push(d);
                }
            }
        }
        seen
    }

    pub(crate) fn descendants(&self, step: usize) -> BTreeSet<usize> {
        let deps: Vec<BTreeSet<usize>> =
            (0..self.steps.len()).map(|i| self.direct_deps(i)).collect();
        let mut seen = BTreeSet::new();
        let mut todo = vec![step];
        while let Some(s) = todo.pop() {
            for (i, d) in deps.iter().enumerate() {
                if d.contains(&s) && seen.insert(i) {
                    todo.push(i);
                }
            }
        }
        seen
    }

    fn lookup(&self) -> impl Fn(&str) -> Option<String> + '_ {
        |name: &str| self.vars.fresh(name).map(str::to_string)
    }

    // ----- running steps ------------------------------------------------------------------

    pub(crate) fn limit(&self) -> usize {
        if self.options.one_at_a_time {
            1
        } else {
            self.options.max_concurrent.max(1)
        }
    }

    fn is_active(status: &StepStatus) -> bool {
        matches!(
            status,
            StepStatus::Running | StepStatus::Polling { .. } | StepStatus::Retrying { .. }
        )
    }

    fn start_plan(&mut self, steps: Vec<usize>, out: &mut Vec<Action>) {
        if self.cleaning {
            out.push(Action::Refused {
                step: None,
                error: StepError::InvalidRequest {
                    message: "cleanup is in progress; wait for it to finish".into(),
                },
            });
            return;
        }
        self.stopped = false;
        self.busy = true;
        for s in steps {
            if Self::is_active(&self.steps[s].status) {
                continue;
            }
            self.plan.insert(s);
            self.steps[s].status = StepStatus::Queued;
        }
    }

    /// Starts whatever is ready, marks what cannot run, and ends the plan when nothing is left.
    fn pump(&mut self, out: &mut Vec<Action>) {
        if self.cleaning {
            self.pump_cleanup(out);
            return;
        }
        loop {
            let mut started = false;
            let planned: Vec<usize> = self.plan.iter().copied().collect();
            for s in planned {
                if Self::is_active(&self.steps[s].status) {
                    continue;
                }
                match self.readiness(s) {
                    Ready::Wait => self.steps[s].status = StepStatus::Queued,
                    Ready::Blocked(missing) => {
                        self.plan.remove(&s);
                        self.steps[s].status = StepStatus::Blocked { missing };
                    }
                    Ready::Skip => {
                        self.plan.remove(&s);
                        self.steps[s].status = StepStatus::Skipped;
                    }
                    Ready::Go => {
                        let active = self
                            .steps
                            .iter()
                            .filter(|x| Self::is_active(&x.status))
                            .count();
                        if active >= self.limit() {
                            self.steps[s].status = StepStatus::Queued;
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

    fn readiness(&self, step: usize) -> Ready {
        let mut missing = Vec::new();
        let mut wait = false;
        let mut skip = false;
        for var in self.needs(step) {
            let provider = self.provider_for(step, &var);
            if let Some(p) = provider.filter(|p| self.plan.contains(p) && *p != step) {
                let _ = p;
                wait = true;
            } else if self.vars.fresh(&var).is_none() {
                if let Some(p) = provider {
                    if matches!(
                        self.steps[p].status,
                        StepStatus::Failed(_) | StepStatus::Skipped
                    ) {
                        skip = true;
                    }
                }
                missing.push(Missing {
                    var: Some(var),
                    provider,
                });
            }
        }
        for after in &self.tutorial.steps[step].after {
            let Some(a) = self.tutorial.step_index(after) else {
                continue;
            };
            if self.plan.contains(&a) {
                wait = true;
            } else if self.steps[a].status != StepStatus::Passed {
                if matches!(
                    self.steps[a].status,
                    StepStatus::Failed(_) | StepStatus::Skipped
                ) {
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

    fn start_step(&mut self, s: usize, out: &mut Vec<Action>) {
        // Re-running: what this step captured before, and everything built on it, may no longer hold.
        if !self.steps[s].record.captured.is_empty() || self.steps[s].record.response.is_some() {
            self.invalidate(s);
        }
        self.steps[s].record = StepRecord {
            started_at_ms: Some(self.now_ms),
            ..StepRecord::default()
        };
        self.steps[s].exec = Some(Exec {
            started_at_ms: self.now_ms,
            ..Exec::default()
        });
        self.send_step(s, AttemptKind::First, out);
    }

    /// Marks a step's captures stale and its dependents (with their captures) stale.
    fn invalidate(&mut self, s: usize) {
        let mark = |run: &mut Run, step: usize| {
            for c in run.tutorial.steps[step].captures.clone() {
                if let Some(v) = run.vars.get_mut(&c.name) {
                    if matches!(v.source, VarSource::Capture { step: from, .. } if from == step) {
                        v.stale = true;
                    }
                }
            }
        };
        mark(self, s);
        for d in self.descendants(s) {
            if matches!(
                self.steps[d].status,
                StepStatus::Passed
                    | StepStatus::Failed(_)
                    | StepStatus::Skipped
                    | StepStatus::Blocked { .. }
            ) {
                self.steps[d].status = StepStatus::Stale;
            }
            mark(self, d);
        }
    }

    pub(crate) fn send_step(&mut self, s: usize, kind: AttemptKind, out: &mut Vec<Action>) {
        let Some(template) = self.effective_request(s).cloned() else {
            return;
        };
        let built = {
            let lookup = self.lookup();
            let provider = |v: &str| self.provider_for(s, v);
            build_request(&template, &lookup, &provider)
        };
        match built {
            Err(error) => self.finish_step(s, Err(error), out),
            Ok((sent, request)) => {
                let id = self.next_request_id;
                self.next_request_id += 1;
                let attempt = self.steps[s].exec.as_ref().map_or(0, |e| e.polls);
                self.steps[s].status = match kind {
                    AttemptKind::Poll => StepStatus::Polling {
                        attempt,
                        next_at_ms: self.now_ms,
                    },
                    _ => StepStatus::Running,
                };
                self.steps[s].record.attempts.push(Attempt {
                    kind: kind.clone(),
                    sent_at_ms: self.now_ms,
                    status: None,
                    elapsed_ms: None,
                    note: String::new(),
                });
                self.in_flight.insert(
                    id,
                    InFlight {
                        step: s,
                        cleanup: None,
                        kind,
                        sent_at_ms: self.now_ms,
                        method: sent.method.clone(),
                    },
                );
                self.steps[s].record.request = Some(sent);
                out.push(Action::Send {
                    request_id: id,
                    step: s,
                    cleanup: None,
                    scopes: self.scopes_for(s),
                    request,
                });
            }
        }
    }

    fn scopes_for(&self, s: usize) -> Vec<String> {
        let step = &self.tutorial.steps[s];
        if step.scopes.is_empty() {
            self.tutorial.scopes.clone()
        } else {
            step.scopes.clone()
        }
    }

    /// Does this step's request name an object captured moments ago (so a 404 may be replication lag)?
    fn names_recent_object(&self, s: usize) -> bool {
        let window = self.options.retry.replication_window_ms;
        let Some(t) = self.effective_request(s) else {
            return false;
        };
        request_vars(t).iter().any(|v| {
            self.vars.get(v).is_some_and(|v| {
                matches!(v.source, VarSource::Capture { .. })
                    && self.now_ms.saturating_sub(v.at_ms) <= window
            })
        })
    }

    fn note_attempt(record: &mut StepRecord, r: &ReceivedResponse, note: String) {
        if let Some(a) = record.attempts.last_mut() {
            a.status = Some(r.status);
            a.elapsed_ms = Some(r.elapsed_ms);
            a.note = note;
        }
    }

    fn schedule(&mut self, s: usize, delay_ms: u64, kind: AttemptKind, status: StepStatus) {
        let at = self.now_ms + delay_ms;
        if let Some(exec) = self.steps[s].exec.as_mut() {
            exec.wake_at_ms = Some(at);
            exec.wake_kind = Some(kind);
        }
        self.steps[s].status = status;
    }

    fn on_step_response(&mut self, s: usize, r: ReceivedResponse, out: &mut Vec<Action>) {
        let body = r.json();
        let step = self.tutorial.steps[s].clone();
        let mut exec = self.steps[s].exec.clone().unwrap_or_default();
        self.steps[s].record.response = Some(r.clone());
        let success = (200..300).contains(&r.status);
        let expected_status = step
            .expectations
            .iter()
            .any(|e| e.query == Query::Status && check(e, &r, body.as_ref(), &|_| None).passed);
        if !success && !expected_status {
            let recent = self.names_recent_object(s);
            match verdict(&self.options.retry, &exec, &r, recent, &mut self.rng) {
                Verdict::Retry { delay_ms, lag } if !self.stopped => {
                    let (kind, reason) = if lag {
                        exec.lag_retries += 1;
                        (
                            AttemptKind::ReplicationLag,
                            format!("{}: not visible yet (replication lag)", r.status),
                        )
                    } else {
                        exec.retries += 1;
                        (
                            AttemptKind::Retry,
                            format!("{}: Graph asked to slow down", r.status),
                        )
                    };
                    let attempt = exec.retries + exec.lag_retries;
                    Self::note_attempt(
                        &mut self.steps[s].record,
                        &r,
                        format!("{reason}; waiting {delay_ms} ms"),
                    );
                    self.steps[s].exec = Some(exec);
                    let next_at_ms = self.now_ms + delay_ms;
                    self.schedule(
                        s,
                        delay_ms,
                        kind,
                        StepStatus::Retrying {
                            attempt,
                            next_at_ms,
                            reason,
                        },
                    );
                    return;
                }
                _ => {
                    Self::note_attempt(&mut self.steps[s].record, &r, "failed".into());
                    let error = if matches!(r.status, 429 | 503) {
                        StepError::RetriesExhausted {
                            attempts: exec.retries + 1,
                            last_status: Some(r.status),
                        }
                    } else {
                        graph_error(&r)
                    };
                    self.finish_step(s, Err(error), out);
                    return;
                }
            }
        }
        if let Some(poll) = &step.poll {
            let outcome = {
                let lookup = self.lookup();
                judge(poll, &r, body.as_ref(), &lookup)
            };
            match outcome {
                PollOutcome::Failed(failure) => {
                    Self::note_attempt(&mut self.steps[s].record, &r, failure.to_string());
                    self.finish_step(s, Err(StepError::PollFailed { failure }), out);
                    return;
                }
                PollOutcome::Again { state } => {
                    Self::note_attempt(&mut self.steps[s].record, &r, state);
                    let elapsed = self.now_ms.saturating_sub(exec.started_at_ms);
                    let delay = next_delay(poll, exec.poll_delay_ms);
                    if self.stopped {
                        self.finish_step(s, Err(StepError::Stopped), out);
                    } else if elapsed + delay > poll.limit_ms {
                        self.finish_step(
                            s,
                            Err(StepError::PollTimeout {
                                attempts: exec.polls + 1,
                                elapsed_ms: elapsed,
                            }),
                            out,
                        );
                    } else {
                        exec.polls += 1;
                        exec.poll_delay_ms = delay;
                        let attempt = exec.polls;
                        self.steps[s].exec = Some(exec);
                        let next_at_ms = self.now_ms + delay;
                        self.schedule(
                            s,
                            delay,
                            AttemptKind::Poll,
                            StepStatus::Polling {
                                attempt,
                                next_at_ms,
                            },
                        );
                    }
                    return;
                }
                PollOutcome::Done => {}
            }
        }
        Self::note_attempt(&mut self.steps[s].record, &r, String::new());
        // Captures.
        let mut captured = Vec::new();
        for c in &step.captures {
            let value = {
                let lookup = self.lookup();
                evaluate(&c.query, &r, body.as_ref(), &lookup)
                    .and_then(|found| capture_text(c, found))
            };
            let value = match value {
                Ok(v) => v,
                Err(message) => {
                    self.finish_step(
                        s,
                        Err(StepError::Capture {
                            name: c.name.clone(),
                            message,
                        }),
                        out,
                    );
                    return;
                }
            };
            if let Some(kind) = &c.kind {
                if let Some((other, other_kind)) = self.vars.kind_clash(&c.name, kind, &value) {
                    let message =
                        format!("the value is `{other}`, a {other_kind} id, not a {kind} id");
                    self.finish_step(
                        s,
                        Err(StepError::Capture {
                            name: c.name.clone(),
                            message,
                        }),
                        out,
                    );
                    return;
                }
            }
            captured.push((c.name.clone(), value));
        }
        for ((name, value), c) in captured.iter().zip(&step.captures) {
            self.vars.set(
                name,
                VarValue {
                    value: value.clone(),
                    kind: c.kind.clone(),
                    source: VarSource::Capture {
                        step: s,
                        path: c.query.to_string(),
                    },
                    stale: false,
                    at_ms: self.now_ms,
                },
            );
        }
        self.steps[s].record.captured = captured.clone();
        // The ledger: whatever this response created, recorded before expectations are judged.
        if let Some(cleanup) = &step.cleanup {
            self.record_created(s, &step, cleanup, &captured);
        }
        let results: Vec<ExpectationResult> = {
            let lookup = self.lookup();
            step.expectations
                .iter()
                .map(|e| check(e, &r, body.as_ref(), &lookup))
                .collect()
        };
        let failures: Vec<ExpectationResult> =
            results.iter().filter(|x| !x.passed).cloned().collect();
        self.steps[s].record.expectations = results;
        if failures.is_empty() {
            self.finish_step(s, Ok(()), out);
        } else {
            self.finish_step(s, Err(StepError::Expectation { failures }), out);
        }
    }

    fn record_created(
        &mut self,
        s: usize,
        step: &crate::model::Step,
        cleanup: &crate::model::Cleanup,
        captured: &[(String, String)],
    ) {
        let mut names: Vec<String> = request_vars(&cleanup.request);
        if let Some(w) = &cleanup.wait {
            names.extend(request_vars(&w.request));
        }
        let mut vars = BTreeMap::new();
        for name in names.iter().filter(|n| !n.starts_with("cleanup.")) {
            match self.vars.fresh(name) {
                Some(v) => {
                    vars.insert(name.clone(), v.to_string());
                }
                // Cannot build the cleanup request: nothing sensible to record.
                None => return,
            }
        }
        // Expectation values in the wait may use any variable; keep those that exist.
        if let Some(w) = &cleanup.wait {
            let mut t = crate::model::Step::clone(step);
            t.request = w.request.clone();
            t.captures.clear();
            t.cleanup = None;
            t.expectations = w.poll.until.iter().chain(&w.poll.fail).cloned().collect();
            t.poll = None;
            for name in step_inputs(&t) {
                if let Some(v) = self.vars.fresh(&name) {
                    vars.insert(name, v.to_string());
                }
            }
        }
        let object_id = step
            .captures
            .iter()
            .zip(captured)
            .find(|(c, _)| c.kind.is_some())
            .or_else(|| step.captures.iter().zip(captured).next())
            .map(|(_, (_, v))| v.clone());
        let label = match &object_id {
            Some(id) => format!("{} ({id})", step.title),
            None => step.title.clone(),
        };
        self.ledger.entries.push(LedgerEntry {
            step: s,
            label,
            object_id,
            created_at_ms: self.now_ms,
            vars,
            cleanup_vars: BTreeMap::new(),
            status: CleanupStatus::Pending,
            record: StepRecord::default(),
            exec: None,
        });
    }

    fn finish_step(&mut self, s: usize, result: Result<(), StepError>, out: &mut Vec<Action>) {
        self.plan.remove(&s);
        let state = &mut self.steps[s];
        state.exec = None;
        state.record.finished_at_ms = Some(self.now_ms);
        let passed = result.is_ok();
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
        out.push(Action::StepFinished { step: s, passed });
    }

    fn on_network_error(&mut self, flight: InFlight, message: String, out: &mut Vec<Action>) {
        let retry = is_idempotent(&flight.method) && !self.stopped;
        match flight.cleanup {
            None => {
                let s = flight.step;
                let mut exec = self.steps[s].exec.clone().unwrap_or_default();
                if let Some(a) = self.steps[s].record.attempts.last_mut() {
                    a.note = format!("network error: {message}");
                }
                if retry && exec.network_retries < self.options.retry.network_retries {
                    let delay =
                        backoff_ms(&self.options.retry, exec.network_retries, &mut self.rng);
                    exec.network_retries += 1;
                    let attempt = exec.network_retries;
                    self.steps[s].exec = Some(exec);
                    let next_at_ms = self.now_ms + delay;
                    self.schedule(
                        s,
                        delay,
                        AttemptKind::NetworkRetry,
                        StepStatus::Retrying {
                            attempt,
                            next_at_ms,
                            reason: format!("network error: {message}"),
                        },
                    );
                } else {
                    self.finish_step(s, Err(StepError::Network { message }), out);
                }
            }
            Some(e) => {
                let Some(entry) = self.ledger.entries.get_mut(e) else {
                    return;
                };
                let mut exec = entry.exec.clone().unwrap_or_default();
                if retry && exec.network_retries < self.options.retry.network_retries {
                    let delay =
                        backoff_ms(&self.options.retry, exec.network_retries, &mut self.rng);
                    exec.network_retries += 1;
                    exec.wake_at_ms = Some(self.now_ms + delay);
                    exec.wake_kind = Some(AttemptKind::NetworkRetry);
                    entry.exec = Some(exec);
                } else {
                    entry.exec = None;
                    entry.status = CleanupStatus::Failed(StepError::Network { message });
                }
            }
        }
    }

    fn next_wake(&self) -> Option<u64> {
        let steps = self
            .steps
            .iter()
            .filter_map(|s| s.exec.as_ref()?.wake_at_ms);
        let entries = self
            .ledger
            .entries
            .iter()
            .filter_map(|e| e.exec.as_ref()?.wake_at_ms);
        steps.chain(entries).min()
    }

    fn fire_timers(&mut self, out: &mut Vec<Action>) {
        for s in 0..self.steps.len() {
            let due = self.steps[s].exec.as_ref().and_then(|e| {
                e.wake_at_ms
                    .filter(|&at| at <= self.now_ms)
                    .map(|_| e.wake_kind.clone())
            });
            if let Some(kind) = due {
                if let Some(exec) = self.steps[s].exec.as_mut() {
                    exec.wake_at_ms = None;
                    exec.wake_kind = None;
                }
                self.send_step(s, kind.unwrap_or(AttemptKind::Retry), out);
            }
        }
        for e in 0..self.ledger.entries.len() {
            let due = self.ledger.entries[e].exec.as_ref().and_then(|x| {
                x.wake_at_ms
                    .filter(|&at| at <= self.now_ms)
                    .map(|_| x.wake_kind.clone())
            });
            if let Some(kind) = due {
                if let Some(exec) = self.ledger.entries[e].exec.as_mut() {
                    exec.wake_at_ms = None;
                    exec.wake_kind = None;
                }
                self.send_cleanup(e, kind.unwrap_or(AttemptKind::Retry), out);
            }
        }
    }

    pub(crate) fn stop(&mut self) {
        self.stopped = true;
        for s in std::mem::take(&mut self.plan) {
            let state = &mut self.steps[s];
            let waiting = state.exec.as_ref().is_some_and(|e| e.wake_at_ms.is_some());
            if waiting {
                state.exec = None;
                state.record.error = Some(StepError::Stopped);
                state.status = StepStatus::Failed(StepError::Stopped);
            } else if state.status == StepStatus::Queued {
                state.status = StepStatus::Idle;
            } else {
                // In flight: keep it planned so its response is still recorded.
                self.plan.insert(s);
            }
        }
        for entry in &mut self.ledger.entries {
            if entry.exec.as_ref().is_some_and(|e| e.wake_at_ms.is_some()) {
                entry.exec = None;
                entry.status = CleanupStatus::Pending;
            }
        }
    }

    fn edit(&mut self, step: usize, edit: RequestEdit, out: &mut Vec<Action>) {
        let Some(current) = self.effective_request(step).cloned() else {
            return;
        };
        let refuse = |out: &mut Vec<Action>, error: StepError| {
            out.push(Action::Refused {
                step: Some(step),
                error,
            });
        };
        let mut t = current;
        if let Some(method) = edit.method {
            let method = method.trim().to_ascii_uppercase();
            if method.is_empty() || !method.chars().all(|c| c.is_ascii_uppercase()) {
                return refuse(
                    out,
                    StepError::InvalidRequest {
                        message: format!("`{method}` is not an HTTP method"),
                    },
                );
            }
            t.method = method;
        }
        if let Some(url) = edit.url {
            match Template::parse(url.trim()) {
                Ok(u) => t.url = u,
                Err(message) => return refuse(out, StepError::InvalidRequest { message }),
            }
        }
        if let Some(headers) = edit.headers {
            let mut parsed = Vec::new();
            for (k, v) in headers {
                if k.eq_ignore_ascii_case("authorization") {
                    return refuse(
                        out,
                        StepError::InvalidRequest {
                            message: "the app adds Authorization itself; tokens are never stored in a run".into(),
                        },
                    );
                }
                match Template::parse(&v) {
                    Ok(v) => parsed.push((k, v)),
                    Err(message) => return refuse(out, StepError::InvalidRequest { message }),
                }
            }
            t.headers = parsed;
        }
        if let Some(body) = edit.body {
            if body.trim().is_empty() {
                t.body = None;
            } else {
                let parsed = match Template::parse(&body) {
                    Ok(b) => b,
                    Err(message) => return refuse(out, StepError::InvalidRequest { message }),
                };
                let is_json = t
                    .headers
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
                    .is_none_or(|(_, v)| v.source().to_ascii_lowercase().contains("json"));
                if is_json {
                    let text = parsed
                        .render(Context::Json, &|_| Some("x".into()))
                        .unwrap_or_default();
                    if let Err((line, column, message)) = json_error(&text) {
                        return refuse(
                            out,
                            StepError::InvalidJson {
                                line,
                                column,
                                message,
                            },
                        );
                    }
                }
                t.body = Some(parsed);
            }
        }
        self.steps[step].edit = Some(t);
    }

    fn set_variable(&mut self, name: &str, value: String, out: &mut Vec<Action>) {
        let kind = self
            .vars
            .get(name)
            .and_then(|v| v.kind.clone())
            .or_else(|| {
                self.tutorial
                    .steps
                    .iter()
                    .flat_map(|s| &s.captures)
                    .find(|c| c.name == name)
                    .and_then(|c| c.kind.clone())
            });
        if let Some(kind) = &kind {
            if let Some((other, other_kind)) = self.vars.kind_clash(name, kind, &value) {
                out.push(Action::Refused {
                    step: None,
                    error: StepError::Capture {
                        name: name.to_string(),
                        message: format!(
                            "that is `{other}`, a {other_kind} id; `{name}` needs a {kind} id"
                        ),
                    },
                });
                return;
            }
        }
        let source = match self.vars.get(name).map(|v| &v.source) {
            Some(VarSource::Builtin) => VarSource::Builtin,
            Some(VarSource::Input) => VarSource::Input,
            _ => VarSource::Manual,
        };
        self.vars.set(
            name,
            VarValue {
                value,
                kind,
                source,
                stale: false,
                at_ms: self.now_ms,
            },
        );
        // Steps that used the old value no longer show what the new one would give.
        let users: Vec<usize> = (0..self.steps.len())
            .filter(|&i| self.needs(i).iter().any(|v| v == name))
            .collect();
        for u in users {
            if matches!(
                self.steps[u].status,
                StepStatus::Passed | StepStatus::Failed(_)
            ) {
                self.steps[u].status = StepStatus::Stale;
            }
        }
    }

    fn resume(&mut self, out: &mut Vec<Action>) {
        for (_, flight) in std::mem::take(&mut self.in_flight) {
            let idempotent = is_idempotent(&flight.method);
            match flight.cleanup {
                None => {
                    let s = flight.step;
                    if idempotent {
                        self.send_step(s, flight.kind, out);
                    } else {
                        self.finish_step(
                            s,
                            Err(StepError::Interrupted {
                                method: flight.method,
                            }),
                            out,
                        );
                    }
                }
                Some(e) => {
                    if idempotent {
                        self.send_cleanup(e, flight.kind, out);
                    } else if let Some(entry) = self.ledger.entries.get_mut(e) {
                        entry.exec = None;
                        entry.status = CleanupStatus::Failed(StepError::Interrupted {
                            method: flight.method,
                        });
                    }
                }
            }
        }
        self.busy = true;
    }

    fn reset(&mut self) {
        self.in_flight.clear();
        self.plan.clear();
        self.cleaning = false;
        self.stopped = false;
        for s in &mut self.steps {
            s.status = StepStatus::Idle;
            s.record = StepRecord::default();
            s.exec = None;
        }
        for entry in &mut self.ledger.entries {
            entry.exec = None;
            if matches!(
                entry.status,
                CleanupStatus::Removing | CleanupStatus::Waiting
            ) {
                entry.status = CleanupStatus::Pending;
            }
        }
        // A fresh tag and password, so a new attempt never collides with leftovers of this one.
        self.seed_variables();
    }
}

enum Ready {
    Go,
    Wait,
    Blocked(Vec<Missing>),
    Skip,
}
