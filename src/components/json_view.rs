//! A collapsible JSON viewer that stays fast on multi-megabyte bodies: nothing is parsed or built
//! before it is shown. Each branch keeps its JSON text and splits it into children only when opened.
//! A search field finds a text in keys and values, opens the branches around the match it moves to.

use std::fmt;
use std::rc::Rc;
use std::sync::Arc;

use serde::de::{Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement};
use yew::prelude::*;

use super::json_search::{add_hits, marked, Hit, Part, Search, MAX_HITS};
use crate::state::Ptr;

/// How many children of one array or object are shown before a "show more" button.
const PAGE: usize = 200;
/// Branches at a depth below this, and no larger than `PAGE`, start open.
const OPEN_DEPTH: usize = 2;

/// One JSON value, still as text. Its children are split out only when a reader opens it.
#[derive(Debug)]
pub struct Node(Box<RawValue>);

/// A branch's children, split out of its text.
enum Children {
    Array(Vec<Rc<Node>>),
    Object(Vec<(String, Rc<Node>)>),
}

impl Node {
    /// Checks the whole body is JSON (a fast scan that builds nothing) and keeps it as the root.
    pub fn parse(body: &str) -> Option<Rc<Node>> {
        serde_json::from_str::<Box<RawValue>>(body)
            .ok()
            .map(|raw| Rc::new(Node(raw)))
    }

    fn text(&self) -> &str {
        self.0.get()
    }

    fn is_branch(&self) -> bool {
        matches!(self.text().as_bytes().first(), Some(b'{' | b'['))
    }

    fn children(&self) -> Children {
        let text = self.text();
        if text.starts_with('[') {
            let items: Vec<Box<RawValue>> = serde_json::from_str(text).unwrap_or_default();
            Children::Array(items.into_iter().map(|raw| Rc::new(Node(raw))).collect())
        } else {
            let mut de = serde_json::Deserializer::from_str(text);
            let entries = de.deserialize_map(EntriesVisitor).unwrap_or_default();
            Children::Object(
                entries
                    .into_iter()
                    .map(|(k, raw)| (k, Rc::new(Node(raw))))
                    .collect(),
            )
        }
    }

    /// Adds every match of `needle` in this branch's keys and values, in document order, to `hits`
    /// (false once there are `MAX_HITS`). `path` is this node's path.
    fn search(&self, needle: &str, path: &mut Vec<usize>, hits: &mut Vec<Hit>) -> bool {
        if !self.is_branch() {
            return add_hits(hits, path, Part::Value, self.text(), needle);
        }
        let mut visit = |i: usize, key: Option<&str>, child: &Node, hits: &mut Vec<Hit>| {
            path.push(i);
            let more = key
                .is_none_or(|key| add_hits(hits, path, Part::Key, &key_label(key), needle))
                && child.search(needle, path, hits);
            path.pop();
            more
        };
        match self.children() {
            Children::Array(items) => items
                .iter()
                .enumerate()
                .all(|(i, child)| visit(i, None, child, hits)),
            Children::Object(entries) => entries
                .iter()
                .enumerate()
                .all(|(i, (key, child))| visit(i, Some(key), child, hits)),
        }
    }

    /// Counts children without building them.
    fn len(&self) -> usize {
        let text = self.text();
        if text.starts_with('[') {
            serde_json::from_str::<Vec<&RawValue>>(text)
                .map(|v| v.len())
                .unwrap_or(0)
        } else {
            let mut de = serde_json::Deserializer::from_str(text);
            de.deserialize_map(CountVisitor).unwrap_or(0)
        }
    }
}

/// An object's entries in document order (a map type would reorder or merge them).
struct EntriesVisitor;

impl<'de> Visitor<'de> for EntriesVisitor {
    type Value = Vec<(String, Box<RawValue>)>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut entries = Vec::new();
        while let Some(entry) = map.next_entry::<String, Box<RawValue>>()? {
            entries.push(entry);
        }
        Ok(entries)
    }
}

struct CountVisitor;

