//! The live panel's other accounts: who the chosen path's steps run as (the tutorial's requestor), their
//! first password to copy, and a sign-in as them beside the reader's own account.

use walkthrough::TemplateContext;
use yew::prelude::*;

use crate::services::auth::same_account;
use crate::services::download::copy_text_confirmed;
use crate::services::live_state::{Credential, Live};
use crate::state::{Command, RunView};

/// One account steps of the chosen path run as, as this run knows it.
#[derive(Clone, Debug, PartialEq)]
pub struct AccountSlot {
    /// The tutorial's name for it (`requestor`).
    pub identity: String,
    /// Its user principal name, once the step that creates it has run.
    pub upn: Option<String>,
    /// The password it was created with, when the tutorial says which.
    pub password: Option<String>,
    /// The delegated permissions its steps ask for.
    pub scopes: Vec<String>,
    /// Its steps, numbered from 1.
    pub steps: Vec<usize>,
}

/// The accounts the chosen path's steps run as, in the tutorial's order.
pub fn slots(view: &RunView) -> Vec<AccountSlot> {
    let lookup = |name: &str| view.variables.get(name).map(|v| v.value.clone());
    view.tutorial
        .identities
        .iter()
        .filter_map(|identity| {
            let mut slot = AccountSlot {
                identity: identity.name.clone(),
                upn: None,
                password: identity
                    .password
                    .as_ref()
                    .and_then(|p| p.render(TemplateContext::Header, &lookup).ok()),
                scopes: Vec::new(),
                steps: Vec::new(),
            };
            for (index, run_as) in view.run_as.iter().enumerate() {
                let Some((name, upn)) = run_as else { continue };
                let on_path = view.off_path.get(index).is_none_or(Option::is_none);
                if *name != identity.name || !on_path {
                    continue;
                }
                slot.steps.push(index + 1);
                slot.upn = slot.upn.take().or_else(|| upn.clone());
                for scope in &view.steps[index].scopes {
                    if !slot.scopes.contains(scope) {
                        slot.scopes.push(scope.clone());
                    }
                }
            }
            (!slot.steps.is_empty()).then_some(slot)
        })
        .collect()
}

/// The inputs' values that keep every step with the reader's account, with the chosen label of each.
pub fn one_account_choices(view: &RunView) -> Vec<(String, String, String)> {
    let tutorial = &view.tutorial;
    tutorial
        .one_account_inputs()
        .into_iter()
        .map(|(name, value)| {
            let label = tutorial
                .inputs
                .iter()
                .find(|i| i.name == name)
                .and_then(|i| i.choices.iter().find(|c| c.value == value))
                .map_or_else(|| value.clone(), |c| c.label.clone());
            (name, value, label)
        })
        .collect()
}

#[derive(Properties, PartialEq, Clone)]
pub struct OtherAccountsProps {
    pub live: Live,
    /// From [`slots`].
    pub slots: Vec<AccountSlot>,
    /// From [`one_account_choices`]: input, value, the value's label.
    pub choices: Vec<(String, String, String)>,
    pub on_command: Callback<Command>,
}

/// The delegated permissions a user may consent to for themself, of those a step as another account may
/// ask for: "Admin consent required: No" in Microsoft's Graph permissions reference. Any other needs an
/// administrator's consent for the organization first.
const USER_CONSENTABLE: &[&str] = &["User.Read", "EntitlementMgmt-SubjectAccess.ReadWrite"];

