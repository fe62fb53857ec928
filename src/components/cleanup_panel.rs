//! The cleanup ledger: everything the run created, what cleanup did to each, and what is left.

use walkthrough::{CleanupStatus, Ledger};
use yew::prelude::*;

use crate::state::{Command, Ptr};

#[derive(Properties, PartialEq, Clone)]
pub struct CleanupPanelProps {
    pub ledger: Ptr<Ledger>,
    pub busy: bool,
    pub on_command: Callback<Command>,
}

#[component]
pub fn CleanupPanel(props: &CleanupPanelProps) -> Html {
    let ledger = &props.ledger;
    let left = ledger.left().len();
    let busy = props.busy;
    // Focusable while it cannot act, like the toolbar's: pressing it must not lose the reader's focus.
    let unavailable = busy || left == 0;
    let on_cleanup = {
        let on_command = props.on_command.clone();
        Callback::from(move |_: MouseEvent| {
            if !unavailable {
                on_command.emit(Command::Cleanup)
            }
        })
    };

    html! {
        <section class="panel cleanup" aria-labelledby="cleanup-title">
            <h2 id="cleanup-title" tabindex="-1">{ "Cleanup" }</h2>
            if ledger.entries.is_empty() {
                <p class="empty">{ "Nothing created yet. Whatever the run creates is listed here, so it can be removed again." }</p>
            } else {
                <p class="cleanup-summary" aria-live="polite">
                    { if left == 0 { "Everything this run created has been removed.".to_string() }
                      else { format!("{left} of {} still in the tenant.", ledger.entries.len()) } }
                </p>
                <ul class="ledger">
                    { for ledger.entries.iter().enumerate().map(|(i, entry)| {
                        let (label, class) = cleanup_label(&entry.status);
                        html! {
                            <li key={i} class={classes!("ledger-entry", class)}>
                                <span class="ledger-label">{ entry.label.clone() }</span>
                                if let Some(id) = &entry.object_id {
                                    <code class="ledger-id">{ id.clone() }</code>
                                }
                                <span class={classes!("cleanup-status", class)}>{ label }</span>
                            </li>
                        }
                    }) }
                </ul>
                <button type="button" id="panel-clean-up" onclick={on_cleanup}
                    aria-disabled={unavailable.then_some("true")}>{ "Clean up" }</button>
            }
        </section>
    }
}

fn cleanup_label(status: &CleanupStatus) -> (String, &'static str) {
    match status {
        CleanupStatus::Pending => ("In the tenant".into(), "pending"),
        CleanupStatus::Removing => ("Removing…".into(), "removing"),
        CleanupStatus::Waiting => ("Waiting for removal…".into(), "removing"),
        CleanupStatus::Removed => ("Removed".into(), "removed"),
        CleanupStatus::Gone => ("Already gone".into(), "removed"),
        CleanupStatus::Failed(error) => (format!("Not removed: {error}"), "failed"),
    }
}
