//! The buttons that reach the steps' outline and each panel in one click: above the panels on wide
//! screens, along the bottom of the screen on narrow ones, where each opens its panel in a drawer.

use yew::prelude::*;

use crate::state::Panel;

#[derive(Properties, PartialEq, Clone)]
pub struct PanelBarProps {
    /// Panels open one at a time in a drawer (narrow screens): the buttons then say whether theirs is open.
    pub narrow: bool,
    /// The panel the drawer shows, if it is open.
    pub open: Option<Panel>,
    pub outline_open: bool,
    /// Objects cleanup still has to remove (shown on the Cleanup button).
    pub left: usize,
    pub on_panel: Callback<Panel>,
    pub on_outline: Callback<bool>,
}

#[component]
pub fn PanelBar(props: &PanelBarProps) -> Html {
    let outline_open = props.outline_open;
    let on_outline = props.on_outline.reform(move |_: MouseEvent| !outline_open);
    let buttons = Panel::ALL.iter().map(|&panel| {
        let open = props.open == Some(panel);
        let onclick = props.on_panel.reform(move |_: MouseEvent| panel);
        let label = match panel {
            Panel::Cleanup if props.left > 0 => html! {
                <>{ "Cleanup " }<span class="count">{ format!("({})", props.left) }</span></>
            },
            _ => html! { { panel.label() } },
        };
        html! {
            <button type="button" class={classes!("panel-button", open.then_some("open"))}
                id={format!("show-{}", panel.id())} aria-controls={panel.id()}
                aria-expanded={props.narrow.then(|| open.to_string())} {onclick}>
                { label }
            </button>
        }
    });
    html! {
        <nav id="panel-bar" class="panel-bar" aria-label="Outline and panels" tabindex="-1">
            <button type="button" class="outline-toggle" id="show-outline" aria-controls="step-rail"
                aria-expanded={outline_open.to_string()} onclick={on_outline}>
                { "Steps" }
            </button>
            { for buttons }
        </nav>
    }
}
