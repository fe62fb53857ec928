//! The top-level component: picks the tutorial, owns the run's state and the transport, lays out the page.

use std::rc::Rc;

use walkthrough::{builtin_catalog, BuiltinTutorial, Tutorial};
use yew::prelude::*;

use crate::advice::Situation;
use crate::components::{
    cleanup_panel::CleanupPanel, live_panel::LivePanel, notice_bar::NoticeBar,
    sandbox_panel::SandboxPanel, step_card::StepList, toolbar::Toolbar,
    tutorial_intro::TutorialIntro, variables_panel::VariablesPanel,
};
use crate::context::{fresh_options, SandboxHandle, Shared};
use crate::hooks::{use_driver, use_live};
use crate::services::clock::{next_frame, now_ms, AfterPaint};
use crate::services::in_page_sandbox::InPageSandbox;
use crate::services::live_state::Mode;
use crate::services::live_transport::LiveTransport;
use crate::services::params::Params;
use crate::services::storage;
use crate::services::transport::Transport;
use crate::state::{Command, Explorer, Msg, Notice, Tone};

/// The in-page sandbox answers after this many milliseconds unless `?latency=` says otherwise.
pub const DEFAULT_LATENCY_MS: u32 = 300;

#[derive(Properties, PartialEq, Clone)]
pub struct AppProps {
    /// Overrides the page's URL parameters (tests mount the app with their own).
    #[prop_or_default]
    pub params: Option<Rc<Params>>,
    /// Save the run to localStorage and restore it after a reload.
    #[prop_or(true)]
    pub persist: bool,
}

impl Default for AppProps {
    /// What the page itself uses: parameters from its URL, and the run saved across reloads.
    fn default() -> Self {
        AppProps {
            params: None,
            persist: true,
        }
    }
}

fn pick_tutorial(tutorials: &[BuiltinTutorial], wanted: Option<&str>) -> Tutorial {
    wanted
        .and_then(|id| tutorials.iter().find(|t| t.id == id))
        .or_else(|| tutorials.first())
        .expect("the built-in tutorials are compiled in")
        .load()
}

