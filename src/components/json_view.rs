//! A collapsible JSON viewer that stays fast on multi-megabyte bodies: nothing is parsed or built
//! before it is shown. Each branch keeps its JSON text and splits it into children only when opened.

use std::fmt;
use std::rc::Rc;
use std::sync::Arc;

use serde::de::{Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement};
use yew::prelude::*;

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
    let parsed = match &*deferred {
        Some((body, node)) if large && *body == props.body => node.clone(),
        _ if large => {
            return html! {
                <p class="json-pending" aria-live="polite">
                    { format!("Preparing the view of a {:.1} MB body…", props.body.len() as f64 / 1_048_576.0) }
                </p>
            }
        }
        _ => (*parsed).clone(),
    };
    match &parsed {
        Some(root) => html! {
            <div class="json-view mono" role="tree" aria-label="Response body" onkeydown={on_tree_key}
                onfocusin={on_tree_focus}>
                <JsonNode node={root.clone()} depth={0} />
            </div>
        },
        None if props.body.trim().is_empty() => {
            html! { <p class="json-empty">{ "(empty body)" }</p> }
        }
        None => html! { <pre class="json-raw">{ props.body.to_string() }</pre> },
    }
}

#[derive(Properties, Clone)]
struct JsonNodeProps {
    node: Rc<Node>,
    depth: usize,
    #[prop_or_default]
    label: Option<AttrValue>,
}

impl PartialEq for JsonNodeProps {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.node, &other.node)
            && self.depth == other.depth
            && self.label == other.label
    }
}

#[component]
fn JsonNode(props: &JsonNodeProps) -> Html {
    let node = props.node.clone();
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
    // Split into children only while open; closing and reopening keeps them.
    let children = use_memo((Ptr(node.clone()), *open), |(node, open)| {
        (*open && node.is_branch()).then(|| node.children())
    });

    let label = props.label.as_ref().map(label_html);

    if !node.is_branch() {
        return leaf_html(props.label.as_ref(), &node);
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
    let rows: Html = match children {
        Children::Array(items) => items
            .iter()
            .take(limit)
            .enumerate()
            .map(|(i, child)| row(i, AttrValue::from(i.to_string()), child, depth))
            .collect(),
        Children::Object(entries) => entries
            .iter()
            .take(limit)
            .enumerate()
            .map(|(i, (key, child))| {
                let key = serde_json::to_string(key).unwrap_or_default();
                row(i, AttrValue::from(key), child, depth)
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
/// so a long list of fields costs no component per field.
fn row(index: usize, label: AttrValue, child: &Rc<Node>, depth: usize) -> Html {
    if child.is_branch() {
        html! { <JsonNode key={index} node={child.clone()} {depth} {label} /> }
    } else {
        html! {
            <div key={index} class="json-line" role="treeitem" tabindex="-1">{ label_html(&label) }{ scalar_html(child.text()) }</div>
        }
    }
}

fn leaf_html(label: Option<&AttrValue>, node: &Node) -> Html {
    html! { <div class="json-line" role="treeitem" tabindex="0">{ label.map(label_html) }{ scalar_html(node.text()) }</div> }
}

fn label_html(label: &AttrValue) -> Html {
    html! { <><span class="json-key">{ label.clone() }</span>{ ": " }</> }
}

/// A scalar exactly as the body wrote it (strings keep their JSON quoting), classed by kind.
fn scalar_html(text: &str) -> Html {
    let class = match text.as_bytes().first() {
        Some(b'"') => "json-string",
        Some(b't' | b'f') => "json-bool",
        Some(b'n') => "json-null",
        _ => "json-number",
    };
    html! { <span {class}>{ text.to_string() }</span> }
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
