//! What came back: status, time, headers, the body as a JSON tree, the values captured,
//! the expectations checked, and every attempt (polls and retries) on a timeline.

use std::sync::Arc;

use walkthrough::{AttemptKind, StepRecord};
use yew::prelude::*;

use super::json_view::JsonView;
use crate::services::download::copy_text_confirmed;
use crate::state::Ptr;

#[derive(Properties, PartialEq, Clone)]
pub struct ResponseViewProps {
    pub record: Ptr<StepRecord>,
}

#[component]
pub fn ResponseView(props: &ResponseViewProps) -> Html {
    let record = &props.record;
    // Shared with the run, never copied: a multi-megabyte body costs nothing to pass on.
    let body: Arc<str> = record
        .response
        .as_ref()
        .map_or_else(|| Arc::from(""), |r| r.body.clone());

    let headers_open = use_state(|| false);
    let on_headers_toggle = super::track_details_open(&headers_open);

    // What Copy body did, said beside the button and to screen readers; cleared after a few seconds.
    let copied = use_state(|| None::<&'static str>);
    let clear_copied = use_mut_ref(|| None::<gloo_timers::callback::Timeout>);
    let response = record.response.as_ref().map(|response| {
        let on_copy = {
            let body = body.clone();
            let copied = copied.clone();
            let clear_copied = clear_copied.clone();
            Callback::from(move |_: MouseEvent| {
                let (body, copied, clear_copied) = (body.clone(), copied.clone(), clear_copied.clone());
                wasm_bindgen_futures::spawn_local(async move {
                    let done = copy_text_confirmed(&body).await;
                    copied.set(Some(if done {
                        "Copied the body to the clipboard."
                    } else {
                        "The browser did not allow copying: select the body and copy it instead."
                    }));
                    let copied = copied.clone();
                    *clear_copied.borrow_mut() =
                        Some(gloo_timers::callback::Timeout::new(4_000, move || copied.set(None)));
                });
            })
        };
        let class = classes!("http-status", status_class(response.status));
        html! {
            <>
                <p class="response-line">
                    <span {class}>{ format!("{} {}", response.status, reason(response.status)) }</span>
                    <span class="elapsed">{ format!(" · {} ms", response.elapsed_ms) }</span>
                    if let Some(id) = response.header("request-id") {
                        <span class="request-id">{ " · request-id " }<code>{ id.to_string() }</code></span>
                    }
                </p>
                <details class="response-headers" ontoggle={on_headers_toggle.clone()}>
                    <summary>{ format!("Headers ({})", response.headers.len()) }</summary>
                    // Built when opened: most readers never look, and every card has them.
                    if *headers_open {
                        <ul class="headers mono">
                            { for response.headers.iter().map(|(name, value)| html! {
                                <li><span class="header-name">{ name.clone() }</span>{ ": " }{ value.clone() }</li>
                            }) }
                        </ul>
                    }
                </details>
                <div class="response-body">
                    <div class="body-tools">
                        <span class="field-label">{ "Body" }</span>
                        if !response.body.is_empty() {
                            <span class="copy-tools">
                                <span class="copy-feedback" role="status">{ (*copied).unwrap_or_default() }</span>
                                <button type="button" class="link copy-body" onclick={on_copy}>{ "Copy body" }</button>
                            </span>
                        }
                    </div>
                    <JsonView body={body.clone()} />
                </div>
            </>
        }
    });

    let captured = (!record.captured.is_empty()).then(|| {
        html! {
            <div class="captured">
                <h4>{ "Captured" }</h4>
                <dl>
                    { for record.captured.iter().map(|(name, value)| html! {
                        <><dt><code>{ format!("{{{{{name}}}}}") }</code></dt><dd class="mono">{ value.clone() }</dd></>
                    }) }
                </dl>
            </div>
        }
    });

    let expectations = (!record.expectations.is_empty()).then(|| {
        html! {
            <div class="expectations">
                <h4>{ "Checks" }</h4>
                <ul>
                    { for record.expectations.iter().map(|e| {
                        let class = if e.passed { "check passed" } else { "check failed" };
                        html! {
                            <li {class}>
                                <span aria-hidden="true">{ if e.passed { "✓ " } else { "✗ " } }</span>
                                <span class="visually-hidden">{ if e.passed { "Passed: " } else { "Failed: " } }</span>
                                <code>{ e.expectation.clone() }</code>
                                if !e.passed {
                                    <span class="check-detail">{ format!(" expected {}, got {}", e.expected, e.actual) }</span>
                                }
                            </li>
                        }
                    }) }
                </ul>
            </div>
        }
    });

    let timeline = (record.attempts.len() > 1).then(|| {
        let start = record.attempts.first().map(|a| a.sent_at_ms).unwrap_or_default();
        html! {
            <details class="timeline" open={record.attempts.len() <= 12}>
                <summary>{ format!("Timeline ({} requests)", record.attempts.len()) }</summary>
                <ol>
                    { for record.attempts.iter().map(|a| html! {
                        <li class={classes!("attempt", attempt_class(&a.kind))}>
                            <span class="at mono">{ format!("+{:.1} s", a.sent_at_ms.saturating_sub(start) as f64 / 1000.0) }</span>
                            <span class="kind">{ attempt_label(&a.kind) }</span>
                            <span class="status mono">{ a.status.map(|s| s.to_string()).unwrap_or_else(|| "…".into()) }</span>
                            <span class="attempt-note">{ a.note.clone() }</span>
                        </li>
                    }) }
                </ol>
            </details>
        }
    });

    html! {
        <section class="response" aria-label="Response">
            { for response }
            { for captured }
            { for expectations }
            { for timeline }
        </section>
    }
}

fn status_class(status: u16) -> &'static str {
    match status {
        200..=299 => "ok",
        400..=499 => "client-error",
        _ => "server-error",
    }
}

fn reason(status: u16) -> &'static str {
    http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("")
}

fn attempt_label(kind: &AttemptKind) -> &'static str {
    match kind {
        AttemptKind::First => "sent",
        AttemptKind::Poll => "checked again",
        AttemptKind::Retry => "retried",
        AttemptKind::ReplicationLag => "retried (not visible yet)",
        AttemptKind::NetworkRetry => "retried (network)",
    }
}

fn attempt_class(kind: &AttemptKind) -> &'static str {
    match kind {
        AttemptKind::First => "first",
        AttemptKind::Poll => "poll",
        _ => "retry",
    }
}
