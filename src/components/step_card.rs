//! One step of the tutorial: what it does, its request, and what came back.

use walkthrough::{RenderedRequest, RenderedSegment, Step, StepError, StepRecord, StepStatus};
use yew::prelude::*;

use super::prose::Prose;
use super::request_view::RequestView;
use super::response_view::ResponseView;
use crate::advice::{self, Situation};
use crate::shortfall::Shortfall;
use crate::state::{Command, Ptr, RunView};

#[derive(Properties, PartialEq, Clone)]
pub struct StepCardProps {
    pub index: usize,
    pub step: Ptr<Step>,
    pub status: StepStatus,
    pub record: Ptr<StepRecord>,
    pub rendered: RenderedRequest,
    /// Something else is running: the card's buttons wait.
    pub busy: bool,
    /// The reader's last action on this card was refused, and why.
    pub refusal: Option<StepError>,
    pub titles: Ptr<Vec<String>>,
    pub situation: Situation,
    /// The request editor is open: the card's Run buttons wait for it to be saved or cancelled.
    pub editing: bool,
    /// The step is on a path the tutorial's inputs did not choose, and why.
    #[prop_or_default]
    pub off_path: Option<String>,
    /// The account the step runs as, other than the signed-in one: its name and user principal name.
    #[prop_or_default]
    pub run_as: Option<(String, Option<String>)>,
    /// The card is open; folded, it is one line (number, title, status).
    #[prop_or(true)]
    pub expanded: bool,
    /// Cleanup has removed what this step created.
    #[prop_or_default]
    pub removed: bool,
    /// What the current token or account lacks for this step, known before it is sent (live mode).
    #[prop_or_default]
    pub shortfall: Option<Shortfall>,
    pub on_editing: Callback<(usize, bool)>,
    /// Open (true) or fold the card.
    #[prop_or_default]
    pub on_expand: Callback<(usize, bool)>,
    pub on_command: Callback<Command>,
}

#[derive(Properties, PartialEq, Clone)]
pub struct StepListProps {
    pub view: RunView,
    pub situation: Situation,
    /// Steps whose request editor is open.
    pub editing: std::collections::BTreeSet<usize>,
    /// Cards the reader opened or folded; the others are folded once they passed.
    #[prop_or_default]
    pub expanded: std::collections::BTreeMap<usize, bool>,
    /// For each step, what the current token or account lacks for it (empty: nothing known).
    #[prop_or_default]
    pub shortfalls: Vec<Option<Shortfall>>,
    pub on_editing: Callback<(usize, bool)>,
    #[prop_or_default]
    pub on_expand: Callback<(usize, bool)>,
    /// Open every card (`Some(true)`), fold every card (`Some(false)`).
    #[prop_or_default]
    pub on_expand_all: Callback<Option<bool>>,
    pub on_command: Callback<Command>,
}

/// Whether a card is open: as the reader left it, else open unless it passed. A card being edited is open.
pub fn is_expanded(
    index: usize,
    status: &StepStatus,
    editing: bool,
    chosen: &std::collections::BTreeMap<usize, bool>,
) -> bool {
    editing
        || chosen
            .get(&index)
            .copied()
            .unwrap_or(!matches!(status, StepStatus::Passed))
}

/// The id of a step's card element (used by `?step=` and the variables panel's links).
pub fn card_id(index: usize) -> String {
    format!("step-{}", index + 1)
}

/// A short label and a CSS state for a step's status.
pub fn status_label(status: &StepStatus) -> (String, &'static str) {
    match status {
        StepStatus::Idle => ("Not run".into(), "idle"),
        StepStatus::Blocked { .. } => ("Waiting for earlier steps".into(), "blocked"),
        StepStatus::Queued => ("Queued".into(), "queued"),
        StepStatus::Running => ("Running…".into(), "running"),
        StepStatus::Polling { attempt, .. } => {
            (format!("Checking again (attempt {attempt})…"), "running")
        }
        StepStatus::Retrying {
            attempt, reason, ..
        } => (
            format!("Retrying, attempt {attempt} ({reason})…"),
            "running",
        ),
        StepStatus::Passed => ("Passed".into(), "passed"),
        StepStatus::Failed(_) => ("Failed".into(), "failed"),
        StepStatus::Stale => ("Stale: run it again".into(), "stale"),
        StepStatus::Skipped => ("Skipped: an earlier step failed".into(), "skipped"),
    }
}

