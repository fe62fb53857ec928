//! The steps' outline: every step with its status, where the run is, failures in red, one click to a card.
//! Beside the steps on wide screens, a drawer on narrow ones.

use walkthrough::StepStatus;
use yew::prelude::*;

use super::step_card::{card_id, status_label};
use crate::shortfall::Shortfall;
use crate::state::Ptr;

#[derive(Properties, PartialEq, Clone)]
pub struct StepRailProps {
    pub titles: Ptr<Vec<String>>,
    pub statuses: Vec<StepStatus>,
    /// For each step on the path not chosen, why it does not run.
    pub off_path: Vec<Option<String>>,
    /// Where the run is (`RunView::current`).
    pub current: Option<usize>,
    /// Steps whose objects cleanup has removed.
    #[prop_or_default]
    pub removed: Vec<bool>,
    /// For each step, what the current token or account lacks for it (empty: nothing known).
    #[prop_or_default]
    pub shortfalls: Vec<Option<Shortfall>>,
    /// Open as a drawer (narrow screens).
    pub open: bool,
    /// Go to a step's card.
    pub on_go: Callback<usize>,
    pub on_close: Callback<()>,
}

/// A mark that shows a status at a glance (the status is also said in words, for screen readers).
fn mark(state: &str) -> &'static str {
    match state {
        "passed" => "✓",
        "failed" => "✗",
        "running" | "queued" => "●",
        "stale" => "↻",
        "skipped" | "off-path" => "–",
        "blocked" => "…",
        _ => "○",
    }
}

#[component]
pub fn StepRail(props: &StepRailProps) -> Html {
    let items = props.titles.iter().enumerate().map(|(i, title)| {
        let off_path = props.off_path.get(i).is_some_and(Option::is_some);
        let (label, state) = match props.statuses.get(i) {
            _ if off_path => ("Other path".to_string(), "off-path"),
            Some(status) => status_label(status),
            None => ("Not run".to_string(), "idle"),
        };
        let removed = props.removed.get(i).copied().unwrap_or(false);
        let label = if removed { "Passed; removed by cleanup".to_string() } else { label };
        // Off the chosen path a step does not run, so it lacks nothing.
        let lacks = props
            .shortfalls
            .get(i)
            .and_then(Option::as_ref)
            .filter(|_| !off_path)
            .map(Shortfall::outline_text);
        let current = props.current == Some(i);
        let onclick = {
            let on_go = props.on_go.clone();
            Callback::from(move |e: MouseEvent| {
                e.prevent_default();
                on_go.emit(i)
            })
        };
        html! {
            <li key={i}>
                <a href={format!("#{}", card_id(i))} class={classes!("rail-link", state, current.then_some("current"))}
                    aria-current={current.then_some("step")} data-lacks={lacks.is_some().then_some("true")} {onclick}>
                    <span class="rail-mark" aria-hidden="true">{ mark(state) }</span>
                    <span class="rail-number">{ i + 1 }</span>
                    <span class="rail-title">{ title.clone() }</span>
                    if let Some(what) = lacks {
                        // A mark of its own beside the status's, said in words too: not colour alone.
                        <span class="rail-lack" aria-hidden="true" title={what}>{ "⚠" }</span>
                    }
                    <span class="visually-hidden">{ format!(": {label}") }</span>
                    if let Some(what) = lacks {
                        <span class="visually-hidden">{ format!("; {what}") }</span>
                    }
                </a>
            </li>
        }
    });
    let on_close = props.on_close.reform(|_: MouseEvent| ());
    let on_keydown = {
        let on_close = props.on_close.clone();
        let open = props.open;
        Callback::from(move |e: KeyboardEvent| {
            if open && e.key() == "Escape" {
                on_close.emit(())
            }
        })
    };
    html! {
        <nav id="step-rail" class={classes!("step-rail", props.open.then_some("open"))} aria-labelledby="step-rail-title"
            onkeydown={on_keydown}>
            <div class="rail-head">
                <h2 id="step-rail-title" tabindex="-1">{ "Steps" }</h2>
                <button type="button" class="drawer-close" onclick={on_close} aria-label="Close the steps outline">
                    { "Close" }
                </button>
            </div>
            <ol class="rail-list">{ for items }</ol>
        </nav>
    }
}
