//! Export the run as `.http`, curl, PowerShell or Hurl: download it, or copy it to the clipboard.

use walkthrough::{export, ExportFormat};
use web_sys::HtmlSelectElement;
use yew::prelude::*;

use crate::context::Shared;
use crate::services::download;
use crate::state::{Msg, Notice, Tone};

const FORMATS: [(&str, &str, ExportFormat, &str); 4] = [
    ("http", "REST Client (.http)", ExportFormat::Http, "http"),
    ("curl", "curl (bash)", ExportFormat::Curl, "sh"),
    ("powershell", "PowerShell", ExportFormat::PowerShell, "ps1"),
    ("hurl", "Hurl", ExportFormat::Hurl, "hurl"),
];

#[component]
pub fn ExportMenu() -> Html {
    let shared = use_context::<Shared>().expect("ExportMenu is inside the app");
    let chosen = use_state(|| 0usize);

    let on_choose = {
        let chosen = chosen.clone();
        Callback::from(move |e: Event| {
            let select: HtmlSelectElement = e.target_unchecked_into();
            chosen.set(select.selected_index().max(0) as usize);
        })
    };
    let (key, _, format, extension) = FORMATS[(*chosen).min(FORMATS.len() - 1)];
    let render = {
        let explorer = shared.explorer.clone();
        move || export(&*explorer.run(), format)
    };

    let on_download = {
        let explorer = shared.explorer.clone();
        let render = render.clone();
        Callback::from(move |_: MouseEvent| {
            let name = format!("{}.{extension}", explorer.run().tutorial().id);
            if let Err(error) = download::save_text(&name, &render()) {
                explorer.dispatch(Msg::Notify(Notice {
                    text: error,
                    tone: Tone::Bad,
                }));
            }
        })
    };
    let on_copy = {
        let explorer = shared.explorer.clone();
        Callback::from(move |_: MouseEvent| {
            download::copy_text(&render());
            explorer.dispatch(Msg::Notify(Notice {
                text: format!(
                    "Copied the run as {key} to the clipboard. The access token is a placeholder."
                ),
                tone: Tone::Info,
            }));
        })
    };

    html! {
        <div class="export" role="group" aria-label="Export the run">
            <label class="field">
                <span class="field-label">{ "Export as" }</span>
                <select id="export-format" onchange={on_choose}>
                    { for FORMATS.iter().enumerate().map(|(i, (value, label, _, _))| html! {
                        <option value={*value} selected={i == *chosen}>{ *label }</option>
                    }) }
                </select>
            </label>
            <button type="button" id="export-download" onclick={on_download}>{ "Download" }</button>
            <button type="button" id="export-copy" onclick={on_copy}>{ "Copy" }</button>
        </div>
    }
}
