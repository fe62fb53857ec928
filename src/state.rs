//! The explorer's state: one reducer over the walkthrough runner, plus what the page shows about it.
//!
//! The reducer only feeds events to the runner. What the runner asks for (send a request, wake me later)
//! is queued in `outbox` and carried out by the driver hook after the render.

use std::cell::{Ref, RefCell};
use std::rc::Rc;

use walkthrough::{
    Action, Event, RequestEdit, Run, RunOptions, Step, StepError, StepRecord, Tutorial,
};
use yew::prelude::*;

/// An `Rc` compared by identity: cards skip re-rendering when their data is the same allocation.
#[derive(Debug)]
pub struct Ptr<T>(pub Rc<T>);

impl<T> Clone for Ptr<T> {
    fn clone(&self) -> Self {
        Ptr(self.0.clone())
    }
}

impl<T> PartialEq for Ptr<T> {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl<T> std::ops::Deref for Ptr<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

/// A message for the page's status line.
#[derive(Clone, Debug, PartialEq)]
pub struct Notice {
    pub text: String,
    pub tone: Tone,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Tone {
    Info,
    Good,
    Bad,
}

/// Something the reader asked for that the runner refused, shown where it happened.
#[derive(Clone, Debug, PartialEq)]
pub struct Refusal {
    pub step: Option<usize>,
    pub error: StepError,
}

#[derive(Clone)]
pub struct Explorer {
    /// The run, shared by every version of this state and changed in place: a change costs what the runner
    /// does, not a copy of the whole run. Each version differs in `rev`, and in `records` where a step changed.
    run: Rc<RefCell<Run>>,
    /// The tutorial's steps, shared with the cards.
    pub steps: Vec<Ptr<Step>>,
    /// Each step's record, replaced only when it changed, so unchanged cards are not rendered again.
    pub records: Vec<Ptr<StepRecord>>,
    /// Bumped on every change: effects and saves key on it.
    pub rev: u64,
    pub notice: Option<Notice>,
    pub refusal: Option<Refusal>,
    /// Which run this is: replies to requests sent by an earlier run are dropped.
    pub generation: u64,
    /// Shared with every clone of this state: actions wait here until the driver takes them.
    outbox: Rc<RefCell<Vec<Action>>>,
}

impl PartialEq for Explorer {
    fn eq(&self, other: &Self) -> bool {
        self.rev == other.rev && Rc::ptr_eq(&self.outbox, &other.outbox)
    }
}

/// What the reader asks of the run, without the time: the one who dispatches it adds the clock's reading.
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    RunAll,
    RunStep(usize),
    RunTo(usize),
    Stop,
    Cleanup,
    Reset,
    EditRequest { step: usize, edit: RequestEdit },
    ResetRequest(usize),
    SetVariable { name: String, value: String },
}

impl Command {
    /// The engine's event for this command at `now_ms`.
    pub fn at(self, now_ms: u64) -> Event {
        match self {
            Command::RunAll => Event::RunAll { now_ms },
            Command::RunStep(step) => Event::RunStep { step, now_ms },
            Command::RunTo(step) => Event::RunTo { step, now_ms },
            Command::Stop => Event::Stop,
            Command::Cleanup => Event::Cleanup { now_ms },
            Command::Reset => Event::Reset,
            Command::EditRequest { step, edit } => Event::EditRequest { step, edit },
            Command::ResetRequest(step) => Event::ResetRequest { step },
            Command::SetVariable { name, value } => Event::SetVariable { name, value },
        }
    }
}

pub enum Msg {
    /// Feed an event from the reader to the runner.
    Engine(Event),
    /// A response, network failure or timer for the run `generation` (ignored if that run is gone).
    Reply {
        generation: u64,
        event: Event,
    },
    /// Start over with this tutorial.
    Load(Box<Tutorial>, RunOptions),
    /// Continue a run saved before a reload, at this time.
    Restore(Box<Run>, u64),
    Notify(Notice),
    DismissNotice,
}

impl Explorer {
    pub fn new(run: Run) -> Self {
        let mut explorer = Explorer {
            run: Rc::new(RefCell::new(run)),
            steps: Vec::new(),
            records: Vec::new(),
            rev: 0,
            notice: None,
            refusal: None,
            generation: 0,
            outbox: Rc::default(),
        };
        explorer.share_tutorial();
        explorer
    }

