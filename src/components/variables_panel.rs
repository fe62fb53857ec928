//! Every variable of the run: its value, where it came from, and whether it is stale. Values can be edited;
//! the steps that used an edited value are marked stale.

use walkthrough::{StepError, VarSource, Variables};
use wasm_bindgen::JsCast;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::step_card::ErrorBox;
use crate::advice::Situation;
use crate::state::{Command, Ptr};

#[derive(Properties, PartialEq, Clone)]
pub struct VariablesPanelProps {
    pub variables: Ptr<Variables>,
    pub titles: Ptr<Vec<String>>,
    /// The accounts other than the signed-in one that steps run as.
    #[prop_or_default]
    pub identities: Vec<walkthrough::Identity>,
    /// The tutorial's inputs: a chosen value is shown by its choice's name (a role's name, not its id).
    #[prop_or_default]
    pub inputs: Vec<walkthrough::Input>,
    /// A value typed in here that the run refused: it belongs to no card, so it is shown here.
    pub refusal: Option<StepError>,
    pub situation: Situation,
    pub on_command: Callback<Command>,
}

#[component]
pub fn VariablesPanel(props: &VariablesPanelProps) -> Html {
    let titles = &props.titles;
    let variables = &props.variables;
    let editing = use_state(|| None::<(String, String)>);
    let revealed = use_state(|| false);
    // Focus follows the edit: into the field when it opens, back to the row's Edit button when it closes.
    {
        let open = editing.as_ref().map(|(name, _)| name.clone());
        let last = use_mut_ref(|| None::<String>);
        use_effect_with(open, move |open| {
            let closed = std::mem::replace(&mut *last.borrow_mut(), open.clone());
            let target = match (open, closed) {
                (Some(name), _) => Some(format!("var-input-{name}")),
                (None, Some(name)) => Some(format!("var-edit-{name}")),
                (None, None) => None,
            };
            if let Some(id) = target {
                crate::hooks::focus_id(&id);
            }
        });
    }

    let rows = variables.iter().map(|(name, var)| {
        let source = match &var.source {
            VarSource::Capture { step, path } => html! {
                <>
                    <a href={format!("#step-{}", step + 1)}>{ format!("Step {}", step + 1) }</a>
                    { format!(" {} ", titles.get(*step).cloned().unwrap_or_default()) }
                    <code class="path">{ path.clone() }</code>
                </>
            },
            VarSource::Builtin => html! { { "Built in (this run)" } },
            VarSource::Input => html! { { "Your choice" } },
            VarSource::Manual => html! { { "Set by hand" } },
        };
        let secret = name == "run.password";
        let shown = if secret && !*revealed { "••••••••••••".to_string() } else { var.value.clone() };
        let is_editing = editing.as_ref().is_some_and(|(n, _)| n == name);
        let value_cell = if is_editing {
            let on_input = {
                let editing = editing.clone();
                let name = name.clone();
                Callback::from(move |e: InputEvent| {
                    let value = e.target_unchecked_into::<HtmlInputElement>().value();
                    editing.set(Some((name.clone(), value)));
                })
            };
            let on_save = {
                let editing = editing.clone();
                let on_command = props.on_command.clone();
                let name = name.clone();
                Callback::from(move |e: SubmitEvent| {
                    e.prevent_default();
                    // The field's own value: an input event may not have reached the state yet.
                    let typed = e
                        .target()
                        .and_then(|t| t.dyn_into::<web_sys::HtmlFormElement>().ok())
                        .and_then(|form| form.query_selector("input").ok().flatten())
                        .and_then(|input| input.dyn_into::<HtmlInputElement>().ok())
                        .map(|input| input.value());
                    let value = typed.or_else(|| editing.as_ref().map(|(_, v)| v.clone()));
                    if let Some(value) = value {
                        on_command.emit(Command::SetVariable { name: name.clone(), value });
                    }
                    editing.set(None);
                })
            };
            let on_cancel = {
                let editing = editing.clone();
                Callback::from(move |_: MouseEvent| editing.set(None))
            };
            let value = editing.as_ref().map(|(_, v)| v.clone()).unwrap_or_default();
            html! {
                <form class="var-edit" onsubmit={on_save}>
                    <input class="mono" id={format!("var-input-{name}")} aria-label={format!("New value for {name}")} {value} oninput={on_input} />
                    <button type="submit">{ "Save" }</button>
                    <button type="button" onclick={on_cancel}>{ "Cancel" }</button>
                </form>
            }
        } else {
            let on_edit = {
                let editing = editing.clone();
                let pair = (name.clone(), var.value.clone());
                Callback::from(move |_: MouseEvent| editing.set(Some(pair.clone())))
            };
            let choice = name
                .strip_prefix("input.")
                .and_then(|input| props.inputs.iter().find(|i| i.name == input))
                .and_then(|input| input.choices.iter().find(|c| c.value == var.value))
                .map(|c| c.label.clone());
            html! {
                <>
                    if let Some(choice) = choice {
                        <span class="var-choice">{ choice }</span>{ " " }
                    }
                    <span class="mono var-value">{ shown }</span>
                    <button type="button" class="link" id={format!("var-edit-{name}")} onclick={on_edit} aria-label={format!("Edit {name}")}>{ "Edit" }</button>
                </>
            }
        };
        html! {
            <tr key={name.clone()} class={classes!(var.stale.then_some("stale"))} data-var={name.clone()}>
                <th scope="row"><code>{ name.clone() }</code>
                    if var.stale { <span class="stale-badge">{ " stale" }</span> }
                </th>
                <td>{ value_cell }</td>
                <td class="source">{ source }</td>
            </tr>
        }
    });

    let on_reveal = {
        let revealed = revealed.clone();
        Callback::from(move |_: MouseEvent| revealed.set(!*revealed))
    };

    let refusal = props.refusal.clone();

    html! {
        <section class="panel variables" aria-labelledby="variables-title">
            <h2 id="variables-title" tabindex="-1">{ "Variables" }</h2>
            if let Some(error) = refusal {
                <ErrorBox {error} tutorial_steps={(**titles).clone()} situation={props.situation.clone()} />
            }
            if variables.is_empty() {
                <p class="empty">{ "Values captured from responses appear here." }</p>
            } else {
                <div class="table-scroll">
                    <table>
                        <thead><tr><th scope="col">{ "Name" }</th><th scope="col">{ "Value" }</th><th scope="col">{ "From" }</th></tr></thead>
                        <tbody>{ for rows }</tbody>
                    </table>
                </div>
                if !props.identities.is_empty() {
                    <h3 class="identities-title">{ "Accounts" }</h3>
                    <ul class="identities">
                        { for props.identities.iter().map(|identity| identity_row(identity, variables)) }
                    </ul>
                }
                if variables.get("run.password").is_some() {
                    <button type="button" class="link" onclick={on_reveal} aria-pressed={revealed.to_string()}>
                        { if *revealed { "Hide the test users' password" } else { "Show the test users' password" } }
                    </button>
                }
            }
        </section>
    }
}

/// One account a step runs as: who it is in this run, and how it signs in.
fn identity_row(identity: &walkthrough::Identity, variables: &Variables) -> Html {
    let lookup = |name: &str| variables.get(name).map(|v| v.value.clone());
    let upn = identity
        .upn
        .render(walkthrough::TemplateContext::Header, &lookup)
        .ok();
    let who = match &upn {
        Some(upn) => html! { <><code>{ upn.clone() }</code>{ "." }</> },
        None => html! { <span class="hint">{ "not created yet." }</span> },
    };
    let password = identity
        .password
        .as_ref()
        .map(|p| p.source() == "{{run.password}}")
        .unwrap_or(false);
    html! {
        <li data-identity={identity.name.clone()}>
            <strong>{ identity.name.clone() }</strong>{ ": " }{ who }
            if password {
                <span class="hint">{ format!(" The {} signs in with the test users' password ({{{{run.password}}}}); Entra asks for a new one at the first sign-in when the account was created with forceChangePasswordNextSignIn.", identity.name) }</span>
            }
        </li>
    }
}
