//! Importing Microsoft Graph docs Markdown: its request and response blocks in, a graphwalk tutorial out,
//! with the ids that flow between steps inferred from the sample responses.
//!
//! The phases run in order over the page's requests: tenant values and sent names (`tenant.rs`), values
//! traced from earlier sample responses (`trace.rs`), values traced nowhere (`untraced.rs`), the page's own
//! removals and inferred cleanup (`cleanup.rs`), a requestor's own request as a path (`paths.rs`), then
//! the Markdown (`emit.rs`).

mod cleanup;
mod emit;
mod names;
mod page;
mod paths;
mod tenant;
mod trace;
mod untraced;
mod values;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::format::{parse_tutorial, ParseError};
use crate::model::Tutorial;
use page::DocStep;

/// How sure the importer is that a value flows the way it says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    Low,
    Medium,
    High,
}

impl Confidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }
}

/// Where a linked value comes from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Origin {
    /// Read from a step's response (the page's sample response shows it there).
    Response {
        step: String,
        request: String,
        jsonpath: String,
    },
    /// A name a step sends, made unique per run, and reused by later steps.
    Sent {
        step: String,
        request: String,
        place: String,
    },
    /// Tenant-specific: the domain (looked up by a first step) or a password (generated per run).
    Tenant { what: String },
    /// Found nowhere earlier on the page: the reader supplies it (the page's value is the default).
    Input,
}

/// A place a linked value goes to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    /// The graphwalk step id (a removal the page makes is the cleanup of the step that created the object).
    pub step: String,
    /// The docs block's `name`.
    pub request: String,
    /// `url path`, `$filter`, `url query`, `body $.a.b`, or `cleanup` followed by one of those.
    pub place: String,
}

/// One inferred link: a value from the page, where it comes from and every place it goes to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    /// What replaces the value in requests: `{{group_id}}`, `{{input.user_id}}`, `Sales {{run.tag}}`.
    pub variable: String,
    /// The value as the page writes it.
    pub value: String,
    pub from: Origin,
    pub to: Vec<Target>,
    pub confidence: Confidence,
    /// Why the importer linked it this way, in a sentence.
    pub reason: String,
}

/// The result: a tutorial in graphwalk's format, and the links behind it.
#[derive(Clone, Debug)]
pub struct Imported {
    /// The tutorial file, ready to save as `.md`.
    pub markdown: String,
    pub tutorial: Tutorial,
    /// Low confidence and untraced values first, then medium, then high.
    pub links: Vec<Link>,
    /// What the importer changed or could not do, one sentence each.
    pub notes: Vec<String>,
    /// How each step that creates something is undone, in page order (cleanup runs in reverse).
    pub cleanup: Vec<CleanupPlan>,
}

/// How one step's object is undone, and whether the page said so or the import inferred it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CleanupPlan {
    pub step: String,
    /// `METHOD URL` of the undoing request.
    pub request: String,
    /// False when the page itself removes it.
    pub inferred: bool,
}

/// Why a page could not be imported: the 1-based line (0: the page as a whole) and what to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportError {
    pub line: usize,
    pub message: String,
}

impl ImportError {
    pub(crate) fn new(line: usize, message: impl Into<String>) -> ImportError {
        ImportError {
            line,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for ImportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line == 0 {
            write!(f, "{}", self.message)
        } else {
            write!(f, "line {}: {}", self.line, self.message)
        }
    }
}

impl std::error::Error for ImportError {}

#[cfg(test)]
mod tests {
    use super::looks_like_docs;

