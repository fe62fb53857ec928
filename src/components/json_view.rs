//! A collapsible JSON viewer that stays fast on multi-megabyte bodies: closed subtrees are never built.

use std::rc::Rc;

use serde_json::Value;
use yew::prelude::*;

/// How many children of one array or object are shown before a "show more" button.
const PAGE: usize = 200;
/// Containers at a depth below this, and no larger than `PAGE`, start open.
const OPEN_DEPTH: usize = 2;

/// A JSON document converted once into shared nodes, so each subtree can be handed to a child component
/// cheaply and compared by pointer.
#[derive(Debug)]
pub enum Node {
    Null,
    Bool(bool),
    Number(String),
    String(String),
    Array(Vec<Rc<Node>>),
    Object(Vec<(String, Rc<Node>)>),
}

impl Node {
    pub fn from_value(value: Value) -> Rc<Node> {
        Rc::new(match value {
            Value::Null => Node::Null,
            Value::Bool(b) => Node::Bool(b),
            Value::Number(n) => Node::Number(n.to_string()),
            Value::String(s) => Node::String(s),
            Value::Array(items) => Node::Array(items.into_iter().map(Node::from_value).collect()),
            Value::Object(map) => Node::Object(
                map.into_iter()
                    .map(|(k, v)| (k, Node::from_value(v)))
                    .collect(),
            ),
        })
    }

    fn len(&self) -> usize {
        match self {
            Node::Array(items) => items.len(),
            Node::Object(entries) => entries.len(),
            _ => 0,
        }
    }
}

#[derive(Properties, PartialEq, Clone)]
pub struct JsonViewProps {
    /// The raw body as received.
    pub body: AttrValue,
}

/// Shows a body as a JSON tree when it parses, otherwise as plain text; either way as text, never as HTML.
#[component]
pub fn JsonView(props: &JsonViewProps) -> Html {
    let parsed = use_memo(props.body.clone(), |body| {
        serde_json::from_str::<Value>(body)
            .ok()
            .map(Node::from_value)
    });
    match &*parsed {
        Some(root) => html! {
            <div class="json-view mono" role="tree">
                <JsonNode node={root.clone()} depth={0} />
            </div>
        },
        None if props.body.is_empty() => html! { <p class="json-empty">{ "(empty body)" }</p> },
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
    let node = &props.node;
    let starts_open = props.depth < OPEN_DEPTH && node.len() <= PAGE;
    let open = use_state(|| starts_open);
    let shown = use_state(|| PAGE);

    let label = props.label.as_ref().map(|l| {
        html! { <><span class="json-key">{ l.to_string() }</span><span class="json-colon">{ ": " }</span></> }
    });

    let (opening, closing, summary) = match &**node {
        Node::Array(items) => (
            "[",
            "]",
            format!("{} item{}", items.len(), plural(items.len())),
        ),
        Node::Object(entries) => (
            "{",
            "}",
            format!("{} key{}", entries.len(), plural(entries.len())),
        ),
        scalar => {
            return html! {
                <div class="json-line" role="treeitem">{ label }{ scalar_html(scalar) }</div>
            }
        }
    };

    if node.len() == 0 {
        return html! {
            <div class="json-line" role="treeitem">{ label }<span class="json-punct">{ opening }{ closing }</span></div>
        };
    }

    let toggle = {
        let open = open.clone();
        Callback::from(move |_: MouseEvent| open.set(!*open))
    };
    let head = html! {
        <button type="button" class="json-toggle" aria-expanded={ (*open).to_string() } onclick={toggle}>
            <span class="json-caret" aria-hidden="true">{ if *open { "▾" } else { "▸" } }</span>
            { label }
            <span class="json-punct">{ opening }</span>
            if !*open {
                <span class="json-summary">{ format!(" {summary} ") }</span>
                <span class="json-punct">{ closing }</span>
            }
        </button>
    };
    if !*open {
        return html! { <div class="json-line" role="treeitem" aria-expanded="false">{ head }</div> };
    }

    let limit = (*shown).min(node.len());
    let depth = props.depth + 1;
    let children: Html = match &**node {
        Node::Array(items) => items[..limit]
            .iter()
            .enumerate()
            .map(|(i, child)| {
                html! { <JsonNode key={i} node={child.clone()} depth={depth} label={AttrValue::from(i.to_string())} /> }
            })
            .collect(),
        Node::Object(entries) => entries[..limit]
            .iter()
            .enumerate()
            .map(|(i, (key, child))| {
                html! { <JsonNode key={i} node={child.clone()} depth={depth} label={AttrValue::from(format!("\"{key}\""))} /> }
            })
            .collect(),
        _ => Html::default(),
    };
    let more = (limit < node.len()).then(|| {
        let shown = shown.clone();
        let remaining = node.len() - limit;
        let onclick = Callback::from(move |_: MouseEvent| shown.set(*shown + PAGE));
        html! {
            <button type="button" class="json-more" {onclick}>
                { format!("Show {} more of {remaining}", remaining.min(PAGE)) }
            </button>
        }
    });

    html! {
        <div class="json-line" role="treeitem" aria-expanded="true">
            { head }
            <div class="json-children" role="group">{ children }{ more }</div>
            <span class="json-punct">{ closing }</span>
        </div>
    }
}

fn scalar_html(node: &Node) -> Html {
    match node {
        Node::Null => html! { <span class="json-null">{ "null" }</span> },
        Node::Bool(b) => html! { <span class="json-bool">{ b.to_string() }</span> },
        Node::Number(n) => html! { <span class="json-number">{ n.clone() }</span> },
        Node::String(s) => {
            let quoted = serde_json::to_string(s).unwrap_or_default();
            html! { <span class="json-string">{ quoted }</span> }
        }
        _ => Html::default(),
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
