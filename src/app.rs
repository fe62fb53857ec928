//! The top-level component: picks the tutorial, sets up the run's owner and the transport, wires the
//! page's state to the components as props and callbacks, and lays out the page.

use std::rc::Rc;

use walkthrough::{builtin_catalog, BuiltinTutorial, ExportFormat, Run, Tutorial};
use yew::prelude::*;

use crate::advice::Situation;
use crate::components::{
    cleanup_panel::CleanupPanel, export_menu::ExportTo, import_review::ImportReviewPanel,
    live_panel::LivePanel, mode_note::ModeNote, notice_bar::NoticeBar, other_accounts,
    panel_bar::PanelBar, sandbox_panel::SandboxPanel, step_card::StepList, step_rail::StepRail,
    toolbar::Toolbar, tutorial_intro::TutorialIntro, variables_panel::VariablesPanel,
};
use crate::handles::{fresh_options, SandboxHandle};
use crate::hooks::use_live::{initial_live, initial_mode};
use crate::hooks::use_run::Setup;
use crate::hooks::use_switch::{fetch_tutorial, load_failed};
use crate::hooks::{use_live, use_run, use_switch};
use crate::services::clock::{next_frame, AfterPaint};
use crate::services::download;
use crate::services::in_page_sandbox::InPageSandbox;
use crate::services::live_state::{Credential, Mode};
use crate::services::live_transport::LiveTransport;
use crate::services::params::Params;
use crate::services::storage;
use crate::services::transport::Transport;
use crate::state::{
    unsaved_edit_in_the_way, Command, Notice, Page, PageMsg, Panel, PanelRequest, Tone,
};

/// Below this width the panels open one at a time in a drawer (static/style.css uses the same width).
const NARROW: &str = "(max-width: 899px)";