impl<'de> Visitor<'de> for CountVisitor {
    type Value = usize;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<usize, A::Error> {
        let mut count = 0;
        while map.next_entry::<&str, &RawValue>()?.is_some() {
            count += 1;
        }
        Ok(count)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<usize, A::Error> {
        let mut count = 0;
        while seq.next_element::<&RawValue>()?.is_some() {
            count += 1;
        }
        Ok(count)
    }
}

#[derive(Properties, PartialEq, Clone)]
pub struct JsonViewProps {
    /// The raw body as received, shared with the run (compared by address first, so an unchanged
    /// multi-megabyte body is never compared byte by byte).
    pub body: Arc<str>,
}

/// Bodies larger than this are parsed in a task of their own, after the card has rendered, so a huge
/// response never adds its parse to the task that delivered it.
const DEFER_ABOVE: usize = 256 * 1024;

/// Shows a body as a JSON tree when it parses, otherwise as plain text; either way as text, never as HTML.
#[component]
pub fn JsonView(props: &JsonViewProps) -> Html {
    let large = props.body.len() > DEFER_ABOVE;
    // For a large body: `None` until its own task has parsed it.
    let deferred = use_state(|| None::<(Arc<str>, Option<Rc<Node>>)>);
    {
        let deferred = deferred.clone();
        use_effect_with(props.body.clone(), move |body| {
            let mut pending = None;
            if body.len() > DEFER_ABOVE {
                let body = body.clone();
                pending = Some(gloo_timers::callback::Timeout::new(0, move || {
                    let node = Node::parse(&body);
                    deferred.set(Some((body, node)));
                }));
            }
            move || drop(pending)
        });
    }
    let parsed = use_memo((props.body.clone(), large), |(body, large)| {
        if *large {
            None
        } else {
            Node::parse(body)
        }
    });
    let on_tree_key = Callback::from(tree_key);
    let on_tree_focus = Callback::from(|e: FocusEvent| {
        let item = e
            .target()
            .and_then(|t| t.dyn_into::<Element>().ok())
            .filter(|t| t.get_attribute("role").as_deref() == Some("treeitem"));
        if let Some(item) = item {
            if let Some(tree) = tree_of(&item) {
                rove_to(&tree, &item);
            }
        }
    });
    // `None` while a large body waits for its parse.
    let parsed: Option<Option<Rc<Node>>> = match &*deferred {
        Some((body, node)) if large && *body == props.body => Some(node.clone()),
        _ if large => None,
        _ => Some((*parsed).clone()),
    };

    // The search: what is looked for, which match is shown, and a count that changes on each move.
    let query = use_state(String::new);
    let at = use_state(|| 0usize);
    let generation = use_state(|| 0u32);
    let hits = use_memo(
        (
            props.body.clone(),
            parsed.clone().flatten().map(Ptr),
            (*query).clone(),
        ),
        |(body, root, query)| {
            let mut hits = Vec::new();
            if !query.is_empty() {
                match root {
                    Some(root) => {
                        root.0.search(query, &mut Vec::new(), &mut hits);
                    }
                    None => {
                        add_hits(&mut hits, &[], Part::Value, body, query);
                    }
                }
            }
            hits
        },
    );
    let count = hits.len();
    let current = (count > 0).then(|| (*at).min(count - 1));
    let search = Search {
        needle: Rc::from(query.as_str()),
        current: current.and_then(|i| hits.get(i).cloned()),
        generation: *generation,
    };
    let go = {
        let (at, generation) = (at.clone(), generation.clone());
        move |forward: bool| {
            if count == 0 {
                return;
            }
            let from = (*at).min(count - 1);
            at.set(if forward {
                (from + 1) % count
            } else {
                (from + count - 1) % count
            });
            generation.set(generation.wrapping_add(1));
        }
    };
    let on_query = {
        let (query, at, generation) = (query.clone(), at.clone(), generation.clone());
        Callback::from(move |e: InputEvent| {
            let field: web_sys::HtmlInputElement = e.target_unchecked_into();
            query.set(field.value());
            at.set(0);
            generation.set(generation.wrapping_add(1));
        })
    };
    let on_search_key = {
        let (query, go) = (query.clone(), go.clone());
        Callback::from(move |e: KeyboardEvent| match e.key().as_str() {
            "Enter" => {
                e.prevent_default();
                go(!e.shift_key());
            }
            "Escape" if !query.is_empty() => {
                // Esc clears the search here; it does not also close what the page would close.
                e.prevent_default();
                e.stop_propagation();
                query.set(String::new());
            }
            _ => {}
        })
    };
    let on_next = {
        let go = go.clone();
        Callback::from(move |_: MouseEvent| go(true))
    };
    let on_previous = Callback::from(move |_: MouseEvent| go(false));

    let Some(parsed) = parsed else {
        return html! {
            <p class="json-pending" aria-live="polite">
                { format!("Preparing the view of a {:.1} MB body…", props.body.len() as f64 / 1_048_576.0) }
            </p>
        };
    };
    if parsed.is_none() && props.body.trim().is_empty() {
        return html! { <p class="json-empty">{ "(empty body)" }</p> };
    }
    let said = match current {
        _ if query.is_empty() => String::new(),
        None => "No matches".to_string(),
        Some(i) if count >= MAX_HITS => format!("{} of {MAX_HITS}+", i + 1),
        Some(i) => format!("{} of {count}", i + 1),
    };
    let search_bar = html! {
        <div class="body-search" role="group" aria-label="Find in the body">
            <input type="search" class="search-field" placeholder="Find in body" aria-label="Find in the response body"
                value={(*query).clone()} oninput={on_query} onkeydown={on_search_key} spellcheck="false" />
            <span class="search-count" role="status">{ said }</span>
            <button type="button" class="search-previous" aria-label="Previous match" title="Previous match (Shift+Enter)"
                disabled={count == 0} onclick={on_previous}>{ "↑" }</button>
            <button type="button" class="search-next" aria-label="Next match" title="Next match (Enter)"
                disabled={count == 0} onclick={on_next}>{ "↓" }</button>
        </div>
    };
    let view = match &parsed {
        Some(root) => html! {
            <ContextProvider<Search> context={search}>
                <div class="json-view mono" role="tree" aria-label="Response body" onkeydown={on_tree_key}
                    onfocusin={on_tree_focus}>
                    <JsonNode node={root.clone()} depth={0} path={Rc::<[usize]>::from(&[][..])} />
                </div>
            </ContextProvider<Search>>
        },
        None => html! {
            <pre class="json-raw">
                { marked(&props.body, &search.needle, search.current_in(&[], Part::Value), search.generation) }
            </pre>
        },
    };
    html! { <>{ search_bar }{ view }</> }
}

/// An object key as the tree shows it (and as the search reads it): quoted, escaped as JSON.
fn key_label(key: &str) -> String {
    serde_json::to_string(key).unwrap_or_default()
}

#[derive(Properties, Clone)]
struct JsonNodeProps {
    node: Rc<Node>,
    depth: usize,
    /// Child indexes from the root (the search's address of this line).
    path: Rc<[usize]>,
    #[prop_or_default]
    label: Option<AttrValue>,
    /// The label is an object's key (searched), not an array index.
    #[prop_or_default]
    key_label: bool,
}

impl PartialEq for JsonNodeProps {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.node, &other.node)
            && self.depth == other.depth
            && self.path == other.path
            && self.label == other.label
            && self.key_label == other.key_label
    }
}

