//! The page's state: one reducer over plain data. The run's part is a snapshot published by the run's
//! owner (`hooks::use_run`), which alone holds the engine's `Run`; beside it sit the mode, live mode's
//! sign-in state, the sandbox's status and the page's notice. Nothing here reads the clock or sends.

use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use walkthrough::{
    CleanupPlan, CleanupStatus, Event, Ledger, Link, RenderedRequest, RequestEdit, Run, Step,
    StepError, StepRecord, StepStatus, Tutorial, Variables,
};
use yew::prelude::*;

use crate::services::live_state::{LiveMsg, LiveState, Mode};

/// An `Rc` compared by identity: cards skip re-rendering when their data is the same allocation.
#[derive(Debug)]
pub struct Ptr<T>(pub Rc<T>);

impl<T> Ptr<T> {
    pub fn new(value: T) -> Self {
        Ptr(Rc::new(value))
    }
}

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

/// What the reader asks of the run, without the time: the run's owner adds the clock's reading.
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

/// What the page shows of the run: plain values, with the parts that rarely change shared by identity so a
/// new snapshot re-renders only what changed in it.
#[derive(Clone, Debug, PartialEq)]
pub struct RunView {
    pub tutorial: Ptr<Tutorial>,
    pub steps: Vec<Ptr<Step>>,
    pub titles: Ptr<Vec<String>>,
    pub statuses: Vec<StepStatus>,
    pub records: Vec<Ptr<StepRecord>>,
    /// Each step's request with the run's values filled in, for its card.
    pub rendered: Vec<RenderedRequest>,
    pub variables: Ptr<Variables>,
    pub ledger: Ptr<Ledger>,
    /// Steps passed, of all steps.
    pub progress: (usize, usize),
    /// Requests in flight, polls or retries waiting, or a cleanup going on: the buttons wait.
    pub busy: bool,
    /// The reader's last action that the run refused, and where.
    pub refusal: Option<Refusal>,
    /// Steps that failed, in order (the toolbar links to the first).
    pub failed: Vec<usize>,
    /// What a screen reader hears about this change: steps that finished, with their names, and the run's
    /// end. One polite live region reads it, instead of every card's badge.
    pub announcement: Option<String>,
    /// For each step on a path the inputs did not choose (`when:`), why it does not run.
    pub off_path: Vec<Option<String>>,
    /// For each step that runs as another account (`as:`): that identity's name and, once known, its user
    /// principal name.
    pub run_as: Vec<Option<(String, Option<String>)>>,
    /// For each step: cleanup has removed everything it created (its captured ids are gone from the tenant).
    pub removed: Vec<bool>,
}