/// Cards built in the page's first render: about a screenful. The rest follow once it has been painted,
/// so the first card shows without waiting for the whole tutorial.
const FIRST_CARDS: usize = 3;

/// The cards of the whole tutorial. Each card gets exactly its own data, so a change to one step
/// re-renders that card alone. While the list is still filling in after the first paint it says so
/// with `aria-busy`.
#[component]
pub fn StepList(props: &StepListProps) -> Html {
    let view = &props.view;
    let all_shown = use_state(|| false);
    {
        let all_shown = all_shown.clone();
        use_effect_with((), move |_| {
            let pending = crate::services::clock::after_paint(move || all_shown.set(true));
            move || drop(pending)
        });
    }
    let on_command = props.on_command.clone();
    let titles = &view.titles;
    let busy = view.busy;
    let shown = if *all_shown {
        view.steps.len()
    } else {
        FIRST_CARDS
    };
    let filling = shown < view.steps.len();
    let cards = view.steps.iter().take(shown).enumerate().map(|(index, step)| {
        let refusal = view
            .refusal
            .as_ref()
            .filter(|r| r.step == Some(index))
            .map(|r| r.error.clone());
        let editing = props.editing.contains(&index);
        let expanded = is_expanded(index, &view.statuses[index], editing, &props.expanded);
        html! {
            <StepCard key={index} {index} step={step.clone()} status={view.statuses[index].clone()}
                {expanded} removed={view.removed.get(index).copied().unwrap_or(false)}
                on_expand={props.on_expand.clone()}
                record={view.records[index].clone()} rendered={view.rendered[index].clone()} {busy} {refusal}
                titles={titles.clone()} situation={props.situation.clone()}
                {editing} on_editing={props.on_editing.clone()}
                off_path={view.off_path.get(index).cloned().flatten()}
                run_as={view.run_as.get(index).cloned().flatten()}
                shortfall={props.shortfalls.get(index).cloned().flatten()}
                on_command={on_command.clone()} />
        }
    });
    let on_expand_all = props.on_expand_all.reform(|_: MouseEvent| Some(true));
    let on_collapse_all = props.on_expand_all.reform(|_: MouseEvent| Some(false));
    html! {
        <>
            <div class="steps-tools">
                <button type="button" class="link" id="expand-all" onclick={on_expand_all}>{ "Expand all" }</button>
                <button type="button" class="link" id="collapse-all" onclick={on_collapse_all}>{ "Collapse all" }</button>
            </div>
            <ol class="steps" aria-label="Steps" aria-busy={filling.then_some("true")}>{ for cards }</ol>
        </>
    }
}