#[component]
pub fn App(props: &AppProps) -> Html {
    let params = use_memo(props.params.clone(), |given| {
        given.as_deref().cloned().unwrap_or_else(Params::from_page)
    });
    let tutorials = use_memo((), |_| builtin_catalog());
    let sandbox_settled = use_state(|| false);
    let sandbox = use_memo((), {
        let latency = params.latency_ms.unwrap_or(DEFAULT_LATENCY_MS);
        let delivery = params.delivery_ms;
        let persist = props.persist;
        let (seed, faults) = (params.seed, params.faults.clone());
        let settled = sandbox_settled.setter();
        move |_| {
            let sandbox = InPageSandbox::load_or_new(persist, latency, delivery, seed);
            sandbox.apply_fault_params(&faults);
            sandbox.on_ready(move || settled.set(true));
            SandboxHandle(sandbox)
        }
    });
    let explorer = use_reducer({
        // Only the first render builds the run: the tutorial is parsed here, inside the initializer.
        let (tutorials, wanted) = (tutorials.clone(), params.tutorial.clone());
        move || {
            let tutorial = pick_tutorial(&tutorials, wanted.as_deref());
            Explorer::new(walkthrough::Run::new(tutorial, fresh_options()))
        }
    });

    // Settings may come from the page's own URL; tests that pass their own parameters set them in the form.
    let query = props.params.is_none().then(|| {
        web_sys::window()
            .and_then(|w| w.location().search().ok())
            .unwrap_or_default()
    });
    let live = use_live(
        params.mode.clone(),
        query,
        props.persist,
        explorer.run().tutorial().scopes.clone(),
    );
    let transport: Rc<dyn Transport> = if *live.mode == Mode::Live {
        Rc::new(LiveTransport {
            session: live.session.0.clone(),
            graph_base_url: live.settings().graph_base_url,
        })
    } else {
        Rc::new(sandbox.0.clone())
    };
    // The tenant is saved right after the run, in the same task: a run saved without the tenant it
    // describes only costs a 404 at cleanup, but a tenant saved without its run would hide objects from it.
    let save_sandbox = {
        let sandbox = sandbox.0.clone();
        let persist = props.persist;
        Callback::from(move |()| {
            if persist {
                sandbox.save();
            }
        })
    };
    use_driver(&explorer, transport, props.persist, save_sandbox);

    // After a reload: pick the saved run back up.
    {
        let explorer = explorer.clone();
        let persist = props.persist;
        let wanted = params.tutorial.clone();
        use_effect_with((), move |_| {
            if persist {
                if let Some(saved) = storage::load_run() {
                    let same_tutorial = wanted
                        .as_deref()
                        .is_none_or(|id| id == saved.run.tutorial().id);
                    if same_tutorial {
                        let (passed, total) = saved.run.progress();
                        let left = saved.run.ledger().left().len();
                        let unfinished = passed < total;
                        explorer.dispatch(Msg::Restore(Box::new(saved.run), now_ms()));
                        explorer.dispatch(Msg::Notify(Notice {
                            text: format!(
                                "Picked up your run where it was: {passed} of {total} steps passed, {left} object{} on the cleanup ledger.{}",
                                if left == 1 { "" } else { "s" },
                                if unfinished { " Run all finishes it; Clean up removes what it created." } else { "" }
                            ),
                            tone: Tone::Info,
                        }));
                    }
                }
            }
        });
    }

    // The tenant's module is asked for in the frame that paints the first cards (the fetch costs that paint
    // nothing), and only when the sandbox is in use.
    {
        let sandbox = sandbox.0.clone();
        let in_sandbox = *live.mode != Mode::Live;
        let pending = use_mut_ref(|| None::<AfterPaint>);
        use_effect_with(in_sandbox, move |in_sandbox| {
            if *in_sandbox && !sandbox.is_ready() {
                *pending.borrow_mut() = Some(next_frame(move || {
                    wasm_bindgen_futures::spawn_local(async move {
                        // A failure is shown by the sandbox panel and by any step sent to the tenant.
                        let _ = sandbox.ready().await;
                    })
                }));
            }
        });
    }

    crate::hooks::use_focus_step(params.step.clone(), &explorer);
    crate::hooks::use_embed_height(params.embed, params.origin.clone());

    let on_command = {
        let dispatcher = explorer.dispatcher();
        use_callback((), move |command: Command, _| {
            dispatcher.dispatch(Msg::Engine(command.at(now_ms())))
        })
    };
    let shared = Shared {
        on_command,
        explorer: explorer.clone(),
        sandbox: (*sandbox).clone(),
        sandbox_settled: *sandbox_settled || sandbox.0.is_ready(),
        tutorials: tutorials.clone(),
        embed: params.embed,
        live: live.clone(),
    };
    let situation = Situation {
        in_sandbox: *live.mode != Mode::Live,
        granted: live
            .state
            .claims
            .as_ref()
            .map(|claims| claims.scopes.clone()),
    };
    let class = classes!("app", params.embed.then_some("embed"));

    html! {
        <ContextProvider<Shared> context={shared}>
        <ContextProvider<Situation> context={situation}>
            <div {class}>
                <header class="app-header">
                    if !params.embed {
                        <div class="brand-row">
                            <h1 class="brand">{ "graphwalk" }</h1>
                            <p class="tagline">{ "Microsoft Graph tutorials, one request at a time" }</p>
                        </div>
                    }
                    <Toolbar />
                </header>
                <NoticeBar />
                <div class="layout">
                    <main id="tutorial" class="tutorial" aria-label="Tutorial">
                        <TutorialIntro />
                        <StepList />
                    </main>
                    <aside class="side" aria-label="Run details">
                        <VariablesPanel />
                        <CleanupPanel />
                        if *live.mode == Mode::Live {
                            <LivePanel />
                        } else {
                            <SandboxPanel />
                        }
                    </aside>
                </div>
            </div>
        </ContextProvider<Situation>>
        </ContextProvider<Shared>>
    }
}