#[component]
pub fn OtherAccounts(props: &OtherAccountsProps) -> Html {
    let revealed = use_state(|| false);
    let copied = use_state(|| None::<bool>);
    // A new password (another run, another account) is masked again, and its copy not yet made.
    {
        let (revealed, copied) = (revealed.clone(), copied.clone());
        let passwords: Vec<Option<String>> =
            props.slots.iter().map(|s| s.password.clone()).collect();
        use_effect_with(passwords, move |_| {
            revealed.set(false);
            copied.set(None);
        });
    }
    // When a sign-in as another account ends, its button gives way to the result: focus follows there
    // rather than falling to the page.
    {
        let signed_in: Vec<String> = props
            .live
            .state
            .others
            .iter()
            .map(|a| a.identity.clone())
            .collect();
        let signing = props.live.state.signing_in_as.clone();
        let earlier = use_mut_ref(Vec::<String>::new);
        let was_signing = use_mut_ref(|| None::<String>);
        use_effect_with((signed_in, signing), move |(now, signing)| {
            let new = now.iter().find(|i| !earlier.borrow().contains(i)).cloned();
            *earlier.borrow_mut() = now.clone();
            // Only after a click's sign-in: one picked up silently at a reload leaves focus alone.
            let clicked = was_signing.replace(signing.clone()).is_some();
            if let (Some(identity), true) = (new, clicked) {
                focus_if_lost(&format!("other-signed-in-{identity}"));
            }
        });
    }
    let slots = &props.slots;
    if slots.is_empty() {
        return html! {};
    }
    let live = &props.live;
    let state = &live.state;
    let choices = props.choices.clone();
    let on_one_account = {
        let on_command = props.on_command.clone();
        let choices = choices.clone();
        Callback::from(move |_: MouseEvent| {
            for (name, value, _) in &choices {
                on_command.emit(Command::SetVariable {
                    name: format!("input.{name}"),
                    value: value.clone(),
                });
            }
        })
    };
    let switch_label = choices
        .iter()
        .map(|(_, _, label)| label.clone())
        .collect::<Vec<_>>()
        .join(", ");

    let items = slots.iter().map(|slot| {
        let identity = slot.identity.clone();
        let steps = slot
            .steps
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
            .join(", ");
        let signed_in = slot.upn.as_ref().and_then(|upn| {
            state
                .others
                .iter()
                .find(|a| same_account(&a.upn, upn))
                .cloned()
        });
        let who = match &slot.upn {
            Some(upn) => html! { <code class="other-upn">{ upn.clone() }</code> },
            None => html! { <span>{ "an account an earlier step creates" }</span> },
        };
        // One sign-in window at a time: the reader's own or any other account's.
        let busy = state.signing_in_as.is_some() || state.busy;
        let on_in = {
            let live = live.clone();
            let (identity, upn, scopes) = (identity.clone(), slot.upn.clone().unwrap_or_default(), slot.scopes.clone());
            Callback::from(move |_: MouseEvent| {
                if busy || upn.is_empty() {
                    return;
                }
                let live = live.clone();
                let (identity, upn, scopes) = (identity.clone(), upn.clone(), scopes.clone());
                wasm_bindgen_futures::spawn_local(async move {
                    live.sign_in_as(identity, upn, scopes).await;
                })
            })
        };
        let action = match (&state.credential, &signed_in, &slot.upn) {
            (_, Some(account), _) => {
                let on_out = {
                    let live = live.clone();
                    let upn = account.upn.clone();
                    Callback::from(move |_: MouseEvent| {
                        wasm_bindgen_futures::spawn_local(live.clone().sign_out_other(upn.clone()))
                    })
                };
                html! {
                    <p class="other-status good" id={format!("other-signed-in-{identity}")} tabindex="-1">
                        { "Signed in beside you; their steps use their own token. " }
                        <button type="button" class="link" id={format!("sign-in-again-{identity}")}
                            aria-disabled={busy.to_string()} onclick={on_in.clone()}>
                            { format!("Sign in again as the {identity}") }
                        </button>{ " · " }
                        <button type="button" class="link" id={format!("sign-out-{identity}")} onclick={on_out}>
                            { format!("Forget the {identity} here") }
                        </button>
                    </p>
                }
            }
            (Credential::Msal(_), None, Some(upn)) => {
                let password = slot.password.clone().map(|password| {
                    let shown = if *revealed {
                        html! { <code class="mono" id={format!("other-password-{identity}")}>{ password.clone() }</code> }
                    } else {
                        html! {
                            <>
                                <code class="mono" id={format!("other-password-{identity}")} aria-hidden="true">{ "••••••••••••" }</code>
                                <span class="visually-hidden">{ "hidden" }</span>
                            </>
                        }
                    };
                    let on_reveal = {
                        let revealed = revealed.clone();
                        Callback::from(move |_: MouseEvent| revealed.set(!*revealed))
                    };
                    let on_copy = {
                        let copied = copied.clone();
                        Callback::from(move |_: MouseEvent| {
                            let copied = copied.clone();
                            let password = password.clone();
                            wasm_bindgen_futures::spawn_local(async move {
                                copied.set(Some(copy_text_confirmed(&password).await));
                            })
                        })
                    };
                    html! {
                        <p class="other-password">
                            { "Their first password: " }
                            { shown }{ " " }
                            // A toggle keeps one name; aria-pressed says whether it is on.
                            <button type="button" class="link" aria-pressed={revealed.to_string()} onclick={on_reveal}
                                aria-label={format!("Show the {identity}'s password")}>
                                { "Show" }
                            </button>{ " " }
                            <button type="button" class="link" onclick={on_copy}
                                aria-label={format!("Copy the {identity}'s password")}>{ "Copy" }</button>
                            <span role="status" class="hint">
                                { match *copied {
                                    Some(true) => " Copied.",
                                    Some(false) => " The browser refused the clipboard: use Show and type it.",
                                    None => "",
                                } }
                            </span>
                        </p>
                    }
                });
                html! {
                    <>
                        { for password }
                        <button type="button" class="primary" id={format!("sign-in-as-{identity}")} onclick={on_in}
                            aria-disabled={busy.to_string()}>
                            { if state.signing_in_as.as_ref().is_some_and(|u| same_account(u, upn)) {
                                format!("Signing in as the {identity}…")
                            } else {
                                format!("Sign in as the {identity}")
                            } }
                        </button>
                        <p class="hint">
                            { "Microsoft's sign-in page opens in a window with their name filled in; you stay signed in here. \
                               If the step that created them set forceChangePasswordNextSignIn, Entra first asks them for a new \
                               password (any your tenant accepts); it may also ask them to set up multifactor authentication if \
                               your tenant requires it. Their steps need no directory role and ask only for " }
                            { for slot.scopes.iter().map(|s| html! { <><code class="scope">{ s.clone() }</code>{ " " }</> }) }
                            { if slot.scopes.iter().all(|s| USER_CONSENTABLE.iter().any(|u| u.eq_ignore_ascii_case(s))) {
                                ": a user may consent to these for themselves, unless your tenant has turned user consent off."
                            } else {
                                ": some of these need an administrator's consent for the organization first."
                            } }
                        </p>
                    </>
                }
            }
            (Credential::Msal(_), None, None) => html! {
                <p class="hint">{ "Their sign-in opens here once the step that creates them has run." }</p>
            },
            (Credential::Pasted, None, _) => html! {
                <p class="live-warning" id={format!("one-account-{identity}")}>
                    { format!("A pasted token is one account's, so the {identity} cannot sign in beside it. \
                               Sign in with the Sign in button instead, or take the path where you make every request.") }
                </p>
            },
            (Credential::None, None, _) => html! {
                <p class="hint">{ format!("Sign in yourself first; the {identity} then signs in beside you.") }</p>
            },
        };
        html! {
            <li key={identity.clone()} data-identity={identity.clone()}>
                <p>
                    { format!("Step{} {steps} run{} as the {identity}, ", if slot.steps.len() == 1 { "" } else { "s" }, if slot.steps.len() == 1 { "s" } else { "" }) }
                    { who }{ "." }
                </p>
                { action }
            </li>
        }
    });

    html! {
        <section class="other-accounts" id="other-accounts" aria-labelledby="other-accounts-title">
            <h3 id="other-accounts-title" tabindex="-1">{ "Other accounts" }</h3>
            <ul class="identities">{ for items }</ul>
            if !choices.is_empty() && state.others.is_empty() {
                <button type="button" class="link" id="one-account-path" onclick={on_one_account}>
                    { format!("Make every request yourself instead ({switch_label})") }
                </button>
            }
        </section>
    }
}

/// Moves focus to the element `id` when focus has fallen to the page (its button went away).
fn focus_if_lost(id: &str) {
    let lost = gloo_utils::document()
        .active_element()
        .is_none_or(|e| e.tag_name().eq_ignore_ascii_case("body"));
    if lost {
        crate::hooks::focus_id(id);
    }
}