impl RunView {
    /// A snapshot of `run`, sharing whatever has not changed since `before`.
    pub fn of(run: &Run, refusal: Option<Refusal>, before: Option<&RunView>) -> RunView {
        let tutorial = run.tutorial();
        let count = tutorial.steps.len();
        let same_tutorial = before.filter(|b| *b.tutorial == *tutorial);
        let (tutorial_ptr, steps, titles) = match same_tutorial {
            Some(b) => (b.tutorial.clone(), b.steps.clone(), b.titles.clone()),
            None => (
                Ptr::new(tutorial.clone()),
                tutorial.steps.iter().cloned().map(Ptr::new).collect(),
                Ptr::new(tutorial.steps.iter().map(|s| s.title.clone()).collect()),
            ),
        };
        let records = (0..count)
            .map(|i| {
                let record = run.step_record(i);
                match same_tutorial.and_then(|b| b.records.get(i)) {
                    Some(shared) if **shared == *record => shared.clone(),
                    _ => Ptr::new(record.clone()),
                }
            })
            .collect();
        let variables = match same_tutorial {
            Some(b) if *b.variables == *run.variables() => b.variables.clone(),
            _ => Ptr::new(run.variables().clone()),
        };
        let ledger = match same_tutorial {
            Some(b) if *b.ledger == *run.ledger() => b.ledger.clone(),
            _ => Ptr::new(run.ledger().clone()),
        };
        let statuses: Vec<StepStatus> = (0..count).map(|i| run.step_status(i).clone()).collect();
        let failed = statuses
            .iter()
            .enumerate()
            .filter(|(_, s)| matches!(s, StepStatus::Failed(_)))
            .map(|(i, _)| i)
            .collect::<Vec<_>>();
        let busy = is_busy(run);
        let announcement =
            same_tutorial.and_then(|b| announce(b, &statuses, busy, run.progress(), failed.len()));
        RunView {
            tutorial: tutorial_ptr,
            steps,
            titles,
            statuses,
            records,
            rendered: (0..count).map(|i| run.render_request(i)).collect(),
            off_path: (0..count)
                .map(|i| (!run.on_path(i)).then(|| run.off_path_reason(i)))
                .collect(),
            run_as: tutorial
                .steps
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    let name = s.run_as.clone()?;
                    Some((name, run.run_as(i).map(|r| r.upn)))
                })
                .collect(),
            removed: (0..count)
                .map(|i| {
                    let mut made = run
                        .ledger()
                        .entries
                        .iter()
                        .filter(|e| e.step == i)
                        .peekable();
                    made.peek().is_some() && made.all(|e| e.status.is_clean())
                })
                .collect(),
            variables,
            ledger,
            progress: run.progress(),
            busy,
            refusal,
            failed,
            announcement,
        }
    }

    /// Objects still in the tenant that only this run's cleanup knows about.
    pub fn left(&self) -> usize {
        self.ledger.left().len()
    }

    /// Where the run is: the first step on its way (sending, polling, retrying, queued), else the first
    /// that failed, else the first of the chosen path that has not passed. None once every step passed.
    pub fn current(&self) -> Option<usize> {
        let on_path = |i: &usize| self.off_path.get(*i).is_none_or(Option::is_none);
        let first = |wanted: &dyn Fn(&StepStatus) -> bool| {
            (0..self.statuses.len())
                .filter(on_path)
                .find(|&i| wanted(&self.statuses[i]))
        };
        first(&|s| {
            matches!(
                s,
                StepStatus::Running
                    | StepStatus::Queued
                    | StepStatus::Polling { .. }
                    | StepStatus::Retrying { .. }
            )
        })
        .or_else(|| self.failed.first().copied())
        .or_else(|| first(&|s| !matches!(s, StepStatus::Passed)))
    }
}

/// A panel beside the steps. On narrow screens they open one at a time, in a drawer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Panel {
    Variables,
    Cleanup,
    Sandbox,
    Live,
}

impl Panel {
    pub const ALL: [Panel; 4] = [
        Panel::Variables,
        Panel::Cleanup,
        Panel::Sandbox,
        Panel::Live,
    ];

    /// The id of the panel's section.
    pub fn id(self) -> &'static str {
        match self {
            Panel::Variables => "panel-variables",
            Panel::Cleanup => "panel-cleanup",
            Panel::Sandbox => "panel-sandbox",
            Panel::Live => "panel-live",
        }
    }

    /// The id of the panel's heading, which takes focus when the panel is asked for.
    pub fn title_id(self) -> &'static str {
        match self {
            Panel::Variables => "variables-title",
            Panel::Cleanup => "cleanup-title",
            Panel::Sandbox => "sandbox-title",
            Panel::Live => "live-title",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Panel::Variables => "Variables",
            Panel::Cleanup => "Cleanup",
            Panel::Sandbox => "Sandbox",
            Panel::Live => "Live",
        }
    }
}

/// A panel the page was asked to show: which, whether its heading takes focus, and a count that tells one
/// request from the next (asking twice for the same panel shows it twice).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PanelRequest {
    pub panel: Panel,
    pub focus: bool,
    pub serial: u32,
}