/// One line's place in the tree and the search to mark in it.
struct Line<'a> {
    search: &'a Search,
    path: &'a [usize],
}

#[component]
fn JsonNode(props: &JsonNodeProps) -> Html {
    let node = props.node.clone();
    let search = use_context::<Search>().unwrap_or_else(|| Search {
        needle: Rc::from(""),
        current: None,
        generation: 0,
    });
    let len = use_memo(Ptr(node.clone()), |node| {
        if node.is_branch() {
            node.len()
        } else {
            0
        }
    });
    let len = *len;
    let starts_open = props.depth < OPEN_DEPTH && len <= PAGE;
    let open = use_state(|| starts_open);
    let shown = use_state(|| PAGE);
    // The search moved to a match inside this branch: open it, and show enough children to reach it.
    {
        let (open, shown) = (open.clone(), shown.clone());
        let leads = search.leads_through(&props.path);
        use_effect_with((leads, search.generation), move |(leads, _)| {
            if let Some(child) = *leads {
                if !*open {
                    open.set(true);
                }
                if child >= *shown {
                    shown.set((child / PAGE + 1) * PAGE);
                }
            }
        });
    }
    // Split into children only while open; closing and reopening keeps them.
    let children = use_memo((Ptr(node.clone()), *open), |(node, open)| {
        (*open && node.is_branch()).then(|| node.children())
    });

    let line = Line {
        search: &search,
        path: &props.path,
    };
    let label = props
        .label
        .as_ref()
        .map(|label| label_html(label, props.key_label, &line));

    if !node.is_branch() {
        return leaf_html(label, &node, &line);
    }
    let is_array = node.text().starts_with('[');
    let (opening, closing) = if is_array { ("[", "]") } else { ("{", "}") };
    let tabindex = if props.depth == 0 { "0" } else { "-1" };
    if len == 0 {
        return html! {
            <div class="json-line" role="treeitem" {tabindex}>{ label }<span class="json-punct">{ opening }{ closing }</span></div>
        };
    }
    let summary = if is_array {
        format!("{len} item{}", plural(len))
    } else {
        format!("{len} key{}", plural(len))
    };

    let toggle = {
        let open = open.clone();
        Callback::from(move |_: MouseEvent| open.set(!*open))
    };
    // The item itself takes focus (one tab stop for the tree, see `tree_key`); its first line opens and
    // closes it on a click.
    let head = html! {
        <span class="json-toggle" onclick={toggle}>
            <span class="json-caret" aria-hidden="true">{ if *open { "▾" } else { "▸" } }</span>
            { label }
            <span class="json-punct">{ opening }</span>
            if !*open {
                <span class="json-summary">{ format!(" {summary} ") }</span>
                <span class="json-punct">{ closing }</span>
            }
        </span>
    };
    let Some(children) = &*children else {
        return html! {
            <div class="json-line" role="treeitem" aria-expanded="false" {tabindex}>{ head }</div>
        };
    };

    let limit = (*shown).min(len);
    let depth = props.depth + 1;
    let child_path = |i: usize| -> Rc<[usize]> { props.path.iter().copied().chain([i]).collect() };
    let rows: Html = match children {
        Children::Array(items) => items
            .iter()
            .take(limit)
            .enumerate()
            .map(|(i, child)| {
                let label = AttrValue::from(i.to_string());
                row(i, (label, false), child, depth, child_path(i), &search)
            })
            .collect(),
        Children::Object(entries) => entries
            .iter()
            .take(limit)
            .enumerate()
            .map(|(i, (key, child))| {
                let label = AttrValue::from(key_label(key));
                row(i, (label, true), child, depth, child_path(i), &search)
            })
            .collect(),
    };
    let more = (limit < len).then(|| {
        let shown = shown.clone();
        let remaining = len - limit;
        let onclick = Callback::from(move |_: MouseEvent| shown.set(*shown + PAGE));
        html! {
            <div class="json-line json-more" role="treeitem" tabindex="-1" {onclick}>
                { format!("Show {} more of {remaining}", remaining.min(PAGE)) }
            </div>
        }
    });

    html! {
        <div class="json-line" role="treeitem" aria-expanded="true" {tabindex}>
            { head }
            <div class="json-children" role="group">{ rows }{ more }</div>
            <span class="json-punct">{ closing }</span>
        </div>
    }
}

