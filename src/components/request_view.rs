//! A step's request: method, address, headers and body, each variable shown with its value and source;
//! Copy as… (curl, PowerShell); and an editor for the address and body that refuses invalid JSON before
//! anything is sent.

use walkthrough::{RenderedRequest, RenderedSegment, RequestEdit, VarSource};
use web_sys::{HtmlInputElement, HtmlTextAreaElement};
use yew::prelude::*;

use super::copy_as::CopyAs;
use crate::state::{Command, Ptr};

#[derive(Properties, PartialEq, Clone)]
pub struct RequestViewProps {
    pub index: usize,
    pub rendered: RenderedRequest,
    pub titles: Ptr<Vec<String>>,
    /// The editor is open (the page keeps this: while it is open, nothing runs the step).
    pub editing: bool,
    /// Open (true) or close the editor.
    pub on_editing: Callback<bool>,
    /// The account the step runs as, other than the signed-in one (its commands use that account's token).
    #[prop_or_default]
    pub run_as: Option<AttrValue>,
    pub on_command: Callback<Command>,
}

#[component]
pub fn RequestView(props: &RequestViewProps) -> Html {
    let index = props.index;
    let rendered = &props.rendered;
    let titles = &props.titles;

    let segments = |segments: &[RenderedSegment]| -> Html {
        segments
            .iter()
            .map(|segment| match segment {
                RenderedSegment::Text(text) => html! { { text.clone() } },
                RenderedSegment::Var {
                    name,
                    value,
                    source,
                    provider,
                    stale,
                } => var_chip(
                    name,
                    value.as_deref(),
                    source.as_ref(),
                    *provider,
                    *stale,
                    titles,
                ),
            })
            .collect()
    };

    let on_edit = props.on_editing.reform(|_: MouseEvent| true);
    // When the editor closes, focus goes back to the button that opened it (not to the page's start).
    let edit_button = use_node_ref();
    let was_editing = use_mut_ref(|| props.editing);
    {
        let edit_button = edit_button.clone();
        use_effect_with(props.editing, move |editing| {
            let closed = std::mem::replace(&mut *was_editing.borrow_mut(), *editing) && !*editing;
            if closed {
                if let Some(button) = edit_button.cast::<web_sys::HtmlElement>() {
                    let _ = button.focus();
                }
            }
        });
    }

    let view = html! {
        <div class="request-view">
            <p class="request-line mono">
                <span class={classes!("method", rendered.method.to_lowercase())}>{ rendered.method.clone() }</span>
                { " " }
                <span class="url">{ segments(&rendered.url) }</span>
            </p>
            if !rendered.headers.is_empty() {
                <ul class="headers mono" aria-label="Request headers">
                    { for rendered.headers.iter().map(|(name, value)| html! {
                        <li><span class="header-name">{ name.clone() }</span>{ ": " }{ segments(value) }</li>
                    }) }
                </ul>
            }
            if let Some(body) = &rendered.body {
                <pre class="body mono" aria-label="Request body">{ segments(body) }</pre>
            }
            <div class="request-tools">
                if rendered.edited {
                    <span class="edited-badge">{ "Edited" }</span>
                }
                <CopyAs {index} title={AttrValue::from(titles.get(index).cloned().unwrap_or_default())}
                    run_as={props.run_as.clone()} rendered={rendered.clone()} />
                <button type="button" class="link edit-request" ref={edit_button} onclick={on_edit}>{ "Edit request" }</button>
            </div>
        </div>
    };

    html! {
        <div class="request">
            if props.editing {
                <RequestEditor {index} rendered={props.rendered.clone()} on_command={props.on_command.clone()}
                    on_close={props.on_editing.reform(|()| false)} />
            } else {
                { view }
            }
        </div>
    }
}