/// Brings a panel into view (within the panels' column, or its drawer) and, when asked, focuses its heading.
fn reveal(request: PanelRequest) {
    let document = gloo_utils::document();
    if let Some(panel) = document.get_element_by_id(request.panel.id()) {
        let options = web_sys::ScrollIntoViewOptions::new();
        options.set_block(web_sys::ScrollLogicalPosition::Nearest);
        panel.scroll_into_view_with_scroll_into_view_options(&options);
    }
    if request.focus {
        crate::hooks::focus_id(request.panel.title_id());
    }
}

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
    let persist = props.persist;
    let tutorials = use_memo((), |_| builtin_catalog());
    let sandbox = use_memo((), {
        let latency = params.latency_ms.unwrap_or(DEFAULT_LATENCY_MS);
        let delivery = params.delivery_ms;
        let (seed, faults) = (params.seed, params.faults.clone());
        move |_| {
            let sandbox = InPageSandbox::load_or_new(persist, latency, delivery, seed);
            sandbox.apply_fault_params(&faults);
            SandboxHandle(sandbox)
        }
    });
    // The mode is known before the first render, so the first transport is the right one.
    let first_mode = *use_memo((), {
        let wanted = params.mode.clone();
        move |_| initial_mode(wanted.as_deref(), persist)
    });
    let (run, page) = use_run(
        {
            // Only the first render builds the run: the tutorial is parsed here, inside the initializer.
            let (tutorials, wanted) = (tutorials.clone(), params.tutorial.clone());
            move || {
                let tutorial = pick_tutorial(&tutorials, wanted.as_deref());
                let options = fresh_options(&tutorial, first_mode);
                Run::new(tutorial, options)
            }
        },
        {
            let sandbox = sandbox.0.clone();
            move || Setup {
                transport: Rc::new(sandbox.clone()),
                persist,
                // The tenant is saved right after the run, in the same task: a run saved without the tenant
                // it describes only costs a 404 at cleanup, but a tenant saved without its run would hide
                // objects from it.
                then_save: Rc::new(move || sandbox.save()),
            }
        },
        {
            // Settings may come from the page's own URL; tests that pass their own parameters set them in
            // the form.
            let query = props.params.is_none().then(|| {
                web_sys::window()
                    .and_then(|w| w.location().search().ok())
                    .unwrap_or_default()
            });
            move |view| Page::new(view, first_mode, initial_live(query.as_deref(), persist))
        },
    );
    let live = use_live(&page, persist, page.run.tutorial.signed_in_scopes());
    // Requests go where the page's mode says, from this render on (before any effect can send).
    let transport: Rc<dyn Transport> = if page.mode == Mode::Live {
        Rc::new(LiveTransport {
            session: live.session.0.clone(),
            graph_base_url: live.settings().graph_base_url,
        })
    } else {
        Rc::new(sandbox.0.clone())
    };
    run.set_transport(transport);

    // The sandbox panel shows the tenant once it has loaded or failed to.
    {
        let sandbox = sandbox.0.clone();
        let dispatcher = page.dispatcher();
        use_effect_with((), move |_| {
            sandbox.on_ready(move || dispatcher.dispatch(PageMsg::SandboxSettled))
        });
    }

    // After a reload: pick the saved run back up.
    {
        let (run, dispatcher) = (run.clone(), page.dispatcher());
        let wanted = params.tutorial.clone();
        use_effect_with((), move |_| {
            if persist {
                if let Some(saved) = storage::load_run() {
                    let same_tutorial = wanted
                        .as_deref()
                        .is_none_or(|id| id == saved.run.tutorial().id);
                    if same_tutorial {
                        run.restore(saved.run);
                        // No counts here: the run goes on (polls, cleanup) and the toolbar and the cleanup
                        // panel keep them current; a count in this line would soon be wrong.
                        dispatcher.dispatch(PageMsg::Notify(Notice {
                            text: "Picked up your run from before the reload. The toolbar shows how far it got; \
                                   a step that was on its way when the page went away says so on its card."
                                .into(),
                            tone: Tone::Info,
                        }));
                    }
                }
            }
        });
    }

    // `?src=`: open the tutorial at that address, after any restore (a run that still holds objects is not
    // left behind without the reader's say: they are told to clean up first).
    {
        let (run, dispatcher, mode) = (run.clone(), page.dispatcher(), page.mode);
        let src = params.src.clone();
        use_effect_with((), move |_| {
            let Some(src) = src else { return };
            let left = run.view().left();
            if left > 0 {
                dispatcher.dispatch(PageMsg::Notify(Notice {
                    text: format!(
                        "This page was opened to load a tutorial from {src}, but the run from before still has \
                         {left} object{} in the tenant. Clean up first, then open it with Load….",
                        if left == 1 { "" } else { "s" }
                    ),
                    tone: Tone::Bad,
                }));
                return;
            }
            wasm_bindgen_futures::spawn_local(async move {
                match fetch_tutorial(&src).await {
                    Ok((tutorial, review)) => {
                        let options = fresh_options(&tutorial, mode);
                        dispatcher.dispatch(PageMsg::Imported(review));
                        run.load(tutorial, options)
                    }
                    Err(error) => dispatcher.dispatch(PageMsg::Notify(load_failed(&src, &error))),
                }
            });
        });
    }

    // The tenant's module is asked for in the frame that paints the first cards (the fetch costs that paint
    // nothing), and only when the sandbox is in use.
    {
        let sandbox = sandbox.0.clone();
        let in_sandbox = page.mode != Mode::Live;
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

    let step_ids: Vec<String> = page.run.steps.iter().map(|s| s.id.clone()).collect();
    crate::hooks::use_focus_step(params.step.clone(), step_ids);
    crate::hooks::use_embed_height(params.embed, params.origin.clone());
    let switch = use_switch(&run, &page, tutorials.clone(), &live);

    // Callbacks keep their identity across renders, so a card whose data did not change is not rendered.
    // A step with its editor open is not run from its last saved request: the reader sees another one.
    // It holds only what it reads (never the page's handle, which would keep a whole snapshot alive).
    let refuse_unsaved = {
        let (editing, titles, dispatcher) = (
            page.editing.clone(),
            page.run.titles.clone(),
            page.dispatcher(),
        );
        move |command: &Command| -> bool {
            let Some(step) = unsaved_edit_in_the_way(&editing, command) else {
                return false;
            };
            let title = titles.get(step).cloned().unwrap_or_default();
            dispatcher.dispatch(PageMsg::Notify(Notice {
                text: format!(
                    "Step {} ({title}) has an edit that is not saved. Save or cancel it first; nothing was sent.",
                    step + 1
                ),
                tone: Tone::Bad,
            }));
            true
        }
    };
    let on_command = use_callback(
        (
            run.clone(),
            page.editing.clone(),
            page.run.titles.clone(),
            page.dispatcher(),
        ),
        {
            let refuse_unsaved = refuse_unsaved.clone();
            move |command: Command, (run, _, _, dispatcher)| {
                if refuse_unsaved(&command) {
                    return;
                }
                // The card the reader ran stays open to show its result; a whole run folds cards as they pass.
                match command {
                    Command::RunStep(step) | Command::RunTo(step) => {
                        dispatcher.dispatch(PageMsg::Expand { step, open: true })
                    }
                    Command::RunAll | Command::Reset => {
                        dispatcher.dispatch(PageMsg::ExpandAll(None));
                        // A notice about the run before (cleanup finished, picked up after a reload) is stale now.
                        dispatcher.dispatch(PageMsg::DismissNotice);
                    }
                    _ => {}
                }
                run.command(command)
            }
        },
    );
    let on_expand = use_callback(page.dispatcher(), |(step, open), dispatcher| {
        dispatcher.dispatch(PageMsg::Expand { step, open })
    });
    let on_expand_all = use_callback(page.dispatcher(), |open, dispatcher| {
        dispatcher.dispatch(PageMsg::ExpandAll(open))
    });
    // The embedded layout always opens panels one at a time, in place (see static/style.css).
    let narrow = crate::hooks::use_media(NARROW) || params.embed;
    let open_panel = page.panel.map(|p| p.panel);
    let on_panel = use_callback(
        (page.dispatcher(), open_panel, narrow),
        |panel: Panel, (dispatcher, open, narrow)| {
            // On a narrow screen the button opens and closes its drawer; elsewhere it brings the panel into view.
            if *narrow && *open == Some(panel) {
                dispatcher.dispatch(PageMsg::ClosePanel)
            } else {
                dispatcher.dispatch(PageMsg::ShowPanel { panel, focus: true })
            }
        },
    );
    let on_close_panel = use_callback(page.dispatcher(), |(), dispatcher| {
        dispatcher.dispatch(PageMsg::ClosePanel)
    });
    let on_outline = use_callback(page.dispatcher(), |open: bool, dispatcher| {
        dispatcher.dispatch(PageMsg::Outline(open))
    });
    let on_close_outline = use_callback(page.dispatcher(), |(), dispatcher| {
        dispatcher.dispatch(PageMsg::Outline(false))
    });
    let on_go = use_callback(page.dispatcher(), |step: usize, dispatcher| {
        dispatcher.dispatch(PageMsg::Expand { step, open: true });
        dispatcher.dispatch(PageMsg::Outline(false));
        crate::hooks::focus_card(step);
    });
    // The outline's drawer takes focus when it opens (so Esc and Tab work in it) and gives it back to its
    // button when it closes, unless a step chosen in it took focus.
    {
        let was_open = use_mut_ref(|| false);
        use_effect_with(page.outline_open, move |open| {
            let before = was_open.replace(*open);
            if *open && !before {
                crate::hooks::focus_id("step-rail-title");
            } else if !*open && before {
                let inside = gloo_utils::document().active_element().is_none_or(|e| {
                    e.tag_name().eq_ignore_ascii_case("body")
                        || e.closest("#step-rail").ok().flatten().is_some()
                });
                if inside {
                    crate::hooks::focus_id("show-outline");
                }
            }
        });
    }
    // The panel asked for comes into view once it is rendered (in its drawer, on a narrow screen).
    use_effect_with(page.panel, |request| {
        if let Some(request) = request {
            reveal(*request);
        }
    });
    // Choosing a mode brings its panel into view (Live: where to sign in), without taking focus from the
    // mode's radio buttons. A page that opens in live mode shows its panel from the start (in the embed and
    // on a phone, where panels are closed until asked for, it would otherwise be out of sight).
    {
        let dispatcher = page.dispatcher();
        let last = use_mut_ref(|| None::<Mode>);
        use_effect_with(page.mode, move |mode| {
            let before = last.borrow_mut().replace(*mode);
            let changed = before.is_some_and(|b| b != *mode);
            if changed || (before.is_none() && *mode == Mode::Live) {
                let panel = if *mode == Mode::Live {
                    Panel::Live
                } else {
                    Panel::Sandbox
                };
                dispatcher.dispatch(PageMsg::ShowPanel {
                    panel,
                    focus: false,
                });
            }
        });
    }
    let on_editing = use_callback(
        page.dispatcher(),
        |(step, open): (usize, bool), dispatcher| {
            dispatcher.dispatch(PageMsg::Editing { step, open })
        },
    );
    let on_run_all = use_callback(
        (
            run.clone(),
            page.mode,
            live.session.clone(),
            page.dispatcher(),
        ),
        |(), (run, mode, session, dispatcher)| {
            // In live mode, say what is missing up front rather than fail the first steps one by one.
            if *mode == Mode::Live && !session.0.has_source() {
                dispatcher.dispatch(PageMsg::NotifyAbout(
                    Notice {
                        text: "Live mode needs a token first: sign in, or paste an access token, in the live panel."
                            .into(),
                        tone: Tone::Bad,
                    },
                    Panel::Live,
                ));
                return;
            }
            run.command(Command::RunAll)
        },
    );
    let on_run_all = {
        let on_run_all = on_run_all.clone();
        use_callback(
            (on_run_all, page.editing.clone(), page.run.titles.clone()),
            move |(), (on_run_all, _, _)| {
                if !refuse_unsaved(&Command::RunAll) {
                    on_run_all.emit(())
                }
            },
        )
    };
    let on_export = use_callback(
        (run.clone(), page.dispatcher()),
        |(format, to): (ExportFormat, ExportTo), (run, dispatcher)| {
            let (id, text) = run.export(format);
            let notice = match to {
                ExportTo::File(extension) => {
                    download::save_text(&format!("{id}.{extension}"), &text)
                        .err()
                        .map(|error| Notice {
                            text: error,
                            tone: Tone::Bad,
                        })
                }
                ExportTo::Clipboard(name) => {
                    download::copy_text(&text);
                    Some(Notice {
                        text: format!("Copied the run as {name} to the clipboard. The access token is a placeholder."),
                        tone: Tone::Info,
                    })
                }
            };
            if let Some(notice) = notice {
                dispatcher.dispatch(PageMsg::Notify(notice));
            }
        },
    );
    let on_dismiss = use_callback(page.dispatcher(), |(), dispatcher| {
        dispatcher.dispatch(PageMsg::DismissNotice)
    });
    let on_notice_panel = use_callback(page.dispatcher(), |panel, dispatcher| {
        dispatcher.dispatch(PageMsg::ShowPanel { panel, focus: true })
    });

    let situation = Situation {
        in_sandbox: page.mode != Mode::Live,
        granted: page
            .live
            .claims
            .as_ref()
            .map(|claims| claims.scopes.clone()),
        second_sign_in: matches!(page.live.credential, Credential::Msal(_)),
    };
    let view = &page.run;
    let on_path: Vec<bool> = view.off_path.iter().map(Option::is_none).collect();
    let shortfalls = crate::shortfall::of_page(page.mode, &page.live, &view.tutorial, &on_path);
    let class = classes!("app", params.embed.then_some("embed"));
    let variables_refusal = view
        .refusal
        .as_ref()
        .filter(|r| r.step.is_none())
        .map(|r| r.error.clone());

    let slot = |panel: Panel, content: Html| {
        let chosen = open_panel == Some(panel);
        html! {
            <div id={panel.id()} class={classes!("panel-slot", chosen.then_some("chosen"))}>{ content }</div>
        }
    };
    let mode_panel = if page.mode == Mode::Live {
        html! {
            <LivePanel live={live.clone()} scopes={view.tutorial.signed_in_scopes()}
                accounts={other_accounts::slots(view)} one_account={other_accounts::one_account_choices(view)}
                on_command={on_command.clone()} />
        }
    } else {
        html! {
            <SandboxPanel sandbox={(*sandbox).clone()}
                settled={page.sandbox_settled || sandbox.0.is_ready()}
                changes={sandbox.0.changes()} />
        }
    };
    let (sandbox_panel, live_panel) = if page.mode == Mode::Live {
        (
            html! { <ModeNote mode={Mode::Sandbox} on_mode={switch.on_mode.clone()} /> },
            mode_panel,
        )
    } else {
        (
            mode_panel,
            html! { <ModeNote mode={Mode::Live} on_mode={switch.on_mode.clone()} /> },
        )
    };
    let drawer_open = narrow && open_panel.is_some();
    let on_drawer_key = {
        let on_close = on_close_panel.clone();
        Callback::from(move |e: KeyboardEvent| {
            if drawer_open && e.key() == "Escape" {
                on_close.emit(());
                if let Some(panel) = open_panel {
                    crate::hooks::focus_id(&format!("show-{}", panel.id()));
                }
            }
        })
    };

    html! {
        <div {class}>
            <a class="skip-link" href="#tutorial">{ "Skip to the steps" }</a>
            <a class="skip-link" href="#panel-bar">{ "Skip to the outline and panels" }</a>
            <header class="app-header">
                if !params.embed {
                    <div class="brand-row">
                        <h1 class="brand">{ "graphwalk" }</h1>
                        <p class="tagline">{ "Microsoft Graph tutorials, one request at a time" }</p>
                    </div>
                }
                <Toolbar tutorials={tutorials.clone()} current_id={view.tutorial.id.clone()}
                    current_title={view.tutorial.title.clone()} busy={view.busy} progress={view.progress}
                    failed={view.failed.clone()}
                    left={view.left()} mode={page.mode} embed={params.embed}
                    on_open={switch.on_open} on_mode={switch.on_mode.clone()} on_run_all={on_run_all}
                    on_command={on_command.clone()} {on_export} />
            </header>
            <NoticeBar notice={page.notice.clone()} {on_dismiss} panel={page.notice_panel}
                on_panel={on_notice_panel} />
            <div class="visually-hidden" id="announcer" role="status" aria-live="polite">
                { view.announcement.clone().unwrap_or_default() }
            </div>
            <div class="layout">
                <StepRail titles={view.titles.clone()} statuses={view.statuses.clone()}
                    off_path={view.off_path.clone()} current={view.current()} removed={view.removed.clone()}
                    shortfalls={shortfalls.clone()}
                    open={page.outline_open} {on_go} on_close={on_close_outline} />
                <main id="tutorial" class="tutorial" aria-label="Tutorial" tabindex="-1">
                    <TutorialIntro tutorial={view.tutorial.clone()} variables={view.variables.clone()}
                        started={view.progress.0 > 0 || !view.ledger.is_clean()}
                        on_command={on_command.clone()} />
                    if let Some(review) = page.import.clone().filter(|r| r.tutorial_id == view.tutorial.id) {
                        <ImportReviewPanel {review} tutorial={view.tutorial.clone()}
                            in_sandbox={situation.in_sandbox} on_apply={switch.on_apply_import.clone()} />
                    }
                    <StepList view={view.clone()} situation={situation.clone()} editing={page.editing.clone()}
                        expanded={page.expanded.clone()} {shortfalls} {on_expand} {on_expand_all}
                        {on_editing} on_command={on_command.clone()} />
                </main>
                <div class="side-column">
                    <PanelBar {narrow} open={open_panel} outline_open={page.outline_open} left={view.left()}
                        {on_panel} {on_outline} />
                    <aside id="panels" class={classes!("side", drawer_open.then_some("open"))} aria-label="Run details"
                        onkeydown={on_drawer_key}>
                        <div class="drawer-head">
                            <button type="button" class="drawer-close" onclick={on_close_panel.reform(|_: MouseEvent| ())}
                                aria-label="Close the panel">{ "Close" }</button>
                        </div>
                        { slot(Panel::Variables, html! {
                            <VariablesPanel variables={view.variables.clone()} titles={view.titles.clone()}
                                identities={view.tutorial.identities.clone()} inputs={view.tutorial.inputs.clone()}
                                refusal={variables_refusal} situation={situation.clone()} on_command={on_command.clone()} />
                        }) }
                        { slot(Panel::Cleanup, html! {
                            <CleanupPanel ledger={view.ledger.clone()} busy={view.busy} on_command={on_command.clone()} />
                        }) }
                        { slot(Panel::Sandbox, sandbox_panel) }
                        { slot(Panel::Live, live_panel) }
                    </aside>
                </div>
            </div>
        </div>
    }
}
