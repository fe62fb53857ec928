//! The tutorial's title, introduction, the permissions it needs, and its inputs (such as which role to assign).

use walkthrough::{Tutorial, Variables};
use web_sys::HtmlSelectElement;
use yew::prelude::*;

use super::prose::Prose;
use crate::state::{Command, Ptr};

#[derive(Properties, PartialEq, Clone)]
pub struct TutorialIntroProps {
    pub tutorial: Ptr<Tutorial>,
    pub variables: Ptr<Variables>,
    /// A step has passed or something was created: the inputs are fixed for this run.
    pub started: bool,
    pub on_command: Callback<Command>,
}

#[component]
pub fn TutorialIntro(props: &TutorialIntroProps) -> Html {
    let tutorial = &props.tutorial;
    let started = props.started;

    let inputs = tutorial.inputs.iter().map(|input| {
        // Inputs live among the run's variables as `input.<name>`, which is how requests refer to them.
        let var = format!("input.{}", input.name);
        let current = props
            .variables
            .get(&var)
            .map(|v| v.value.clone())
            .unwrap_or_else(|| input.default.clone());
        let on_change = {
            let on_command = props.on_command.clone();
            let name = var.clone();
            Callback::from(move |e: Event| {
                let select: HtmlSelectElement = e.target_unchecked_into();
                on_command.emit(Command::SetVariable { name: name.clone(), value: select.value() });
            })
        };
        let id = format!("input-{}", input.name);
        html! {
            <div class="field input" key={input.name.clone()}>
                <label for={id.clone()} class="field-label">{ input.label.clone() }</label>
                <select id={id} onchange={on_change} disabled={started}>
                    { for input.choices.iter().map(|c| html! {
                        <option value={c.value.clone()} selected={c.value == current}>{ c.label.clone() }</option>
                    }) }
                </select>
            </div>
        }
    });

    html! {
        <section class="intro" aria-labelledby="tutorial-title">
            <h2 id="tutorial-title">{ tutorial.title.clone() }</h2>
            <p class="meta">
                <span class="badge">{ format!("Graph {}", tutorial.api_version) }</span>
                { " Needs: " }
                { for tutorial.scopes.iter().map(|s| html! { <><code class="scope">{ s.clone() }</code>{ " " }</> }) }
            </p>
            <Prose text={AttrValue::from(tutorial.intro.clone())} />
            if !tutorial.inputs.is_empty() {
                <div class="inputs">{ for inputs }</div>
                if started {
                    <p class="hint" id="inputs-fixed">
                        { "These choices are fixed while the run has passed steps or objects in the tenant: Clean up, then Reset, to choose again." }
                    </p>
                }
            }
        </section>
    }
}
