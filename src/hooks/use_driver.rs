//! Carries out what the runner asks for: sends requests through the transport, wakes it on time,
//! and saves the run after each change. `then_save` runs right after each save, in the same task, so what
//! else must match the run (the in-page sandbox tenant) is saved with it: no moment exists when one is
//! saved and the other not.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use gloo_timers::callback::Timeout;
use walkthrough::{Action, Event};
use yew::prelude::*;

use crate::services::clock::{now_ms, wake_at, Wake};
use crate::services::storage;
use crate::services::transport::{Outgoing, Reply, Transport};
use crate::state::{Explorer, Msg};

/// How long to wait after the last change before saving; a page hide saves at once.
const SAVE_DELAY_MS: u32 = 150;

/// A body above this size (bytes) is handed to the runner in a task of its own.
const LARGE_BODY: usize = 256 * 1024;

#[hook]
pub fn use_driver(
    state: &UseReducerHandle<Explorer>,
    transport: Rc<dyn Transport>,
    persist: bool,
    then_save: Callback<()>,
) {
    let wake = use_mut_ref(|| None::<Wake>);
    let save = use_mut_ref(|| None::<Timeout>);
    let latest = use_mut_ref(|| None::<UseReducerHandle<Explorer>>);
    let mounted = use_mut_ref(|| false);

    {
        let state = state.clone();
        let wake = wake.clone();
        let save = save.clone();
        let latest = latest.clone();
        let mounted = mounted.clone();
        let then_save = then_save.clone();
        use_effect_with(state.rev, move |_| {
            // The state at mount is the fresh one (or what a restore is about to replace): nothing to save.
            let changed = std::mem::replace(&mut *mounted.borrow_mut(), true);
            pump(&state, &transport, &wake);
            if persist && changed {
                *latest.borrow_mut() = Some(state.clone());
                let latest = latest.clone();
                let then_save = then_save.clone();
                *save.borrow_mut() = Some(Timeout::new(SAVE_DELAY_MS, move || {
                    flush(&latest);
                    then_save.emit(());
                }));
            }
        });
    }

    // A reload or a closed tab must not lose the last change.
    use_effect_with(persist, move |persist| {
        let listener = persist.then(|| {
            let window = gloo_utils::window();
            gloo_events::EventListener::new(&window, "pagehide", move |_| {
                flush(&latest);
                then_save.emit(());
            })
        });
        move || drop(listener)
    });
}

/// Carries out what the runner has asked for and nobody has taken yet: sends its requests and sets its
/// wake-up timer.
///
/// A reply is handed to the runner and the runner's next requests are sent in the same task, before the page
/// renders the reply: the render (at the end of the task) then overlaps the next request instead of delaying
/// it. A reply that is there at once (the in-page tenant with no latency) is handed over in this same loop,
/// so the whole chain of requests it sets off is done before the page renders, once, what it came to; no
/// frame could have shown the states in between. The effect that follows each render pumps too, for what the
/// reader's own actions asked for.
fn pump(
    state: &UseReducerHandle<Explorer>,
    transport: &Rc<dyn Transport>,
    wake: &Rc<RefCell<Option<Wake>>>,
) {
    let mut at_once = VecDeque::new();
    loop {
        let generation = state.generation;
        for action in state.take_actions() {
            match action {
                Action::Send {
                    request_id,
                    request,
                    scopes,
                    ..
                } => {
                    // The step's own scopes go with its request: the token is asked for exactly those.
                    let mut reply = transport.send(Outgoing {
                        request,
                        scopes,
                        identity: None,
                    });
                    match reply.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
                        Poll::Ready(reply) if !is_large(&reply) => {
                            at_once.push_back((generation, reply_event(request_id, reply)))
                        }
                        polled => {
                            let (state, transport, wake) =
                                (state.clone(), transport.clone(), wake.clone());
                            wasm_bindgen_futures::spawn_local(async move {
                                let reply = match polled {
                                    Poll::Ready(reply) => reply,
                                    Poll::Pending => reply.await,
                                };
                                if is_large(&reply) {
                                    // Receiving a large body was one task; parsing it is the next. Between
                                    // them the page can paint and answer input.
                                    gloo_timers::future::TimeoutFuture::new(0).await;
                                }
                                // The dispatch updates the state at once; the render waits for the end of
                                // this task.
                                let event = reply_event(request_id, reply);
                                state.dispatch(Msg::Reply { generation, event });
                                pump(&state, &transport, &wake);
                            });
                        }
                    }
                }
                Action::WakeAt(at_ms) => {
                    let (state, transport) = (state.clone(), transport.clone());
                    // The timer's own slot: weak, so a pending timer does not keep itself alive.
                    let slot = Rc::downgrade(wake);
                    *wake.borrow_mut() = Some(wake_at(at_ms, move || {
                        // What the tick asks for is sent from a task queued before the dispatch, so it runs
                        // before the render the dispatch asks for, and after this callback has returned:
                        // the pump replaces (and drops) this timer, which it must not do while it runs.
                        let dispatcher = state.dispatcher();
                        wasm_bindgen_futures::spawn_local(async move {
                            if let Some(wake) = slot.upgrade() {
                                pump(&state, &transport, &wake);
                            }
                        });
                        dispatcher.dispatch(Msg::Reply {
                            generation,
                            event: Event::Tick { now_ms: now_ms() },
                        });
                    }));
                }
                _ => {}
            }
        }
        let Some((generation, event)) = at_once.pop_front() else {
            break;
        };
        state.dispatch(Msg::Reply { generation, event });
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

/// Saves the run as it is now. The handle reads the reducer's current state, which a dispatch updates at
/// once: a response handled just before a reload is saved even if the page hides before the effect that
/// follows its render has run (the tenant already holds what that response created).
fn flush(latest: &Rc<RefCell<Option<UseReducerHandle<Explorer>>>>) {
    let current = latest.borrow().clone();
    if let Some(state) = current {
        if let Err(error) = storage::save_run(&state.run(), now_ms()) {
            gloo_console_warn(&format!("graphwalk could not save the run: {error}"));
        }
    }
}

fn gloo_console_warn(message: &str) {
    web_sys::console::warn_1(&message.into());
}