#[component]
pub fn StepCard(props: &StepCardProps) -> Html {
    let index = props.index;
    let step = &props.step;
    let status = &props.status;
    let record = &props.record;
    let (label, state) = status_label(status);
    let busy = props.busy;
    let titles = &props.titles;

    // While the run is busy the buttons stay focusable (aria-disabled, clicks ignored): a disabled button
    // would drop the reader's focus to the page's start just after they pressed it.
    let on_run = {
        let on_command = props.on_command.clone();
        Callback::from(move |_: MouseEvent| {
            if !busy {
                on_command.emit(Command::RunStep(index))
            }
        })
    };
    let on_run_to = {
        let on_command = props.on_command.clone();
        Callback::from(move |_: MouseEvent| {
            if !busy {
                on_command.emit(Command::RunTo(index))
            }
        })
    };
    let title_id = format!("step-{}-title", index + 1);
    let status_id = format!("step-{}-status", index + 1);

    // A step of the other path: its title and why it does not run, nothing to press.
    if let Some(reason) = &props.off_path {
        return html! {
            <li class={classes!("step", "off-path")} id={card_id(index)} tabindex="-1"
                aria-labelledby={title_id.clone()} data-step={step.id.clone()} data-status="off-path">
                <header class="step-head">
                    <span class="step-number" aria-hidden="true">{ index + 1 }</span>
                    <h3 id={title_id}>{ step.title.clone() }</h3>
                    <span class="status off-path" id={status_id}>{ "Other path" }</span>
                </header>
                <p class="hint off-path-reason">{ format!("Not run: {reason}.") }</p>
            </li>
        };
    }
    let runs_as = props.run_as.as_ref().map(|(name, upn)| {
        let who = match upn {
            Some(upn) => format!("Runs as the {name}: {upn}"),
            None => format!("Runs as the {name}, once the step that creates that account has run"),
        };
        html! {
            <p class="runs-as" id={format!("step-{}-runs-as", index + 1)}>
                <span class="runs-as-badge">{ "Another account" }</span>{ " " }{ who }
                { if step.roles.is_empty() { ". That account needs no directory role for it" } else { "" } }
                { if props.situation.in_sandbox {
                    ". The sandbox signs this request as that user."
                } else {
                    ". It is sent with that account's own token, once they have signed in beside you (Other accounts, in the live panel); never with yours."
                } }
            </p>
        }
    });

    // Said before anything is sent: the in-page tenant refuses what it does not emulate.
    let sandbox_gap = props.situation.in_sandbox.then(|| {
        let url = rendered_url(&props.rendered);
        let path = url.trim_start_matches("https://graph.microsoft.com");
        let method = props.rendered.method.clone();
        (!sandbox::answers(&method, path)).then(|| html! {
            <p class="sandbox-gap" id={format!("step-{}-sandbox-gap", index + 1)}>
                <strong>{ "Live mode only: " }</strong>
                { format!("the sandbox tenant does not answer {method} {}, so in the sandbox this step is refused                            before it is sent. Switch to live mode to run it against your tenant.",
                          path.split('?').next().unwrap_or(path)) }
            </p>
        })
    }).flatten();

    let lacks = props.shortfall.as_ref().map(|shortfall| {
        let line = |class: &'static str, text: Option<String>| {
            text.map(|text| html! { <p class={class}><strong>{ "Before you run: " }</strong>{ text }</p> })
        };
        html! {
            <div class="lacks live-warning" id={format!("step-{}-lacks", index + 1)}>
                { for line("lacks-scopes", shortfall.scopes_text()) }
                { for line("lacks-roles", shortfall.roles_text()) }
            </div>
        }
    });
    let lack_mark = props.shortfall.as_ref().map(|shortfall| {
        let what = shortfall.outline_text();
        html! {
            <span class="lack-mark" title={capitalized(what)}>
                <span aria-hidden="true">{ "⚠" }</span>
                <span class="visually-hidden">{ format!("Before you run: {what}") }</span>
            </span>
        }
    });

    let expanded = props.expanded;
    let body_id = format!("step-{}-details", index + 1);
    let on_toggle = props
        .on_expand
        .reform(move |_: MouseEvent| (index, !expanded));
    let label = if props.removed {
        format!("{label}; removed by cleanup")
    } else {
        label
    };
    // Folded, the line also says what came back.
    let summary = (!expanded)
        .then(|| record.response.as_ref())
        .flatten()
        .map(|r| format!("{} · {} ms", r.status, r.elapsed_ms));

    html! {
        <li class={classes!("step", state, (!expanded).then_some("collapsed"), props.removed.then_some("removed"))}
            id={card_id(index)} tabindex="-1" aria-labelledby={title_id.clone()} data-step={step.id.clone()}
            data-status={state} data-removed={props.removed.then_some("true")}
            data-lacks={props.shortfall.is_some().then_some("true")}>
            <header class="step-head">
                <span class="step-number" aria-hidden="true">{ index + 1 }</span>
                <h3 id={title_id.clone()}>
                    // `elementtiming`: the browser reports when the title was first painted (the benchmark reads
                    // it). Element Timing counts only an element's own text, so it sits on the button.
                    <button type="button" class="card-toggle" aria-expanded={expanded.to_string()}
                        aria-controls={body_id.clone()} onclick={on_toggle} elementtiming="step-title">
                        { step.title.clone() }
                    </button>
                </h3>
                if let Some(summary) = summary {
                    <span class="step-summary mono">{ summary }</span>
                }
                { for lack_mark }
                <span class={classes!("status", state, props.removed.then_some("removed"))} id={status_id}>{ label }</span>
            </header>
            <div class="step-body" id={body_id} hidden={!expanded}>
            if props.removed {
                <p class="removed-note">
                    { if step.request.method.eq_ignore_ascii_case("GET") {
                        // The object an earlier step made, which this step looked up (and cleanup removes by its id).
                        "Cleanup removed the object this step looked up: the ids it captured no longer exist in the tenant."
                    } else {
                        "Cleanup removed what this step created: the ids it captured no longer exist in the tenant."
                    } }
                </p>
            }
            { for lacks }
            { for runs_as }
            { for sandbox_gap }
            <Prose text={AttrValue::from(step.prose.clone())} />
            if let Some(note) = &step.note {
                <aside class="note" aria-label="Note">
                    <strong>{ "Note: " }</strong>
                    <Prose text={AttrValue::from(note.clone())} />
                </aside>
            }
            if !step.scopes.is_empty() {
                <p class="scopes">
                    { "Permissions: " }
                    { for step.scopes.iter().map(|s| html! { <><code class="scope">{ s.clone() }</code>{ " " }</> }) }
                </p>
            }
            if !step.roles.is_empty() {
                <p class="scopes roles">
                    { if step.roles.len() == 1 { "Directory role: " } else { "Directory roles: " } }
                    { crate::advice::list(&step.roles.iter().map(String::as_str).collect::<Vec<_>>()) }
                    { " (least privileged; Global Administrator also works)" }
                </p>
            }
            <RequestView {index} rendered={props.rendered.clone()} titles={titles.clone()}
                editing={props.editing} on_editing={props.on_editing.reform(move |open| (index, open))}
                run_as={props.run_as.as_ref().map(|(name, _)| AttrValue::from(name.clone()))}
                on_command={props.on_command.clone()} />
            { guidance_notes(index, &props.rendered) }
            <div class="step-actions">
                <button type="button" class="run-step" onclick={on_run} disabled={props.editing}
                    aria-disabled={busy.then_some("true")} aria-describedby={title_id.clone()}>
                    { if matches!(status, StepStatus::Idle | StepStatus::Blocked { .. } | StepStatus::Skipped) { "Run" } else { "Run again" } }
                </button>
                <button type="button" class="run-to" onclick={on_run_to} disabled={props.editing}
                    aria-disabled={busy.then_some("true")} aria-describedby={title_id}>
                    { "Run to here" }
                </button>
                if props.editing {
                    <span class="hint" id={format!("step-{}-editing", index + 1)}>
                        { "Save or cancel the edit above to run this step." }
                    </span>
                }
            </div>
            if let Some(error) = props.refusal.clone() {
                <ErrorBox error={error} tutorial_steps={(**titles).clone()} scopes={step.scopes.clone()} roles={step.roles.clone()} situation={props.situation.clone()} run_as={props.run_as.as_ref().map(|(name, _)| name.clone())} />
            }
            if let StepStatus::Failed(error) = status {
                <ErrorBox error={error.clone()} tutorial_steps={(**titles).clone()} scopes={step.scopes.clone()} roles={step.roles.clone()} situation={props.situation.clone()} run_as={props.run_as.as_ref().map(|(name, _)| name.clone())} />
            }
            if let StepStatus::Blocked { missing } = status {
                <p class="blocked">
                    { "Waiting for: " }
                    { for missing.iter().map(|m| {
                        let what = m.var.clone().map(|v| format!("{{{{{v}}}}}")).unwrap_or_else(|| "an earlier step".into());
                        let from = m.provider
                            .and_then(|p| titles.get(p).map(|t| format!(" from step {} ({t})", p + 1)))
                            .unwrap_or_default();
                        html! { <span class="missing">{ format!("{what}{from}") }{ " " }</span> }
                    }) }
                </p>
            }
            if record.response.is_some() || !record.attempts.is_empty() {
                <ResponseView record={record.clone()} />
            }
            </div>
        </li>
    }
}