    #[test]
    fn tells_docs_pages_from_graphwalk_tutorials() {
        assert!(looks_like_docs(
            "# x\n<!-- {\n  \"blockType\": \"request\"\n} -->\n"
        ));
        assert!(looks_like_docs(
            "---\ntitle: \"A\"\ndescription: \"B\"\n---\n# A\n"
        ));
        assert!(!looks_like_docs(
            "---\nid: a\ntitle: A\napi: v1.0\nbase: x\n---\n"
        ));
        // Broken graphwalk files stay graphwalk files, so their errors say what is missing.
        assert!(!looks_like_docs("---\nid: a\ntitle: A\napi: v1.0\n---\n"));
        assert!(!looks_like_docs(
            "## Who am I\n\n```http\nGET {{base}}/me\n```\n"
        ));
        assert!(!looks_like_docs(""));
    }
}

/// Whether `src` reads as a Microsoft Graph docs page rather than a graphwalk tutorial: it has the docs'
/// `blockType` comments, or front matter with a `title:` and none of graphwalk's own keys (`id:`, `api:`,
/// `base:`, `scopes:`). Anything else is read as graphwalk's format, whose
/// errors then say what is missing.
pub fn looks_like_docs(src: &str) -> bool {
    if src.contains("\"blockType\"") {
        return true;
    }
    let mut lines = src.lines();
    if lines.next().map(str::trim) != Some("---") {
        return false;
    }
    let front: Vec<&str> = lines.take_while(|l| l.trim() != "---").collect();
    let has = |k: &str| front.iter().any(|l| l.trim_start().starts_with(k));
    let graphwalk = has("id:") || has("api:") || has("base:") || has("scopes:");
    has("title:") && !graphwalk
}

/// A value captured from a step's response.
#[derive(Clone, Debug)]
pub(crate) struct CaptureDef {
    pub name: String,
    pub jsonpath: String,
    pub note: String,
}

/// How a step is undone.
#[derive(Clone, Debug)]
pub(crate) struct CleanupDef {
    /// `METHOD URL`, headers, blank line, body: as in an `http` block.
    pub request: String,
    pub captures: Vec<String>,
    pub wait: Option<String>,
    pub note: String,
}

/// A step being imported: the page's request, rewritten as the phases go.
#[derive(Clone)]
pub(crate) struct WorkStep {
    pub doc: DocStep,
    pub id: String,
    /// Template text: `{{base}}/path?query` (or an absolute URL on another version).
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
    pub captures: Vec<CaptureDef>,
    pub cleanup: Option<CleanupDef>,
    /// This removal became the cleanup of that step.
    pub removal_of: Option<usize>,
    pub notes: Vec<String>,
    /// Poll until this JSONPath equals this value.
    pub poll: Option<(String, Value)>,
    /// Runs as the front matter's identity of this name (`as:`).
    pub run_as: Option<String>,
    /// Belongs to one path of the tutorial (`when:`).
    pub when: Option<String>,
    /// Overrides the permission the path gives (a requestor's own request).
    pub scope: Option<&'static str>,
}

impl WorkStep {
    /// The path after the version, without the query: `/users/{{user_id}}`.
    pub(crate) fn path(&self) -> String {
        path_of(&self.url)
    }

    pub(crate) fn response_body(&self) -> Option<&Value> {
        self.doc.response.as_ref().and_then(|r| r.body.as_ref())
    }
}

pub(crate) fn path_of(url: &str) -> String {
    let no_query = url.split('?').next().unwrap_or(url);
    if let Some(rest) = no_query.strip_prefix("{{base}}") {
        return rest.to_string();
    }
    if let Some(rest) = no_query.strip_prefix("https://graph.microsoft.com/") {
        return rest
            .find('/')
            .map_or(String::new(), |i| rest[i..].to_string());
    }
    no_query.to_string()
}

/// An input with choices: its name, its label, and each (value, label).
pub(crate) type ChoiceInput = (String, String, Vec<(String, String)>);

/// Everything the phases share.
pub(crate) struct Work {
    pub steps: Vec<WorkStep>,
    pub links: Vec<Link>,
    /// `input NAME` → (label, default).
    pub inputs: BTreeMap<String, (String, String)>,
    pub input_order: Vec<String>,
    pub needs_domain: bool,
    pub notes: Vec<String>,
    pub version: String,
    /// An account steps run as (`identity NAME: UPN`), with the run's password.
    pub identity: Option<(String, String)>,
    /// An input with choices, the first the default.
    pub choice: Option<ChoiceInput>,
}

impl Work {
    pub(crate) fn target(&self, step: usize, place: String) -> Target {
        let s = &self.steps[step];
        Target {
            step: s.id.clone(),
            request: s.doc.name.clone(),
            place,
        }
    }

    /// Adds a target to the link for `variable` and `value`, or a new link.
    pub(crate) fn link(&mut self, mut link: Link) {
        if let Some(existing) = self
            .links
            .iter_mut()
            .find(|l| l.variable == link.variable && l.value == link.value)
        {
            for t in link.to.drain(..) {
                if !existing.to.contains(&t) {
                    existing.to.push(t);
                }
            }
            existing.confidence = existing.confidence.min(link.confidence);
        } else {
            self.links.push(link);
        }
    }

    /// The step that captures `name`, if any.
    pub(crate) fn capturer(&self, name: &str) -> Option<usize> {
        self.steps
            .iter()
            .position(|s| s.captures.iter().any(|c| c.name == name))
    }

