//! Renders a tutorial's prose, a small safe subset of Markdown, as Yew nodes: never as HTML.
//!
//! Supported: paragraphs, `-`/`*` bullet lists, `code`, **bold**, *emphasis*, and [links](https://...) to
//! http(s) addresses only. Anything else shows as the text it is.

use yew::prelude::*;

#[derive(Properties, PartialEq, Clone)]
pub struct ProseProps {
    pub text: AttrValue,
}

#[component]
pub fn Prose(props: &ProseProps) -> Html {
    let blocks = use_memo(props.text.clone(), |text| blocks(text));
    html! { <div class="prose">{ (*blocks).clone() }</div> }
}

fn blocks(text: &str) -> Html {
    let mut out: Vec<Html> = Vec::new();
    let mut paragraph: Vec<&str> = Vec::new();
    let mut list: Vec<String> = Vec::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.is_empty() {
            flush_paragraph(&mut paragraph, &mut out);
            flush_list(&mut list, &mut out);
        } else if let Some(item) = trimmed
            .strip_prefix("- ")
            .or_else(|| trimmed.strip_prefix("* "))
        {
            flush_paragraph(&mut paragraph, &mut out);
            list.push(item.to_string());
        } else if let (Some(last), true) = (list.last_mut(), line.starts_with(' ')) {
            // An indented line continues the list item above it.
            last.push(' ');
            last.push_str(trimmed);
        } else {
            flush_list(&mut list, &mut out);
            paragraph.push(trimmed);
        }
    }
    flush_paragraph(&mut paragraph, &mut out);
    flush_list(&mut list, &mut out);
    out.into_iter().collect()
}

fn flush_paragraph(paragraph: &mut Vec<&str>, out: &mut Vec<Html>) {
    if !paragraph.is_empty() {
        out.push(html! { <p>{ inline(&paragraph.join(" ")) }</p> });
        paragraph.clear();
    }
}

fn flush_list(list: &mut Vec<String>, out: &mut Vec<Html>) {
    if !list.is_empty() {
        out.push(
            html! { <ul>{ for list.iter().map(|item| html! { <li>{ inline(item) }</li> }) }</ul> },
        );
        list.clear();
    }
}

/// Inline spans: `code`, **bold**, *em*, [text](http...). Unclosed markers are kept as text.
pub fn inline(text: &str) -> Html {
    let mut out: Vec<Html> = Vec::new();
    let mut plain = String::new();
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        let span = match c {
            '`' => delimited(rest, "`", "`")
                .map(|(inner, len)| (html! { <code>{ inner }</code> }, len)),
            '*' if rest.starts_with("**") => delimited(rest, "**", "**")
                .map(|(inner, len)| (html! { <strong>{ inline(inner) }</strong> }, len)),
            '*' | '_' => {
                let mark = if c == '*' { "*" } else { "_" };
                delimited(rest, mark, mark)
                    .map(|(inner, len)| (html! { <em>{ inline(inner) }</em> }, len))
            }
            '[' => link(rest),
            _ => None,
        };
        match span {
            Some((node, len)) => {
                if !plain.is_empty() {
                    out.push(html! { { std::mem::take(&mut plain) } });
                }
                out.push(node);
                rest = &rest[len..];
            }
            None => {
                plain.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    if !plain.is_empty() {
        out.push(html! { { plain } });
    }
    out.into_iter().collect()
}

fn delimited<'a>(text: &'a str, open: &str, close: &str) -> Option<(&'a str, usize)> {
    let body = text.strip_prefix(open)?;
    let end = body.find(close)?;
    (end > 0).then(|| (&body[..end], open.len() + end + close.len()))
}

fn link(text: &str) -> Option<(Html, usize)> {
    let close = text.find("](")?;
    let label = &text[1..close];
    let after = &text[close + 2..];
    let end = after.find(')')?;
    let href = &after[..end];
    // Only web links: a tutorial must not be able to smuggle `javascript:` into an href.
    if !(href.starts_with("https://") || href.starts_with("http://")) || label.is_empty() {
        return None;
    }
    let node = html! { <a href={href.to_string()} target="_blank" rel="noopener noreferrer">{ inline(label) }</a> };
    Some((node, close + 2 + end + 1))
}