#[derive(Properties, PartialEq, Clone)]
pub struct ErrorBoxProps {
    pub error: StepError,
    pub tutorial_steps: Vec<String>,
    /// The permissions the step needs (for the advice after a 403).
    #[prop_or_default]
    pub scopes: Vec<String>,
    /// The least-privileged directory roles the step needs (for the advice after a 403).
    #[prop_or_default]
    pub roles: Vec<String>,
    /// The mode and what the token grants: the advice depends on them.
    pub situation: Situation,
    /// The account the step runs as, when not the reader's (`as:`).
    #[prop_or_default]
    pub run_as: Option<String>,
}

/// A step's error: what went wrong, Graph's code, message and request-id, and what to do about it. The
/// advice depends on the `Situation` (the mode, what the token grants).
#[component]
pub fn ErrorBox(props: &ErrorBoxProps) -> Html {
    let error = &props.error;
    let situation = &props.situation;
    let details = match error {
        StepError::Graph {
            status,
            code,
            message,
            request_id,
        } => html! {
            <dl class="graph-error">
                <dt>{ "Status" }</dt><dd>{ status }</dd>
                <dt>{ "Code" }</dt><dd><code>{ code.clone() }</code></dd>
                <dt>{ "Message" }</dt><dd>{ message.clone() }</dd>
                if let Some(id) = request_id {
                    <dt>{ "request-id" }</dt><dd><code>{ id.clone() }</code></dd>
                }
            </dl>
        },
        StepError::Template { var, provider } => {
            let from = provider
                .and_then(|p| {
                    props
                        .tutorial_steps
                        .get(p)
                        .map(|t| format!("step {} ({t})", p + 1))
                })
                .unwrap_or_else(|| {
                    "no step of this tutorial; set it in the variables panel".into()
                });
            html! { <p>{ format!("{{{{{var}}}}} has no value yet. It comes from {from}: run that step first.") }</p> }
        }
        StepError::InvalidJson {
            line,
            column,
            message,
        } => html! {
            <p>{ format!("The body is not valid JSON at line {line}, column {column}: {message}. Nothing was sent.") }</p>
        },
        StepError::Expectation { failures } => html! {
            <ul class="failures">
                { for failures.iter().map(|f| html! {
                    <li>{ format!("{}: expected {}, got {}", f.expectation, f.expected, f.actual) }</li>
                }) }
            </ul>
        },
        StepError::NotSent { failure } => html! { <p>{ advice::failure_detail(failure) }</p> },
        other => html! { <p>{ other.to_string() }</p> },
    };
    html! {
        <div class="error-box" role="alert">
            <p class="error-title"><strong>{ advice::title(error) }</strong></p>
            { details }
            <p class="hint">{ advice::hint_as(props.run_as.as_deref(), error, &props.scopes, &props.roles, situation) }</p>
        </div>
    }
}

/// The request's notes for production code, folded away: a reader opens them when they want them.
fn guidance_notes(index: usize, rendered: &RenderedRequest) -> Html {
    let notes = crate::guidance::guidance(rendered);
    if notes.is_empty() {
        return Html::default();
    }
    let count = notes.len();
    html! {
        <details class="guidance" id={format!("step-{}-guidance", index + 1)}>
            <summary>{ format!("{count} note{} for your own code", if count == 1 { "" } else { "s" }) }</summary>
            <ul>
                { for notes.iter().map(|note| html! { <li>{ note.text() }</li> }) }
            </ul>
        </details>
    }
}

/// `text` with its first letter in capitals.
fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// The request's address as it will be sent (a variable not known yet stands as its name).
fn rendered_url(rendered: &RenderedRequest) -> String {
    rendered
        .url
        .iter()
        .map(|segment| match segment {
            RenderedSegment::Text(text) => text.clone(),
            RenderedSegment::Var { name, value, .. } => {
                value.clone().unwrap_or_else(|| name.clone())
            }
        })
        .collect()
}
