//! The sans-IO runner: told what happened (events), it answers with what to do next (actions).

use std::collections::BTreeSet;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::capture::{VarSource, VarValue, Variables};
use crate::flight::InFlightTable;
use crate::ledger::Ledger;
use crate::model::{RequestTemplate, Tutorial};
use crate::request::to_received;
use crate::retry::Rng;
use crate::schedule::Schedule;
use crate::step_state::Steps;
use crate::template::{Segment, Template};

use crate::error::StepError;
pub use crate::event::{Action, Event, RequestEdit, RunAs, RunOptions, SendFailure};
pub use crate::record::{
    Attempt, AttemptKind, Missing, RenderedRequest, RenderedSegment, SentRequest, StepRecord,
    StepStatus,
};
pub(crate) use crate::request::build_request;

/// A whole run: the tutorial, progress, variables, ledger. Serializes without loss, never holds a token.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Run {
    /// Shared, never changed: cloning a run (which a UI does on every change) does not copy the tutorial.
    pub(crate) tutorial: Arc<Tutorial>,
    pub(crate) options: RunOptions,
    pub(crate) rng: Rng,
    pub(crate) vars: Variables,
    pub(crate) steps: Steps,
    pub(crate) ledger: Ledger,
    pub(crate) in_flight: InFlightTable,
    pub(crate) next_request_id: u64,
    /// Saved as the run's `plan`, `cleaning`, `stopped` and `busy` fields.
    #[serde(flatten)]
    pub(crate) schedule: Schedule,
    pub(crate) now_ms: u64,
}

impl Run {
    /// Starts a run: generates the run tag and password from the seed, fills inputs and built-ins.
    pub fn new(tutorial: Tutorial, options: RunOptions) -> Run {
        let steps = Steps::new(tutorial.steps.len());
        let mut run = Run {
            rng: Rng::new(options.seed),
            tutorial: Arc::new(tutorial),
            options,
            vars: Variables::default(),
            steps,
            ledger: Ledger::default(),
            in_flight: InFlightTable::default(),
            next_request_id: 1,
            schedule: Schedule::default(),
            now_ms: 0,
        };
        run.seed_variables();
        run
    }

    pub(crate) fn seed_variables(&mut self) {
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
        if let Some(now_ms) = event.now_ms() {
            // Never backwards: timers and replication windows are measured on this clock.
            self.now_ms = self.now_ms.max(now_ms);
        }
        match event {
            Event::RunAll { .. } => {
                let all: Vec<usize> = (0..self.steps.len())
                    .filter(|&i| !self.steps.is_passed(i) && self.on_path(i))
                    .collect();
                self.start_plan(all, &mut out);
            }
            Event::RunTo { step, .. } | Event::RunStep { step, .. } if !self.on_path(step) => {
                out.push(Action::Refused {
                    step: Some(step),
                    error: StepError::InvalidRequest {
                        message: self.off_path_reason(step),
                    },
                });
            }
            Event::RunTo { step, .. } => {
                if step < self.steps.len() {
                    let mut want: BTreeSet<usize> = self.ancestors(step);
                    want.retain(|&i| !self.steps.is_passed(i));
                    want.insert(step);
                    self.start_plan(want.into_iter().collect(), &mut out);
                }
            }
            Event::RunStep { step, .. } => {
                if step < self.steps.len() {
                    self.start_plan(vec![step], &mut out);
                }
            }
            Event::Response {
                request_id,
                response,
                now_ms,
            } => {
                if let Some(flight) = self.in_flight.take(request_id) {
                    let received = to_received(response, now_ms.saturating_sub(flight.sent_at_ms));
                    match flight.cleanup {
                        Some(entry) => self.on_cleanup_response(entry, received, &mut out),
                        None => self.on_step_response(flight.step, received, &mut out),
                    }
                }
            }
            Event::SendFailed {
                request_id,
                failure,
                ..
            } => {
                if let Some(flight) = self.in_flight.take(request_id) {
                    self.on_send_failed(flight, failure, &mut out);
                }
            }
            Event::Tick { .. } => self.fire_timers(&mut out),
            Event::Stop => self.stop(),
            Event::EditRequest { step, edit } => self.edit(step, edit, &mut out),
            Event::ResetRequest { step } => self.steps.set_edit(step, None),
            Event::SetVariable { name, value } => self.set_variable(&name, value, &mut out),
            Event::Cleanup { .. } => self.start_cleanup(),
            Event::Resume { .. } => self.resume(&mut out),
            Event::Reset => self.reset(),
        }
        self.pump(&mut out);
        self.refresh_blocked();
        if let Some(at) = self.next_wake() {
            out.push(Action::WakeAt(at));
        }
        out.push(Action::Changed);
        let idle = self.is_idle();
        if self.schedule.take_done(idle) {
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
        self.steps.status(step)
    }

    /// The last run of a step (empty for an index out of range).
    pub fn step_record(&self, step: usize) -> &StepRecord {
        self.steps.record(step)
    }

    pub fn variables(&self) -> &Variables {
        &self.vars
    }

    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    /// The request a step will send: the reader's edit if any, else the tutorial's.
    pub fn effective_request(&self, step: usize) -> Option<&RequestTemplate> {
        if step >= self.steps.len() {
            return None;
        }
        self.steps
            .edit(step)
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
            edited: self.steps.edit(step).is_some(),
        }
    }

    /// No request in flight, no timer pending, nothing queued.
    pub fn is_idle(&self) -> bool {
        self.in_flight.is_empty() && self.schedule.is_settled() && self.next_wake().is_none()
    }

    /// (passed steps, all steps) on the path the inputs choose.
    pub fn progress(&self) -> (usize, usize) {
        let on: Vec<usize> = (0..self.steps.len()).filter(|&i| self.on_path(i)).collect();
        let passed = on.iter().filter(|&&i| self.steps.is_passed(i)).count();
        (passed, on.len())
    }

    /// Why a step is not on the chosen path, in words for the reader.
    pub fn off_path_reason(&self, step: usize) -> String {
        let Some(when) = self.tutorial.steps.get(step).and_then(|s| s.when.as_ref()) else {
            return String::new();
        };
        let input = self.tutorial.inputs.iter().find(|i| i.name == when.input);
        let label = input.map_or(when.input.as_str(), |i| i.label.as_str());
        let choice = input
            .and_then(|i| i.choices.iter().find(|c| c.value == when.value))
            .map_or(when.value.as_str(), |c| c.label.as_str());
        if when.equals {
            format!("this step is on another path: it runs when \"{label}\" is \"{choice}\"")
        } else {
            format!("this step is on another path: it runs unless \"{label}\" is \"{choice}\"")
        }
    }
}
