//! The review of an imported docs page: each inferred link (where the value comes from, where it goes, how
//! sure the import is), least sure first, with its JSONPath editable; which steps the sandbox can answer;
//! and saving the tutorial as a `.md` file.

use walkthrough::{Link, Origin, Tutorial};
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::services::download::save_text;
use crate::state::{ImportReview, Ptr};

#[derive(Properties, PartialEq, Clone)]
pub struct ImportReviewProps {
    pub review: Ptr<ImportReview>,
    pub tutorial: Ptr<Tutorial>,
    pub in_sandbox: bool,
    /// Opens the corrected tutorial; answers what is wrong with it, if anything.
    pub on_apply: Callback<ImportReview, Option<String>>,
}

/// Where a link's value comes from, in words.
fn origin_text(origin: &Origin) -> String {
    match origin {
        Origin::Response { step, jsonpath, .. } => {
            format!("the response of step \"{step}\", at {jsonpath}")
        }
        Origin::Sent { step, place, .. } => {
            format!("what step \"{step}\" sends ({place}), made unique per run")
        }
        Origin::Tenant { what } if what == "domain" => {
            "your tenant's default domain, looked up by the first step".into()
        }
        Origin::Tenant { what } => format!("a {what} generated for each run"),
        Origin::Input => "you: an input to set under Variables before running".into(),
    }
}