/// What changed since `before` that a listener should hear: steps that reached an end (passed, failed,
/// skipped, waiting for values), named; and, when the run went quiet, how it ended.
fn announce(
    before: &RunView,
    now: &[StepStatus],
    busy: bool,
    (passed, total): (usize, usize),
    failed: usize,
) -> Option<String> {
    let mut parts: Vec<String> = now
        .iter()
        .enumerate()
        .filter(|(i, status)| before.statuses.get(*i) != Some(*status))
        .filter_map(|(i, status)| {
            let word = match status {
                StepStatus::Passed => "passed",
                StepStatus::Failed(_) => "failed",
                StepStatus::Skipped => "skipped",
                StepStatus::Blocked { .. } => "waiting for values from earlier steps",
                _ => return None,
            };
            let title = before.titles.get(i).map(String::as_str).unwrap_or_default();
            Some(format!("Step {}, {title}: {word}.", i + 1))
        })
        .collect();
    if before.busy && !busy {
        parts.push(format!(
            "Run finished: {passed} of {total} steps passed{}.",
            if failed > 0 {
                format!(", {failed} failed")
            } else {
                String::new()
            }
        ));
    }
    (!parts.is_empty()).then(|| parts.join(" "))
}

/// True while the run has work going on: requests in flight, polls or retries waiting.
fn is_busy(run: &Run) -> bool {
    let steps = run.tutorial().steps.len();
    let stepping = (0..steps).any(|i| {
        matches!(
            run.step_status(i),
            StepStatus::Queued
                | StepStatus::Running
                | StepStatus::Polling { .. }
                | StepStatus::Retrying { .. }
        )
    });
    let cleaning = run
        .ledger()
        .entries
        .iter()
        .any(|e| matches!(e.status, CleanupStatus::Removing | CleanupStatus::Waiting));
    stepping || cleaning || !run.is_idle()
}

/// A tutorial imported from a Microsoft Graph docs page: the file it became and how its values were wired,
/// for the reader to review (and correct) before the first run.
#[derive(Clone, Debug, PartialEq)]
pub struct ImportReview {
    /// The imported tutorial's id: the review shows while that tutorial is open.
    pub tutorial_id: String,
    /// The tutorial in graphwalk's format, as it is now (after the reader's corrections).
    pub markdown: String,
    /// Least sure first.
    pub links: Vec<Link>,
    pub notes: Vec<String>,
    pub cleanup: Vec<CleanupPlan>,
}

/// Everything the page shows.
#[derive(Clone, Debug, PartialEq)]
pub struct Page {
    pub run: RunView,
    pub notice: Option<Notice>,
    /// Where requests go: the tenant in this page, or Graph (or a graphwalk-sandbox) with a token.
    pub mode: Mode,
    /// Live mode's settings, sign-in and token claims (never the token).
    pub live: LiveState,
    /// The in-page tenant has loaded, or failed to: the sandbox panel shows it from then on.
    pub sandbox_settled: bool,
    /// Steps whose request editor is open: their last saved request is not what the reader sees, so
    /// nothing runs them until the edit is saved or cancelled.
    pub editing: BTreeSet<usize>,
    /// The review of the last imported docs page, if one was imported.
    pub import: Option<Ptr<ImportReview>>,
    /// Cards the reader opened (true) or folded (false); the others follow their status (a passed card
    /// folds to one line).
    pub expanded: BTreeMap<usize, bool>,
    /// The panel last asked for; on narrow screens the drawer shows it, and None closes the drawer.
    pub panel: Option<PanelRequest>,
    /// The steps' outline is open (a drawer on narrow screens).
    pub outline_open: bool,
    /// The notice is about this panel and links to it.
    pub notice_panel: Option<Panel>,
}