/// One child row. Only a branch needs a component (it keeps its open state); a scalar is plain markup,
/// so a long list of fields costs no component per field. `label`: the text, and whether it is a key.
fn row(
    index: usize,
    (label, key_label): (AttrValue, bool),
    child: &Rc<Node>,
    depth: usize,
    path: Rc<[usize]>,
    search: &Search,
) -> Html {
    if child.is_branch() {
        html! { <JsonNode key={index} node={child.clone()} {depth} {path} {label} {key_label} /> }
    } else {
        let line = Line {
            search,
            path: &path,
        };
        html! {
            <div key={index} class="json-line" role="treeitem" tabindex="-1">
                { label_html(&label, key_label, &line) }{ scalar_html(child.text(), &line) }
            </div>
        }
    }
}

fn leaf_html(label: Option<Html>, node: &Node, line: &Line) -> Html {
    html! { <div class="json-line" role="treeitem" tabindex="0">{ label }{ scalar_html(node.text(), line) }</div> }
}

/// A key (its matches marked) or an array index.
fn label_html(label: &AttrValue, key: bool, line: &Line) -> Html {
    let text = if key {
        let current = line.search.current_in(line.path, Part::Key);
        marked(label, &line.search.needle, current, line.search.generation)
    } else {
        html! { { label.clone() } }
    };
    html! { <><span class="json-key">{ text }</span>{ ": " }</> }
}