fn var_chip(
    name: &str,
    value: Option<&str>,
    source: Option<&VarSource>,
    provider: Option<usize>,
    stale: bool,
    titles: &[String],
) -> Html {
    let step_name = |step: usize| {
        titles
            .get(step)
            .map(|t| format!("step {} ({t})", step + 1))
            .unwrap_or_else(|| format!("step {}", step + 1))
    };
    let origin = match (value, source) {
        (Some(_), Some(VarSource::Capture { step, path })) => {
            format!("{{{{{name}}}}} from {}, {path}", step_name(*step))
        }
        (Some(_), Some(VarSource::Builtin)) => {
            format!("{{{{{name}}}}}: built in, made for this run")
        }
        (Some(_), Some(VarSource::Input)) => format!("{{{{{name}}}}}: chosen above"),
        (Some(_), Some(VarSource::Manual)) => format!("{{{{{name}}}}}: set by hand"),
        (Some(_), None) => format!("{{{{{name}}}}}"),
        (None, _) => match provider {
            Some(step) => format!("{{{{{name}}}}} will come from {}", step_name(step)),
            None => format!("{{{{{name}}}}} has no value: set it in the variables panel"),
        },
    };
    let origin = if stale {
        format!("{origin} (stale: that step ran again or its inputs changed)")
    } else {
        origin
    };
    let secret = name == "run.password";
    let shown = match value {
        Some(_) if secret => "••••••••••••".to_string(),
        Some(v) => v.to_string(),
        None => format!("{{{{{name}}}}}"),
    };
    let class = classes!(
        "var",
        value.is_none().then_some("unresolved"),
        stale.then_some("stale")
    );
    // Not a tab stop (a request has many): the origin is read after the value by a screen reader, shown
    // on hover to the eye, and kept in full in the variables panel for the keyboard.
    html! {
        <span {class} data-var={name.to_string()}>
            <span class="var-value">{ shown }</span>
            <span class="visually-hidden">{ format!(" ({origin})") }</span>
            <span class="var-tip" aria-hidden="true">{ origin }</span>
        </span>
    }
}

#[derive(Properties, PartialEq, Clone)]
struct RequestEditorProps {
    index: usize,
    rendered: RenderedRequest,
    on_command: Callback<Command>,
    on_close: Callback<()>,
}