pub enum PageMsg {
    /// The run's owner publishes what the run is now.
    Run(Box<RunView>),
    Notify(Notice),
    /// A notice that links to the panel where it can be acted on.
    NotifyAbout(Notice, Panel),
    DismissNotice,
    Mode(Mode),
    Live(LiveMsg),
    SandboxSettled,
    /// A docs page was imported (or another tutorial opened: none).
    Imported(Option<ImportReview>),
    /// A step's request editor opened (true) or closed.
    Editing {
        step: usize,
        open: bool,
    },
    /// The reader opened (true) or folded a card.
    Expand {
        step: usize,
        open: bool,
    },
    /// Every card opened or folded (`Some`), or back to following its status (`None`).
    ExpandAll(Option<bool>),
    /// Show a panel (open the drawer on narrow screens); `focus` moves focus to its heading.
    ShowPanel {
        panel: Panel,
        focus: bool,
    },
    /// Close the panels' drawer.
    ClosePanel,
    /// Open or close the steps' outline drawer.
    Outline(bool),
}

/// The first step with an open editor (`editing`) that `command` would run, if any.
pub fn unsaved_edit_in_the_way(editing: &BTreeSet<usize>, command: &Command) -> Option<usize> {
    let first = editing.iter().next().copied();
    match command {
        Command::RunAll => first,
        Command::RunStep(step) => editing.contains(step).then_some(*step),
        // Run to here runs what the step needs, all earlier than it.
        Command::RunTo(step) => first.filter(|open| open <= step),
        _ => None,
    }
}

impl Page {
    pub fn new(run: RunView, mode: Mode, live: LiveState) -> Page {
        Page {
            run,
            notice: None,
            mode,
            live,
            sandbox_settled: false,
            editing: BTreeSet::new(),
            import: None,
            expanded: BTreeMap::new(),
            panel: None,
            outline_open: false,
            notice_panel: None,
        }
    }
}

impl Reducible for Page {
    type Action = PageMsg;

    fn reduce(self: Rc<Self>, msg: PageMsg) -> Rc<Self> {
        let mut next = (*self).clone();
        match msg {
            PageMsg::Run(view) => {
                // Another tutorial, or the same one loaded afresh: the editors it had are gone.
                if view.tutorial != next.run.tutorial {
                    next.editing.clear();
                    next.expanded.clear();
                }
                next.run = *view;
            }
            PageMsg::Notify(notice) => {
                next.notice = Some(notice);
                next.notice_panel = None;
            }
            PageMsg::NotifyAbout(notice, panel) => {
                next.notice = Some(notice);
                next.notice_panel = Some(panel);
            }
            PageMsg::DismissNotice => {
                next.notice = None;
                next.notice_panel = None;
            }
            PageMsg::Mode(mode) => next.mode = mode,
            PageMsg::Live(msg) => next.live = next.live.apply(msg),
            PageMsg::SandboxSettled => next.sandbox_settled = true,
            PageMsg::Imported(review) => next.import = review.map(Ptr::new),
            PageMsg::Editing { step, open: true } => {
                next.editing.insert(step);
            }
            PageMsg::Editing { step, open: false } => {
                next.editing.remove(&step);
            }
            PageMsg::Expand { step, open } => {
                next.expanded.insert(step, open);
            }
            PageMsg::ExpandAll(None) => next.expanded.clear(),
            PageMsg::ExpandAll(Some(open)) => {
                next.expanded = (0..next.run.steps.len()).map(|i| (i, open)).collect();
            }
            PageMsg::ShowPanel { panel, focus } => {
                let serial = next.panel.map_or(0, |p| p.serial.wrapping_add(1));
                next.panel = Some(PanelRequest {
                    panel,
                    focus,
                    serial,
                });
                next.outline_open = false;
            }
            PageMsg::ClosePanel => next.panel = None,
            PageMsg::Outline(open) => {
                next.outline_open = open;
                if open {
                    next.panel = None;
                }
            }
        }
        Rc::new(next)
    }
}