    pub(crate) fn name_taken(&self, name: &str) -> bool {
        self.capturer(name).is_some() || self.inputs.contains_key(name) || name == "domain"
    }
}

/// Imports a docs page. The result parses as a graphwalk tutorial; its links say how sure each one is.
pub fn import_docs(src: &str) -> Result<Imported, ImportError> {
    let page = page::read_page(src)?;
    // The version most requests use is the base; the others keep their absolute URL.
    let betas = page
        .steps
        .iter()
        .filter(|s| url_version(&s.url).as_deref() == Some("beta"))
        .count();
    let v1s = page
        .steps
        .iter()
        .filter(|s| url_version(&s.url).as_deref() == Some("v1.0"))
        .count();
    let version = if betas > v1s { "beta" } else { "v1.0" }.to_string();
    let mut work = Work {
        steps: Vec::new(),
        links: Vec::new(),
        inputs: BTreeMap::new(),
        input_order: Vec::new(),
        needs_domain: false,
        notes: Vec::new(),
        version: version.clone(),
        identity: None,
        choice: None,
    };
    let mut ids: Vec<String> = Vec::new();
    let mut titles: Vec<String> = Vec::new();
    for mut doc in page.steps {
        // Several requests under one heading: a short first sentence of their own prose names each.
        if titles.contains(&doc.title) {
            let first = doc
                .prose
                .lines()
                .next()
                .unwrap_or("")
                .trim()
                .trim_end_matches('.');
            if !first.is_empty() && first.len() <= 80 && !first.contains('`') {
                doc.title = first.to_string();
            }
        }
        titles.push(doc.title.clone());
        let mut id = names::slug(&doc.title);
        let base = id.clone();
        let mut n = 2;
        while ids.contains(&id) || id == "domain" {
            id = format!("{base}-{n}");
            n += 1;
        }
        ids.push(id.clone());
        let url = template_url(&doc.url, &version);
        let body = doc.body.as_ref().map(|b| match values::lenient_json(b) {
            Some(v) => serde_json::to_string_pretty(&v).unwrap_or_else(|_| b.clone()),
            None => b.clone(),
        });
        work.steps.push(WorkStep {
            headers: doc.headers.clone(),
            id,
            url,
            body,
            captures: Vec::new(),
            cleanup: None,
            removal_of: None,
            notes: Vec::new(),
            poll: None,
            run_as: None,
            when: None,
            scope: None,
            doc,
        });
    }
    for s in &work.steps {
        if s.doc.response.as_ref().is_some_and(|r| r.unreadable) {
            let note = format!(
                "The sample response after the request on line {} is not JSON, so no value is traced from it.",
                s.doc.line
            );
            work.notes.push(note);
        }
    }
    tenant::tenant_values(&mut work);
    tenant::existing_accounts(&mut work);
    trace::trace_responses(&mut work);
    untraced::untraced_ids(&mut work);
    cleanup::page_removals(&mut work);
    cleanup::infer_cleanup(&mut work);
    cleanup::infer_polls(&mut work);
    paths::self_service(&mut work);
    let markdown = emit::markdown(&work, &page.title);
    let tutorial = parse_tutorial(&markdown).map_err(|e: ParseError| {
        ImportError::new(
            0,
            format!(
                "the page was read, but the tutorial made from it does not load ({e}); \
                 import it with `graphwalk-import` to see the generated file and fix that line by hand"
            ),
        )
    })?;
    let mut links = work.links;
    links.sort_by_key(|l| (l.confidence, !matches!(l.from, Origin::Input)));
    let cleanup = work
        .steps
        .iter()
        .filter_map(|s| {
            let c = s.cleanup.as_ref()?;
            Some(CleanupPlan {
                step: s.id.clone(),
                request: c.request.lines().next().unwrap_or_default().to_string(),
                inferred: c.note.starts_with("cleanup inferred"),
            })
        })
        .collect();
    Ok(Imported {
        markdown,
        tutorial,
        links,
        notes: work.notes,
        cleanup,
    })
}

/// `https://graph.microsoft.com/beta/...` → `beta`.
fn url_version(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("https://graph.microsoft.com/")
        .or_else(|| url.strip_prefix('/'))?;
    let v = rest.split(['/', '?']).next()?;
    matches!(v, "v1.0" | "beta").then(|| v.to_string())
}

fn template_url(url: &str, base_version: &str) -> String {
    let rest = url
        .strip_prefix("https://graph.microsoft.com")
        .unwrap_or(url);
    let rest = if rest.starts_with('/') {
        rest.to_string()
    } else {
        format!("/{rest}")
    };
    let version = rest[1..].split(['/', '?']).next().unwrap_or("");
    match version {
        v if v == base_version => format!("{{{{base}}}}{}", &rest[1 + v.len()..]),
        "v1.0" | "beta" => format!("https://graph.microsoft.com{rest}"),
        _ => format!("{{{{base}}}}{rest}"),
    }
}
