//! The in-page sandbox tenant: what it holds now, and switches to inject faults (latency, 429, 503,
//! replication lag) to watch the runner retry.

use sandbox::Faults;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::json_view::JsonView;
use crate::handles::SandboxHandle;

#[derive(Properties, PartialEq, Clone)]
pub struct SandboxPanelProps {
    pub sandbox: SandboxHandle,
    /// The tenant has loaded, or failed to.
    pub settled: bool,
    /// The tenant's change counter when the page last rendered: a new value renders the panel again.
    pub changes: u64,
}

#[component]
pub fn SandboxPanel(props: &SandboxPanelProps) -> Html {
    let sandbox = props.sandbox.0.clone();
    let refresh = use_state(|| 0u32);
    // The tenant is read again only when it has changed: each read crosses into its module as JSON, and the
    // panel renders on every change to the run.
    // Read here, not taken from `props.changes`: the panel's own switches change the tenant too.
    let changes = sandbox.changes();
    let read = {
        let sandbox = sandbox.clone();
        use_memo(changes, move |_| {
            (sandbox.counts(), sandbox.faults(), sandbox.stats())
        })
    };
    let (counts, faults, stats) = &*read;
    // The full listing is only built while its section is open: serializing the tenant on every change
    // would slow every step down.
    let open = use_state(|| false);
    let on_toggle = super::track_details_open(&open);
    let listing = {
        let sandbox = sandbox.clone();
        use_memo((changes, *open), move |(_, open)| {
            open.then(|| sandbox.listing())
                .flatten()
                .map(std::sync::Arc::<str>::from)
        })
    };
    let listing = (*listing).clone().map(|body| html! { <JsonView {body} /> });
    let failure = sandbox.failure();
    // Until the tenant is here there is nothing to set faults on or reset.
    let ready = sandbox.is_ready();

    let set_faults = {
        let sandbox = sandbox.clone();
        let refresh = refresh.clone();
        move |change: fn(&mut Faults, f64)| {
            let sandbox = sandbox.clone();
            let refresh = refresh.clone();
            Callback::from(move |e: InputEvent| {
                let value = e
                    .target_unchecked_into::<HtmlInputElement>()
                    .value_as_number();
                if value.is_finite() {
                    let mut faults = sandbox.faults();
                    change(&mut faults, value);
                    sandbox.set_faults(faults);
                    refresh.set(*refresh + 1);
                }
            })
        }
    };
    let on_throttle = set_faults(|f, v| f.throttle_rate = (v / 100.0).clamp(0.0, 1.0));
    let on_unavailable = set_faults(|f, v| f.unavailable_rate = (v / 100.0).clamp(0.0, 1.0));
    let on_lag = set_faults(|f, v| f.replication_lag_ms = v.max(0.0) as u64);
    let on_latency = {
        let latency = sandbox.latency_ms.clone();
        let refresh = refresh.clone();
        Callback::from(move |e: InputEvent| {
            let value = e
                .target_unchecked_into::<HtmlInputElement>()
                .value_as_number();
            if value.is_finite() {
                latency.set(value.clamp(0.0, 10_000.0) as u32);
                refresh.set(*refresh + 1);
            }
        })
    };
    // Who the page signs in as: the Global Administrator, or an account with only the roles Graph asks for,
    // so what a least-privileged account may not do fails here first, as it would in a real tenant.
    let account = if ready {
        sandbox.account()
    } else {
        sandbox::Account::GlobalAdmin
    };
    let on_account = {
        let sandbox = sandbox.clone();
        let refresh = refresh.clone();
        Callback::from(move |e: Event| {
            let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
            if let Some(account) = sandbox::Account::parse(&select.value()) {
                sandbox.sign_in(account);
                refresh.set(*refresh + 1);
            }
        })
    };

    // Without a Microsoft Entra ID P2 / Governance licence, entitlement management refuses every request.
    let licensed = !ready || sandbox.governance_licence();
    let on_licence = {
        let sandbox = sandbox.clone();
        let refresh = refresh.clone();
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            sandbox.set_governance_licence(input.checked());
            refresh.set(*refresh + 1);
        })
    };
    // Quick keeps runs short; realistic delivers in tens of seconds with replication lag, as Graph does.
    let timing = sandbox.timing();
    let on_timing = {
        let sandbox = sandbox.clone();
        let refresh = refresh.clone();
        Callback::from(move |e: Event| {
            let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
            if let Some(timing) = sandbox::Timing::parse(&select.value()) {
                sandbox.set_timing(timing);
                refresh.set(*refresh + 1);
            }
        })
    };

    let on_reset = {
        let sandbox = sandbox.clone();
        let refresh = refresh.clone();
        Callback::from(move |_: MouseEvent| {
            sandbox.reset();
            refresh.set(*refresh + 1);
        })
    };

    html! {
        <section class="panel sandbox" aria-labelledby="sandbox-title">
            <h2 id="sandbox-title" tabindex="-1">{ "Sandbox tenant" }</h2>
            <p class="hint">{ "An emulated tenant running in this page. Nothing leaves your browser." }</p>
            if let Some(why) = failure {
                <p class="error-box" role="alert" id="sandbox-failure">{ format!("The sandbox tenant is not available: {why}. Reload the page to try again; the run is kept.") }</p>
            } else if let Some(counts) = counts {
                <ul class="sandbox-counts">
                    { for counts.iter().map(|(name, n)| html! {
                        <li data-collection={name.clone()}><span class="count">{ n }</span>{ format!(" {}", counted(name, *n)) }</li>
                    }) }
                </ul>
            } else {
                <p class="hint" id="sandbox-loading" role="status">{ "Starting the sandbox tenant…" }</p>
            }
            <label class="field">
                <span class="field-label">{ "Signed in as" }</span>
                <select id="sandbox-account" onchange={on_account} disabled={!ready}>
                    { for sandbox::Account::ALL.iter().map(|a| html! {
                        <option value={a.as_str()} selected={*a == account}>{ a.label() }</option>
                    }) }
                </select>
            </label>
            <label class="field">
                <span class="field-label">{ "Timing" }</span>
                <select id="sandbox-timing" onchange={on_timing} disabled={!ready}
                    aria-describedby="sandbox-timing-hint">
                    <option value="quick" selected={timing == sandbox::Timing::Quick}>{ "Quick" }</option>
                    <option value="realistic" selected={timing == sandbox::Timing::Realistic}>{ "Realistic" }</option>
                </select>
            </label>
            <p class="hint" id="sandbox-timing-hint">{
                match timing {
                    sandbox::Timing::Quick => "Access is delivered in a few seconds and new objects can be read at once.".to_string(),
                    sandbox::Timing::Realistic => format!(
                        "Access is delivered after about {} s and new objects are not found for {} s, as in a real tenant.",
                        sandbox::Timing::Realistic.delivery_delay_ms() / 1000,
                        sandbox::Timing::Realistic.replication_lag_ms() / 1000),
                }
            }</p>
            <label class="toggle">
                <input type="checkbox" id="sandbox-licence" checked={licensed} onchange={on_licence}
                    disabled={!ready} aria-describedby="sandbox-licence-hint" />
                { " Microsoft Entra ID Governance licence" }
            </label>
            <p class="hint" id="sandbox-licence-hint">{
                if licensed {
                    "Entitlement management needs Microsoft Entra ID P2 or ID Governance. Untick to see what an unlicensed tenant answers."
                } else {
                    "No licence: every entitlement management request is refused with 403 NoLicense."
                }
            }</p>
            <details class="sandbox-state" ontoggle={on_toggle}>
                <summary>{ "What it holds" }</summary>
                { for listing }
            </details>
            <fieldset class="faults" disabled={!ready}>
                <legend>{ "Faults" }</legend>
                <label class="slider">
                    <span>{ format!("Latency: {} ms per request", sandbox.latency_ms.get()) }</span>
                    <input type="range" id="fault-latency" min="0" max="2000" step="50"
                        value={sandbox.latency_ms.get().to_string()} oninput={on_latency} />
                </label>
                <label class="slider">
                    <span>{ format!("Throttling (429): {:.0}% of requests", faults.throttle_rate * 100.0) }</span>
                    <input type="range" id="fault-429" min="0" max="50" step="5"
                        value={format!("{:.0}", faults.throttle_rate * 100.0)} oninput={on_throttle} />
                </label>
                <label class="slider">
                    <span>{ format!("Outages (503): {:.0}% of requests", faults.unavailable_rate * 100.0) }</span>
                    <input type="range" id="fault-503" min="0" max="50" step="5"
                        value={format!("{:.0}", faults.unavailable_rate * 100.0)} oninput={on_unavailable} />
                </label>
                <label class="slider">
                    <span>{ format!("Replication lag: {} ms", faults.replication_lag_ms) }</span>
                    <input type="range" id="fault-lag" min="0" max="5000" step="250"
                        value={faults.replication_lag_ms.to_string()} oninput={on_lag} />
                </label>
                if let Some(stats) = stats {
                    <p class="fault-stats" id="fault-stats">
                        { format!("{} requests answered: {} throttled (429), {} unavailable (503), {} not yet replicated (404).",
                            stats.requests, stats.throttled, stats.unavailable, stats.lagged) }
                    </p>
                }
            </fieldset>
            <button type="button" onclick={on_reset} disabled={!ready}>{ "Reset the sandbox" }</button>
        </section>
    }
}

/// A collection's name for `n` of it: "1 group", "2 groups", "1 policy".
fn counted(name: &str, n: usize) -> String {
    if n != 1 {
        return name.to_string();
    }
    if let Some(stem) = name.strip_suffix("ies") {
        format!("{stem}y")
    } else {
        name.strip_suffix('s').unwrap_or(name).to_string()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn one_of_a_collection_is_named_in_the_singular() {
        assert_eq!(super::counted("groups", 1), "group");
        assert_eq!(super::counted("policies", 1), "policy");
        assert_eq!(super::counted("role assignments", 1), "role assignment");
        assert_eq!(super::counted("groups", 2), "groups");
        assert_eq!(super::counted("groups", 0), "groups");
    }
}