    /// The run as it is now. Hold it only to read: a dispatch changes it, and panics while it is held.
    pub fn run(&self) -> Ref<'_, Run> {
        self.run.borrow()
    }

    fn share_tutorial(&mut self) {
        self.steps = self
            .run
            .borrow()
            .tutorial()
            .steps
            .iter()
            .map(|s| Ptr(Rc::new(s.clone())))
            .collect();
        self.records.clear();
        self.share_records();
    }

    fn share_records(&mut self) {
        let run = self.run.borrow();
        let count = run.tutorial().steps.len();
        self.records.truncate(count);
        for index in 0..count {
            let record = run.step_record(index);
            match self.records.get(index) {
                Some(shared) if **shared == *record => {}
                Some(_) => self.records[index] = Ptr(Rc::new(record.clone())),
                None => self.records.push(Ptr(Rc::new(record.clone()))),
            }
        }
    }

    /// Takes what the runner asked for since the driver last looked.
    pub fn take_actions(&self) -> Vec<Action> {
        std::mem::take(&mut *self.outbox.borrow_mut())
    }

    fn feed(&mut self, event: Event) {
        let is_user_action = !matches!(
            event,
            Event::Response { .. } | Event::SendFailed { .. } | Event::Tick { .. }
        );
        if is_user_action {
            self.refusal = None;
        }
        let actions = self.run.borrow_mut().handle(event);
        for action in &actions {
            match action {
                Action::Refused { step, error } => {
                    self.refusal = Some(Refusal {
                        step: *step,
                        error: error.clone(),
                    })
                }
                Action::CleanupFinished { left: 0 } => {
                    self.notice = Some(Notice {
                        text: "Cleanup finished: everything this run created has been removed.".into(),
                        tone: Tone::Good,
                    })
                }
                Action::CleanupFinished { left } => {
                    self.notice = Some(Notice {
                        text: format!(
                            "Cleanup finished with {left} object{} left. See the cleanup panel for why, then try Clean up again.",
                            if *left == 1 { "" } else { "s" }
                        ),
                        tone: Tone::Bad,
                    })
                }
                _ => {}
            }
        }
        self.outbox.borrow_mut().extend(actions);
    }
}

impl Reducible for Explorer {
    type Action = Msg;

    fn reduce(self: Rc<Self>, msg: Msg) -> Rc<Self> {
        let mut next = (*self).clone();
        next.rev += 1;
        match msg {
            Msg::Engine(event) => next.feed(event),
            Msg::Reply { generation, event } => {
                if generation != next.generation {
                    return self;
                }
                next.feed(event)
            }
            Msg::Load(tutorial, options) => {
                next.run = Rc::new(RefCell::new(Run::new(*tutorial, options)));
                next.refusal = None;
                next.notice = None;
                // Whatever the old run still had in flight belongs to it, not to this one.
                next.generation += 1;
                next.outbox = Rc::default();
            }
            Msg::Restore(run, now_ms) => {
                next.run = Rc::new(RefCell::new(*run));
                next.generation += 1;
                next.outbox = Rc::default();
                next.feed(Event::Resume { now_ms });
            }
            Msg::Notify(notice) => next.notice = Some(notice),
            Msg::DismissNotice => next.notice = None,
        }
        if !Rc::ptr_eq(&next.run, &self.run) || next.generation != self.generation {
            next.share_tutorial();
        } else {
            next.share_records();
        }
        Rc::new(next)
    }
}
