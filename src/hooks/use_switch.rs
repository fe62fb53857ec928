//! Opening another tutorial (built in, from a file or from an address) or switching modes: the reads,
//! fetches and confirmations this needs, so the toolbar only says what the reader picked.

use std::rc::Rc;

use walkthrough::{import_docs, looks_like_docs, parse_tutorial, BuiltinTutorial, Tutorial};
use yew::prelude::*;

use crate::handles::fresh_options;
use crate::hooks::use_run::RunHandle;
use crate::services::fetch::fetch_text;
use crate::services::live_state::{Live, Mode};
use crate::state::{ImportReview, Notice, Page, PageMsg, Tone};

/// Where a tutorial to open comes from.
#[derive(Clone, Debug, PartialEq)]
pub enum Source {
    Builtin(String),
    File(web_sys::File),
    Address(String),
    /// Markdown pasted into the page.
    Text(String),
}

/// The toolbar's callbacks for switching. Each answers whether the switch went ahead (a reader who
/// declines to leave objects behind keeps the run, and the control goes back to what is shown).
#[derive(Clone, PartialEq)]
pub struct Switch {
    pub on_open: Callback<Source, bool>,
    pub on_mode: Callback<Mode, bool>,
    /// Opens a corrected import; answers what is wrong with it, if anything (nothing is opened then).
    pub on_apply_import: Callback<ImportReview, Option<String>>,
}

/// A tutorial read from Markdown: graphwalk's own format as it is, a Microsoft Graph docs page imported
/// (with the review of its inferred links).
pub fn read_tutorial(text: &str) -> Result<(Tutorial, Option<ImportReview>), String> {
    if looks_like_docs(text) {
        let imported =
            import_docs(text).map_err(|e| format!("as a Microsoft Graph docs page, {e}"))?;
        let review = ImportReview {
            tutorial_id: imported.tutorial.id.clone(),
            markdown: imported.markdown,
            links: imported.links,
            notes: imported.notes,
            cleanup: imported.cleanup,
        };
        Ok((imported.tutorial, Some(review)))
    } else {
        parse_tutorial(text)
            .map(|t| (t, None))
            .map_err(|e| e.to_string())
    }
}

/// The tutorial at `url`, or what is wrong with it (unreachable, or not a tutorial), in words.
pub async fn fetch_tutorial(url: &str) -> Result<(Tutorial, Option<ImportReview>), String> {
    fetch_text(url).await.and_then(|text| read_tutorial(&text))
}

/// "Could not load the tutorial from …: why".
pub fn load_failed(origin: &str, error: &str) -> Notice {
    Notice {
        text: format!(
            "Could not load the tutorial from {}: {error}",
            shorten(origin, 96)
        ),
        tone: Tone::Bad,
    }
}

/// Asks the reader; false when the browser cannot ask.
fn confirm(question: &str) -> bool {
    web_sys::window()
        .and_then(|w| w.confirm_with_message(question).ok())
        .unwrap_or(false)
}

/// True when the run holds nothing that only its cleanup knows about, or the reader agrees to leave it.
fn may_leave(page: &Page, switching: &str) -> bool {
    let left = page.run.left();
    left == 0
        || confirm(&format!(
            "This run still has {left} object{} in the tenant that only its cleanup knows about. \
             {switching} anyway and leave {} behind? (Clean up first to remove {}.)",
            if left == 1 { "" } else { "s" },
            if left == 1 { "it" } else { "them" },
            if left == 1 { "it" } else { "them" },
        ))
}

#[hook]
pub fn use_switch(
    run: &RunHandle,
    page: &UseReducerHandle<Page>,
    tutorials: Rc<Vec<BuiltinTutorial>>,
    live: &Live,
) -> Switch {
    // A tutorial read from a file or an address arrives later: it is opened then, if the reader still
    // agrees to leave what the run holds.
    let open = {
        let run = run.clone();
        let page = page.clone();
        Callback::from(
            move |(tutorial, review): (Tutorial, Option<ImportReview>)| {
                if may_leave(&page, "Switch tutorials") {
                    let options = fresh_options(&tutorial, page.mode);
                    page.dispatch(PageMsg::Imported(review));
                    run.load(tutorial, options);
                }
            },
        )
    };
    let arrived = {
        let open = open.clone();
        let dispatcher = page.dispatcher();
        Callback::from(move |(origin, text): (String, Result<String, String>)| {
            match text.and_then(|text| read_tutorial(&text)) {
                Ok(read) => open.emit(read),
                Err(error) => dispatcher.dispatch(PageMsg::Notify(load_failed(&origin, &error))),
            }
        })
    };
    let on_apply_import = {
        let (run, page) = (run.clone(), page.clone());
        Callback::from(move |review: ImportReview| {
            let tutorial = match parse_tutorial(&review.markdown) {
                Ok(tutorial) => tutorial,
                Err(e) => return Some(e.to_string()),
            };
            if !may_leave(&page, "Reload the tutorial") {
                return Some("Not applied: the run still holds objects; clean up first.".into());
            }
            let options = fresh_options(&tutorial, page.mode);
            page.dispatch(PageMsg::Imported(Some(ImportReview {
                tutorial_id: tutorial.id.clone(),
                ..review
            })));
            run.load(tutorial, options);
            None
        })
    };
    let on_open = {
        let (run, page) = (run.clone(), page.clone());
        Callback::from(move |source: Source| match source {
            Source::Builtin(id) => {
                let Some(builtin) = tutorials.iter().find(|t| t.id == id) else {
                    return false;
                };
                if !may_leave(&page, "Switch tutorials") {
                    return false;
                }
                let tutorial = builtin.load();
                let options = fresh_options(&tutorial, page.mode);
                page.dispatch(PageMsg::Imported(None));
                run.load(tutorial, options);
                true
            }
            Source::Text(text) => {
                arrived.emit(("the pasted text".into(), Ok(text)));
                true
            }
            Source::File(file) => {
                let arrived = arrived.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    let text = wasm_bindgen_futures::JsFuture::from(file.text())
                        .await
                        .ok()
                        .and_then(|v| v.as_string())
                        .ok_or_else(|| "the file could not be read as text".to_string());
                    arrived.emit((file.name(), text));
                });
                true
            }
            Source::Address(url) => {
                let arrived = arrived.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    let text = fetch_text(&url).await;
                    arrived.emit((url, text));
                });
                true
            }
        })
    };
    let on_mode = {
        let (run, page, live) = (run.clone(), page.clone(), live.clone());
        Callback::from(move |wanted: Mode| {
            if wanted == page.mode {
                return true;
            }
            if !may_leave(&page, "Switch modes") {
                return false;
            }
            // A run's ids belong to the tenant that made them: start afresh in the other mode.
            let tutorial = (*page.run.tutorial).clone();
            let options = fresh_options(&tutorial, wanted);
            let path_chosen = wanted == Mode::Live && !tutorial.one_account_inputs().is_empty();
            run.load(tutorial, options);
            live.set_mode(wanted);
            if path_chosen {
                // Said, not done silently: the tutorial's options changed with the mode.
                page.dispatch(PageMsg::Notify(Notice {
                    text: "Live mode starts on the path where you make every request yourself. To have the \
                           requestor ask for the package, choose that under the tutorial's options: they then \
                           sign in beside you, under Other accounts in the live panel."
                        .into(),
                    tone: Tone::Info,
                }));
            }
            true
        })
    };
    Switch {
        on_open,
        on_mode,
        on_apply_import,
    }
}

/// `text` cut to at most `max` characters, with an ellipsis where it was cut (a `data:` address can be long).
fn shorten(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}