fn targets_text(link: &Link) -> String {
    link.to
        .iter()
        .map(|t| format!("step \"{}\" ({})", t.step, t.place))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The variable's name without braces: `{{group_id}}` → `group_id`.
fn capture_name(variable: &str) -> Option<&str> {
    let name = variable.strip_prefix("{{")?.strip_suffix("}}")?;
    (!name.contains('.') && !name.contains("{{")).then_some(name)
}

/// The tutorial with the capture `name` reading `new_path` instead of `old_path`.
pub fn with_capture_path(
    markdown: &str,
    name: &str,
    old_path: &str,
    new_path: &str,
) -> Result<String, String> {
    if new_path.trim().is_empty() {
        return Err("A JSONPath is needed, such as $.id or $.value[0].id.".into());
    }
    if new_path.contains('"') || new_path.contains('\n') {
        return Err("Write the JSONPath without double quotes or line breaks (use single quotes in filters).".into());
    }
    let old_line = format!("{name}: jsonpath \"{old_path}\"");
    if !markdown.lines().any(|l| l.trim() == old_line) {
        return Err(format!(
            "The capture {name} is no longer in the tutorial as imported."
        ));
    }
    let new_line = format!("{name}: jsonpath \"{}\"", new_path.trim());
    Ok(markdown
        .lines()
        .map(|l| {
            if l.trim() == old_line {
                new_line.as_str()
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n")
}

/// For each step, whether the sandbox tenant answers its request.
fn coverage(tutorial: &Tutorial) -> Vec<(usize, String, bool)> {
    tutorial
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let url = s
                .request
                .url
                .source()
                .replace("{{base}}", &tutorial.base_url);
            (
                i,
                s.title.clone(),
                sandbox::answers(&s.request.method, &url),
            )
        })
        .collect()
}

#[component]
pub fn ImportReviewPanel(props: &ImportReviewProps) -> Html {
    let error = use_state(|| None::<String>);
    let review = &props.review;
    let unsure = review
        .links
        .iter()
        .filter(|l| {
            l.confidence != walkthrough::Confidence::High || matches!(l.from, Origin::Input)
        })
        .count();
    let covered = coverage(&props.tutorial);
    let answered = covered.iter().filter(|c| c.2).count();
    let live_only: Vec<&(usize, String, bool)> = covered.iter().filter(|c| !c.2).collect();

    let on_save = {
        let review = review.clone();
        let error = error.clone();
        Callback::from(move |_: MouseEvent| {
            if let Err(e) = save_text(&format!("{}.md", review.tutorial_id), &review.markdown) {
                error.set(Some(e));
            }
        })
    };

    let rows = review.links.iter().enumerate().map(|(row, link)| {
        let input_id = format!("link-{row}-path");
        let editable = match (&link.from, capture_name(&link.variable)) {
            (Origin::Response { jsonpath, .. }, Some(name)) => Some((jsonpath.clone(), name.to_string())),
            _ => None,
        };
        let edit = editable.map(|(old_path, name)| {
            let input = NodeRef::default();
            let on_submit = {
                let (input, review, on_apply, error) =
                    (input.clone(), review.clone(), props.on_apply.clone(), error.clone());
                let (old_path, name) = (old_path.clone(), name.clone());
                Callback::from(move |e: SubmitEvent| {
                    e.prevent_default();
                    let Some(field) = input.cast::<HtmlInputElement>() else { return };
                    let new_path = field.value();
                    let markdown = match with_capture_path(&review.markdown, &name, &old_path, &new_path) {
                        Ok(m) => m,
                        Err(e) => return error.set(Some(e)),
                    };
                    let mut links = review.links.clone();
                    if let Some(Origin::Response { jsonpath, .. }) = links.get_mut(row).map(|l| &mut l.from) {
                        *jsonpath = new_path.trim().to_string();
                    }
                    if let Some(l) = links.get_mut(row) {
                        l.reason = "set by you".into();
                    }
                    let next = ImportReview { markdown, links, ..(*review.0).clone() };
                    error.set(on_apply.emit(next));
                })
            };
            html! {
                <form class="link-edit" onsubmit={on_submit}>
                    <label for={input_id.clone()} class="visually-hidden">
                        { format!("JSONPath for {name}") }
                    </label>
                    <input id={input_id.clone()} type="text" spellcheck="false" ref={input} value={old_path} />
                    <button type="submit">{ "Apply" }</button>
                </form>
            }
        });
        html! {
            <tr key={row} class={classes!("link", link.confidence.as_str())}>
                <th scope="row"><code>{ link.variable.clone() }</code></th>
                <td><code class="sample">{ link.value.clone() }</code></td>
                <td>{ origin_text(&link.from) }</td>
                <td>{ targets_text(link) }</td>
                <td><span class={classes!("confidence", link.confidence.as_str())}>{ link.confidence.as_str() }</span></td>
                <td>{ link.reason.clone() }{ for edit }</td>
            </tr>
        }
    });

    html! {
        <section class="import-review" id="import-review" aria-labelledby="import-review-title">
            <h2 id="import-review-title">{ "Review the imported links" }</h2>
            <p>
                { format!(
                    "This tutorial was imported from a Microsoft Graph docs page. {} value{} flow between its steps; \
                     {unsure} of them {} a look before the first run (least sure first).",
                    review.links.len(),
                    if review.links.len() == 1 { "" } else { "s" },
                    if unsure == 1 { "needs" } else { "need" },
                ) }
            </p>
            <p class={classes!("coverage", (!live_only.is_empty()).then_some("partial"))} id="import-coverage">
                { format!("The sandbox tenant answers {answered} of {} steps.", covered.len()) }
                if !live_only.is_empty() {
                    { " Only live mode can run " }
                    { crate::advice::list(&live_only.iter().map(|c| c.1.as_str()).collect::<Vec<_>>()) }
                    { if props.in_sandbox { ": in the sandbox these steps are refused before anything is sent." } else { "." } }
                }
            </p>
            if !review.notes.is_empty() {
                <ul class="import-notes">
                    { for review.notes.iter().map(|n| html! { <li>{ n.clone() }</li> }) }
                </ul>
            }
            if let Some(e) = (*error).clone() {
                <p class="error" role="alert">{ e }</p>
            }
            <div class="table-scroll">
                <table class="links">
                    <caption>{ "Inferred links: what replaces each sample value, where it comes from and where it goes" }</caption>
                    <thead>
                        <tr>
                            <th scope="col">{ "Variable" }</th>
                            <th scope="col">{ "Sample value" }</th>
                            <th scope="col">{ "Comes from" }</th>
                            <th scope="col">{ "Goes to" }</th>
                            <th scope="col">{ "Confidence" }</th>
                            <th scope="col">{ "Why" }</th>
                        </tr>
                    </thead>
                    <tbody>{ for rows }</tbody>
                </table>
            </div>
            if !review.cleanup.is_empty() {
                <h3 class="cleanup-plan-title">{ "Cleanup, undone in reverse order" }</h3>
                <ul class="cleanup-plan" id="import-cleanup">
                    { for review.cleanup.iter().map(|c| html! {
                        <li>
                            { format!("Step \"{}\": ", c.step) }<code>{ c.request.clone() }</code>
                            { if c.inferred { " (inferred)" } else { " (the page's own removal)" } }
                        </li>
                    }) }
                </ul>
            }
            <button type="button" id="save-import" onclick={on_save}>{ "Save as .md" }</button>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::with_capture_path;

    #[test]
    fn rewrites_only_the_named_capture() {
        let md = "a\ngroup_id: jsonpath \"$.id\"\nother_id: jsonpath \"$.id\"\n";
        let out = with_capture_path(md, "group_id", "$.id", "$.value[0].id").unwrap();
        assert!(out.contains("group_id: jsonpath \"$.value[0].id\""));
        assert!(out.contains("other_id: jsonpath \"$.id\""));
        assert!(with_capture_path(md, "group_id", "$.id", "$[\"x\"]").is_err());
        assert!(with_capture_path(md, "nope", "$.id", "$.x").is_err());
    }
}
