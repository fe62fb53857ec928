//! Carries out what the runner asks for: sends requests through the transport, wakes it on time,
//! and saves the run after each change. `then_save` runs right after each save, in the same task, so what
//! else must match the run (the in-page sandbox tenant) is saved with it: no moment exists when one is
//! saved and the other not.

use std::cell::RefCell;
use std::rc::Rc;

use gloo_timers::callback::Timeout;
use walkthrough::{Action, Event};
use yew::prelude::*;

use crate::services::clock::now_ms;
use crate::services::storage;
use crate::services::transport::Transport;
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
    let wake = use_mut_ref(|| None::<Timeout>);
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
            let dispatcher = state.dispatcher();
            let generation = state.generation;
            for action in state.take_actions() {
                match action {
                    Action::Send {
                        request_id,
                        request,
                        ..
                    } => {
                        let reply = transport.send(request);
                        let dispatcher = dispatcher.clone();
                        wasm_bindgen_futures::spawn_local(async move {
                            let reply = reply.await;
                            if let Ok(response) = &reply {
                                if response.body().len() > LARGE_BODY {
                                    // Receiving a large body was one task; parsing it is the next. Between
                                    // them the page can paint and answer input.
                                    gloo_timers::future::TimeoutFuture::new(0).await;
                                }
                            }
                            let event = match reply {
                                Ok(response) => Event::Response {
                                    request_id,
                                    response,
                                    now_ms: now_ms(),
                                },
                                Err(error) => Event::NetworkError {
                                    request_id,
                                    message: error.to_string(),
                                    now_ms: now_ms(),
                                },
                            };
                            dispatcher.dispatch(Msg::Reply { generation, event });
                        });
                    }
                    Action::WakeAt(at_ms) => {
                        let delay = at_ms.saturating_sub(now_ms()).min(u32::MAX as u64) as u32;
                        let dispatcher = dispatcher.clone();
                        *wake.borrow_mut() = Some(Timeout::new(delay, move || {
                            dispatcher.dispatch(Msg::Reply {
                                generation,
                                event: Event::Tick { now_ms: now_ms() },
                            });
                        }));
                    }
                    _ => {}
                }
            }
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

/// Saves the run as it is now. The handle reads the reducer's current state, which a dispatch updates at
/// once: a response handled just before a reload is saved even if the page hides before the effect that
/// follows its render has run (the tenant already holds what that response created).
fn flush(latest: &Rc<RefCell<Option<UseReducerHandle<Explorer>>>>) {
    let current = latest.borrow().clone();
    if let Some(state) = current {
        if let Err(error) = storage::save_run(&state.run, now_ms()) {
            gloo_console_warn(&format!("graphwalk could not save the run: {error}"));
        }
    }
}

fn gloo_console_warn(message: &str) {
    web_sys::console::warn_1(&message.into());
}
