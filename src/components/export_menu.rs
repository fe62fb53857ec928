//! Export the run as `.http`, curl, PowerShell or Hurl: download it, or copy it to the clipboard.

use walkthrough::ExportFormat;
use web_sys::HtmlSelectElement;
use yew::prelude::*;

/// Where an export goes: a file with this extension, or the clipboard (the format's name for the notice).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ExportTo {
    File(&'static str),
    Clipboard(&'static str),
}

#[derive(Properties, PartialEq, Clone)]
pub struct ExportMenuProps {
    pub on_export: Callback<(ExportFormat, ExportTo)>,
}

const FORMATS: [(&str, &str, ExportFormat, &str); 4] = [
    ("http", "REST Client (.http)", ExportFormat::Http, "http"),
    ("curl", "curl (bash)", ExportFormat::Curl, "sh"),
    ("powershell", "PowerShell", ExportFormat::PowerShell, "ps1"),
    ("hurl", "Hurl", ExportFormat::Hurl, "hurl"),
];

#[component]
pub fn ExportMenu(props: &ExportMenuProps) -> Html {
    let chosen = use_state(|| 0usize);

    let on_choose = {
        let chosen = chosen.clone();
        Callback::from(move |e: Event| {
            let select: HtmlSelectElement = e.target_unchecked_into();
            chosen.set(select.selected_index().max(0) as usize);
        })
    };
    let (_, label, format, extension) = FORMATS[(*chosen).min(FORMATS.len() - 1)];
    let on_download = props
        .on_export
        .reform(move |_: MouseEvent| (format, ExportTo::File(extension)));
    let on_copy = props
        .on_export
        .reform(move |_: MouseEvent| (format, ExportTo::Clipboard(label)));

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
