//! Copy as…: one step's request, as the card shows it, copied as a curl or a PowerShell command.

use walkthrough::{RenderedRequest, StepRequest};
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlDetailsElement, HtmlElement, HtmlTextAreaElement};
use yew::prelude::*;

use super::popover::Popover;
use crate::services::download::copy_text_confirmed;

#[derive(Properties, PartialEq, Clone)]
pub struct CopyAsProps {
    pub index: usize,
    pub title: AttrValue,
    /// The account the step runs as, other than the signed-in one.
    #[prop_or_default]
    pub run_as: Option<AttrValue>,
    pub rendered: RenderedRequest,
}

/// The shells a step can be copied for.
#[derive(Clone, Copy, PartialEq)]
enum Shell {
    Curl,
    PowerShell,
}

impl Shell {
    fn name(self) -> &'static str {
        match self {
            Shell::Curl => "curl",
            Shell::PowerShell => "PowerShell",
        }
    }
}

/// What the last copy did.
#[derive(Clone, PartialEq)]
enum Outcome {
    Copied(Shell),
    /// The browser refused the clipboard: the command is shown, selected, to copy by hand.
    Refused(Shell, String),
}

#[component]
pub fn CopyAs(props: &CopyAsProps) -> Html {
    let outcome = use_state(|| None::<Outcome>);
    let clear = use_mut_ref(|| None::<gloo_timers::callback::Timeout>);
    let manual = use_node_ref();
    // Shown after a refusal: the command, selected, so Ctrl+C copies it.
    {
        let manual = manual.clone();
        use_effect_with((*outcome).clone(), move |outcome| {
            if matches!(outcome, Some(Outcome::Refused(..))) {
                if let Some(area) = manual.cast::<HtmlTextAreaElement>() {
                    let _ = area.focus();
                    area.select();
                }
            }
        });
    }

    let on_copy = |shell: Shell| {
        let (outcome, clear) = (outcome.clone(), clear.clone());
        let props = props.clone();
        Callback::from(move |e: MouseEvent| {
            let step = StepRequest {
                number: props.index + 1,
                title: &props.title,
                run_as: props.run_as.as_deref(),
                request: &props.rendered,
            };
            let command = match shell {
                Shell::Curl => walkthrough::step_curl(&step),
                Shell::PowerShell => walkthrough::step_powershell(&step),
            };
            let details = e
                .target()
                .and_then(|t| t.dyn_into::<Element>().ok())
                .and_then(|t| t.closest("details").ok().flatten())
                .and_then(|d| d.dyn_into::<HtmlDetailsElement>().ok());
            let (outcome, clear) = (outcome.clone(), clear.clone());
            wasm_bindgen_futures::spawn_local(async move {
                if copy_text_confirmed(&command).await {
                    outcome.set(Some(Outcome::Copied(shell)));
                    // Done: the popover closes and focus goes back to its summary.
                    if let Some(details) = details {
                        details.set_open(false);
                        if let Some(summary) = details
                            .query_selector("summary")
                            .ok()
                            .flatten()
                            .and_then(|s| s.dyn_into::<HtmlElement>().ok())
                        {
                            let _ = summary.focus();
                        }
                    }
                    let outcome = outcome.clone();
                    *clear.borrow_mut() =
                        Some(gloo_timers::callback::Timeout::new(4_000, move || {
                            outcome.set(None)
                        }));
                } else {
                    *clear.borrow_mut() = None;
                    outcome.set(Some(Outcome::Refused(shell, command)));
                }
            });
        })
    };

    let number = props.index + 1;
    let said = match &*outcome {
        Some(Outcome::Copied(shell)) => {
            format!("Copied step {number} as a {} command.", shell.name())
        }
        Some(Outcome::Refused(shell, _)) => format!(
            "The browser did not allow copying: the {} command is selected below, copy it with Ctrl+C.",
            shell.name()
        ),
        None => String::new(),
    };
    let manual_copy = match &*outcome {
        Some(Outcome::Refused(shell, command)) => html! {
            <textarea class="mono copy-manual" ref={manual} readonly=true rows="6" spellcheck="false"
                aria-label={format!("Step {number} as a {} command", shell.name())}
                value={command.clone()} />
        },
        _ => Html::default(),
    };
    let token = walkthrough::step_token_variable(props.run_as.as_deref());
    let token_note = format!(
        "Without the token: the command reads it from {token} ($env:{token} in PowerShell)."
    );

    html! {
        <span class="copy-as-tools">
            <span class="copy-as-feedback" role="status">{ said }</span>
            <Popover label="Copy as…" class="copy-as"
                summary_label={AttrValue::from(format!("Copy as… step {number}'s request"))}>
                <button type="button" class="copy-curl" onclick={on_copy(Shell::Curl)}>{ "curl (bash)" }</button>
                <button type="button" class="copy-powershell" onclick={on_copy(Shell::PowerShell)}>{ "PowerShell" }</button>
                <p class="hint">{ token_note }</p>
                { manual_copy }
            </Popover>
        </span>
    }
}
