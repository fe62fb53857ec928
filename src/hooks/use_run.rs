//! The one owner of the run. It holds the engine's `Run` and the clock, feeds the run each event with the
//! time, carries out what the run asks (send through the transport, wake it at a time, save it), and
//! publishes a plain snapshot of it into the page's reducer. Nothing else touches the `Run`.
//!
//! Like a network endpoint that owns a connection's state machine: events in, actions out, and the owner
//! alone does I/O. Replies to requests sent by an earlier run (before a Load or Restore) are dropped by
//! their generation.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::{Rc, Weak};
use std::task::{Context, Poll, Waker};

use gloo_timers::callback::Timeout;
use walkthrough::{export, Action, Event, ExportFormat, Run, RunOptions, Tutorial};
use yew::prelude::*;

use crate::services::clock::{now_ms, wake_at, Wake};
use crate::services::storage;
use crate::services::transport::{Outgoing, Reply, Transport};
use crate::state::{Notice, Page, PageMsg, Refusal, RunView, Tone};

/// How long to wait after the last change before saving; a page hide saves at once.
const SAVE_DELAY_MS: u32 = 150;

/// A body above this size (bytes) is handed to the run in a task of its own.
const LARGE_BODY: usize = 256 * 1024;

/// What the owner needs from the page around it.
pub struct Setup {
    /// Where requests go; replaced when the mode changes.
    pub transport: Rc<dyn Transport>,
    /// Save the run to localStorage after each change.
    pub persist: bool,
    /// Runs right after each save, in the same task: what must match the run (the in-page tenant) is saved
    /// with it, so no moment exists when one is saved and the other not.
    pub then_save: Rc<dyn Fn()>,
}

struct Owner {
    run: Run,
    /// Bumped by Load and Restore: replies and timers of the run before are dropped.
    generation: u64,
    refusal: Option<Refusal>,
    /// The last snapshot published, to share what did not change.
    view: RunView,
    setup: Setup,
    page: Option<UseReducerDispatcher<Page>>,
    wake: Option<Wake>,
    save: Option<Timeout>,
}

/// The handle the app holds: every change to the run goes through it.
#[derive(Clone)]
pub struct RunHandle(Rc<RefCell<Owner>>);

impl PartialEq for RunHandle {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

/// What a change to the run asks the page to show.
type Publish = Vec<PageMsg>;

impl RunHandle {
    fn new(run: Run, setup: Setup) -> RunHandle {
        let view = RunView::of(&run, None, None);
        RunHandle(Rc::new(RefCell::new(Owner {
            run,
            generation: 0,
            refusal: None,
            view,
            setup,
            page: None,
            wake: None,
            save: None,
        })))
    }

    /// Sends from now on through `transport` (the mode decides which).
    pub fn set_transport(&self, transport: Rc<dyn Transport>) {
        self.0.borrow_mut().setup.transport = transport;
    }

    /// The snapshot published last.
    pub fn view(&self) -> RunView {
        self.0.borrow().view.clone()
    }

    /// Feeds a reader's command to the run, stamped with the clock.
    pub fn command(&self, command: crate::state::Command) {
        self.handle(None, command.at(now_ms()));
    }

    /// Starts over with `tutorial`; whatever the old run had in flight is dropped.
    pub fn load(&self, tutorial: Tutorial, options: RunOptions) {
        self.replace(Run::new(tutorial, options), None);
    }

    /// Continues a run saved before a reload.
    pub fn restore(&self, run: Run) {
        self.replace(run, Some(Event::Resume { now_ms: now_ms() }));
    }

    /// The run exported in `format`, with the tutorial's id for a file name.
    pub fn export(&self, format: ExportFormat) -> (String, String) {
        let owner = self.0.borrow();
        (owner.run.tutorial().id.clone(), export(&owner.run, format))
    }

    /// Saves the run now (a page hide must not lose the last change).
    pub fn save_now(&self) {
        let then_save = {
            let owner = self.0.borrow();
            if !owner.setup.persist {
                return;
            }
            save(&owner.run);
            owner.setup.then_save.clone()
        };
        then_save();
    }

    fn replace(&self, run: Run, first: Option<Event>) {
        let generation = {
            let mut owner = self.0.borrow_mut();
            owner.run = run;
            owner.generation += 1;
            owner.refusal = None;
            owner.wake = None;
            owner.generation
        };
        match first {
            Some(event) => self.handle(Some(generation), event),
            None => {
                let publish = {
                    let mut owner = self.0.borrow_mut();
                    owner.schedule_save(self);
                    owner.publish(Vec::new())
                };
                self.dispatch(publish);
            }
        }
    }

    /// Feeds one event (for `generation`, when it is a reply or a timer) and carries out what follows.
    fn handle(&self, generation: Option<u64>, event: Event) {
        let publish = {
            let mut owner = self.0.borrow_mut();
            if generation.is_some_and(|g| g != owner.generation) {
                return;
            }
            let mut notices = Vec::new();
            owner.feed(self, event, &mut notices);
            owner.schedule_save(self);
            owner.publish(notices)
        };
        self.dispatch(publish);
    }

    fn dispatch(&self, publish: Publish) {
        let page = self.0.borrow().page.clone();
        if let Some(page) = page {
            for msg in publish {
                page.dispatch(msg);
            }
        }
    }