/// A scalar exactly as the body wrote it (strings keep their JSON quoting), classed by kind, its matches
/// marked.
fn scalar_html(text: &str, line: &Line) -> Html {
    let class = match text.as_bytes().first() {
        Some(b'"') => "json-string",
        Some(b't' | b'f') => "json-bool",
        Some(b'n') => "json-null",
        _ => "json-number",
    };
    let current = line.search.current_in(line.path, Part::Value);
    html! { <span {class}>{ marked(text, &line.search.needle, current, line.search.generation) }</span> }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// The tree's items in the order they are shown (a closed branch has no children in the page).
fn items(tree: &Element) -> Vec<HtmlElement> {
    let Ok(list) = tree.query_selector_all("[role=treeitem]") else {
        return Vec::new();
    };
    (0..list.length())
        .filter_map(|i| list.item(i))
        .filter_map(|n| n.dyn_into::<HtmlElement>().ok())
        .collect()
}

/// The tree an item belongs to (Yew hands events on from the app's root, so the event's current target
/// is not the tree).
fn tree_of(item: &Element) -> Option<Element> {
    item.closest("[role=tree]").ok().flatten()
}

/// Makes `item` the tree's one tab stop.
fn rove_to(tree: &Element, item: &Element) {
    for other in items(tree) {
        let stop = other.is_same_node(Some(item));
        let _ = other.set_attribute("tabindex", if stop { "0" } else { "-1" });
    }
}

/// The WAI-ARIA tree's keys: Up and Down move between shown items, Home and End to the first and last,
/// Right opens a branch or enters it, Left closes it or goes to its parent, Enter and Space open, close or
/// show more.
fn tree_key(e: KeyboardEvent) {
    let Some(item) = e
        .target()
        .and_then(|t| t.dyn_into::<Element>().ok())
        .filter(|t| t.get_attribute("role").as_deref() == Some("treeitem"))
    else {
        return;
    };
    let Some(tree) = tree_of(&item) else {
        return;
    };
    let shown = items(&tree);
    let Some(at) = shown.iter().position(|i| i.is_same_node(Some(&item))) else {
        return;
    };
    let expanded = item.get_attribute("aria-expanded");
    let click_head = |item: &Element| {
        let head = item
            .query_selector(":scope > .json-toggle")
            .ok()
            .flatten()
            .and_then(|h| h.dyn_into::<HtmlElement>().ok());
        match head {
            Some(head) => head.click(),
            None => {
                if let Some(item) = item.dyn_ref::<HtmlElement>() {
                    item.click()
                }
            }
        }
    };
    let to = match e.key().as_str() {
        "ArrowDown" => shown.get(at + 1).cloned(),
        "ArrowUp" => at.checked_sub(1).and_then(|i| shown.get(i).cloned()),
        "Home" => shown.first().cloned(),
        "End" => shown.last().cloned(),
        "ArrowRight" => match expanded.as_deref() {
            Some("false") => {
                click_head(&item);
                None
            }
            Some("true") => shown.get(at + 1).cloned(),
            _ => None,
        },
        "ArrowLeft" => match expanded.as_deref() {
            Some("true") => {
                click_head(&item);
                None
            }
            _ => item
                .parent_element()
                .and_then(|p| p.closest("[role=treeitem]").ok().flatten())
                .and_then(|p| p.dyn_into::<HtmlElement>().ok()),
        },
        "Enter" | " " => {
            if expanded.is_some()
                || item
                    .class_name()
                    .split_whitespace()
                    .any(|c| c == "json-more")
            {
                click_head(&item);
            }
            None
        }
        _ => return,
    };
    e.prevent_default();
    if let Some(to) = to {
        rove_to(&tree, &to);
        let _ = to.focus();
    }
}