/// Edits the request's method, address and body as text (with `{{variables}}` kept as written).
#[component]
fn RequestEditor(props: &RequestEditorProps) -> Html {
    let index = props.index;
    let rendered = &props.rendered;
    let method = use_state(|| rendered.method.clone());
    let url = use_state(|| source_text(&rendered.url));
    let body = use_state(|| {
        rendered
            .body
            .as_deref()
            .map(source_text)
            .unwrap_or_default()
    });
    let problem = use_state(|| None::<String>);
    let (method_field, url_field, body_field) = (use_node_ref(), use_node_ref(), use_node_ref());
    // Opened, the editor takes focus: the body if the request has one, else the address.
    {
        let first = if rendered.body.is_some() {
            body_field.clone()
        } else {
            url_field.clone()
        };
        use_effect_with((), move |_| {
            if let Some(field) = first.cast::<web_sys::HtmlElement>() {
                let _ = field.focus();
            }
        });
    }

    let on_method = {
        let method = method.clone();
        Callback::from(move |e: InputEvent| {
            method.set(e.target_unchecked_into::<HtmlInputElement>().value())
        })
    };
    let on_url = {
        let url = url.clone();
        Callback::from(move |e: InputEvent| {
            url.set(e.target_unchecked_into::<HtmlInputElement>().value())
        })
    };
    let on_body = {
        let body = body.clone();
        let problem = problem.clone();
        Callback::from(move |e: InputEvent| {
            body.set(e.target_unchecked_into::<HtmlTextAreaElement>().value());
            problem.set(None);
        })
    };
    let on_save = {
        let on_command = props.on_command.clone();
        let (method, url, body, problem) =
            (method.clone(), url.clone(), body.clone(), problem.clone());
        let fields = (method_field.clone(), url_field.clone(), body_field.clone());
        let on_close = props.on_close.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            // Send what the fields hold now, even if an edit is still on its way to the state. (The state
            // stays: Yew's `value` is controlled, and re-renders would otherwise reset what is typed.)
            let method = fields
                .0
                .cast::<HtmlInputElement>()
                .map_or_else(|| (*method).clone(), |f| f.value());
            let url = fields
                .1
                .cast::<HtmlInputElement>()
                .map_or_else(|| (*url).clone(), |f| f.value());
            let body = fields
                .2
                .cast::<HtmlTextAreaElement>()
                .map_or_else(|| (*body).clone(), |f| f.value());
            if let Err(error) = walkthrough::check_body(&body) {
                problem.set(Some(error.to_string()));
                return;
            }
            let edit = RequestEdit {
                method: Some(method.trim().to_uppercase()),
                url: Some(url.trim().to_string()),
                headers: None,
                body: Some(body),
            };
            on_command.emit(Command::EditRequest { step: index, edit });
            on_close.emit(());
        })
    };
    let on_revert = {
        let on_command = props.on_command.clone();
        let on_close = props.on_close.clone();
        Callback::from(move |_: MouseEvent| {
            on_command.emit(Command::ResetRequest(index));
            on_close.emit(());
        })
    };
    let on_cancel = {
        let on_close = props.on_close.clone();
        Callback::from(move |_: MouseEvent| on_close.emit(()))
    };
    // Esc cancels; Ctrl+Enter (Cmd+Enter on a Mac) saves, as the Save button does.
    let on_keydown = {
        let on_close = props.on_close.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Escape" {
                e.prevent_default();
                on_close.emit(());
            } else if e.key() == "Enter" && (e.ctrl_key() || e.meta_key()) {
                e.prevent_default();
                let form = e
                    .target()
                    .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(t).ok())
                    .and_then(|t| t.closest("form").ok().flatten())
                    .and_then(|f| {
                        wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlFormElement>(f).ok()
                    });
                if let Some(form) = form {
                    let _ = form.request_submit();
                }
            }
        })
    };
    let id = |part: &str| format!("step-{}-{part}", index + 1);

    html! {
        <form class="request-editor" onsubmit={on_save} onkeydown={on_keydown}>
            <div class="editor-line">
                <label for={id("method")} class="field-label">{ "Method" }</label>
                <input id={id("method")} ref={method_field} class="mono method-input" value={(*method).clone()} oninput={on_method} size="7" />
                <label for={id("url")} class="field-label">{ "Address" }</label>
                <input id={id("url")} ref={url_field} class="mono url-input" value={(*url).clone()} oninput={on_url} />
            </div>
            <label for={id("body")} class="field-label">{ "Body (JSON; {{variables}} are filled in when sent)" }</label>
            <textarea id={id("body")} ref={body_field} class="mono body-input" rows="10" value={(*body).clone()} oninput={on_body}
                aria-invalid={problem.is_some().to_string()} aria-describedby={id("body-error")} spellcheck="false" />
            <p id={id("body-error")} class="field-error" role="alert">
                { problem.as_ref().map(|p| format!("{p} Nothing was sent.")).unwrap_or_default() }
            </p>
            <div class="editor-actions">
                <button type="submit" class="primary">{ "Save" }</button>
                <button type="button" onclick={on_cancel}>{ "Cancel" }</button>
                <button type="button" class="link" onclick={on_revert}>{ "Back to the tutorial's request" }</button>
                <span class="hint">{ "Esc cancels, Ctrl+Enter saves" }</span>
            </div>
        </form>
    }
}

/// The request text as written, with each variable back in `{{name}}` form.
fn source_text(segments: &[RenderedSegment]) -> String {
    segments
        .iter()
        .map(|segment| match segment {
            RenderedSegment::Text(text) => text.clone(),
            RenderedSegment::Var { name, .. } => format!("{{{{{name}}}}}"),
        })
        .collect()
}