    fn weak(&self) -> Weak<RefCell<Owner>> {
        Rc::downgrade(&self.0)
    }
}

impl Owner {
    /// Feeds `event` and carries out what the run asks. A reply that is there at once (the in-page tenant
    /// with no latency) is fed in this same loop, so the chain of requests it sets off is done before the
    /// page renders, once, what it came to: no frame could have shown the states in between. A reply that
    /// takes time is fed from its own task, and the render of this change overlaps it.
    fn feed(&mut self, handle: &RunHandle, event: Event, notices: &mut Vec<Notice>) {
        let mut queue = VecDeque::from([event]);
        while let Some(event) = queue.pop_front() {
            let from_reader = !matches!(
                event,
                Event::Response { .. } | Event::SendFailed { .. } | Event::Tick { .. }
            );
            if from_reader {
                self.refusal = None;
            }
            for action in self.run.handle(event) {
                match action {
                    Action::Send {
                        request_id,
                        request,
                        scopes,
                        run_as,
                        ..
                    } => {
                        // The step's own scopes go with its request: the token is asked for exactly those.
                        let mut reply = self.setup.transport.send(Outgoing {
                            request,
                            scopes,
                            identity: run_as.map(|r| (r.identity, r.upn)),
                        });
                        match reply.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
                            Poll::Ready(reply) if !is_large(&reply) => {
                                queue.push_back(reply_event(request_id, reply))
                            }
                            polled => {
                                let (owner, generation) = (handle.weak(), self.generation);
                                wasm_bindgen_futures::spawn_local(async move {
                                    let reply = match polled {
                                        Poll::Ready(reply) => reply,
                                        Poll::Pending => reply.await,
                                    };
                                    if is_large(&reply) {
                                        // Receiving a large body was one task; parsing it is the next.
                                        // Between them the page can paint and answer input.
                                        gloo_timers::future::TimeoutFuture::new(0).await;
                                    }
                                    if let Some(owner) = owner.upgrade() {
                                        RunHandle(owner).handle(
                                            Some(generation),
                                            reply_event(request_id, reply),
                                        );
                                    }
                                });
                            }
                        }
                    }
                    Action::WakeAt(at_ms) => {
                        let (owner, generation) = (handle.weak(), self.generation);
                        // The tick is fed from a task of its own, after the timer's callback has returned:
                        // feeding it replaces (and drops) this timer, which must not happen while it runs.
                        self.wake = Some(wake_at(at_ms, move || {
                            wasm_bindgen_futures::spawn_local(async move {
                                if let Some(owner) = owner.upgrade() {
                                    RunHandle(owner)
                                        .handle(Some(generation), Event::Tick { now_ms: now_ms() });
                                }
                            })
                        }));
                    }
                    Action::Refused { step, error } => {
                        self.refusal = Some(Refusal { step, error });
                    }
                    Action::CleanupFinished { left } => notices.push(cleanup_notice(left)),
                    _ => {}
                }
            }
        }
    }

    fn publish(&mut self, notices: Vec<Notice>) -> Publish {
        self.view = RunView::of(&self.run, self.refusal.clone(), Some(&self.view));
        let mut publish = vec![PageMsg::Run(Box::new(self.view.clone()))];
        publish.extend(notices.into_iter().map(PageMsg::Notify));
        publish
    }

    /// Saves a little after the last change, so a burst of changes is saved once.
    fn schedule_save(&mut self, handle: &RunHandle) {
        if !self.setup.persist {
            return;
        }
        let owner = handle.weak();
        self.save = Some(Timeout::new(SAVE_DELAY_MS, move || {
            if let Some(owner) = owner.upgrade() {
                RunHandle(owner).save_now();
            }
        }));
    }
}

fn cleanup_notice(left: usize) -> Notice {
    if left == 0 {
        Notice {
            text: "Cleanup finished: everything this run created has been removed.".into(),
            tone: Tone::Good,
        }
    } else {
        Notice {
            text: format!(
                "Cleanup finished with {left} object{} left. See the cleanup panel for why, then try Clean up again.",
                if left == 1 { "" } else { "s" }
            ),
            tone: Tone::Bad,
        }
    }
}

fn save(run: &Run) {
    if let Err(error) = storage::save_run(run, now_ms()) {
        web_sys::console::warn_1(&format!("graphwalk could not save the run: {error}").into());
    }
}

fn is_large(reply: &Reply) -> bool {
    reply
        .as_ref()
        .is_ok_and(|response| response.body().len() > LARGE_BODY)
}

fn reply_event(request_id: u64, reply: Reply) -> Event {
    match reply {
        Ok(response) => Event::Response {
            request_id,
            response,
            now_ms: now_ms(),
        },
        Err(failure) => Event::SendFailed {
            request_id,
            failure,
            now_ms: now_ms(),
        },
    }
}

/// Creates the run's owner for `first` (built once), and the page's reducer with the run's first snapshot
/// and `page`'s other parts.
#[hook]
pub fn use_run(
    first: impl FnOnce() -> Run,
    setup: impl FnOnce() -> Setup,
    page: impl FnOnce(RunView) -> Page,
) -> (RunHandle, UseReducerHandle<Page>) {
    let handle = use_memo((), move |_| RunHandle::new(first(), setup()));
    let handle = (*handle).clone();
    let state = {
        let handle = handle.clone();
        use_reducer(move || page(handle.view()))
    };
    {
        let mut owner = handle.0.borrow_mut();
        if owner.page.is_none() {
            owner.page = Some(state.dispatcher());
        }
    }

    // A reload or a closed tab must not lose the last change.
    {
        let handle = handle.clone();
        use_effect_with((), move |_| {
            let listener = gloo_events::EventListener::new(&gloo_utils::window(), "pagehide", {
                move |_| handle.save_now()
            });
            move || drop(listener)
        });
    }
    (handle, state)
}
