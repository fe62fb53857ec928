//! Finding a text in a response body: where it occurs (ignoring case), and the occurrences marked as text.

use std::ops::Range;
use std::rc::Rc;

use yew::prelude::*;

/// Counting stops here: a body with more matches says "1000+".
pub const MAX_HITS: usize = 1000;

/// Which text of a tree line a match is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// An object's key, as shown (quoted).
    Key,
    /// A scalar value as the body wrote it, or the whole of a plain-text body.
    Value,
}

/// One match: the line (child indexes from the root; empty for the root or a plain-text body), the text
/// on that line, and which occurrence in that text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hit {
    pub path: Rc<[usize]>,
    pub part: Part,
    pub nth: usize,
}

/// What the tree needs to mark matches: the text looked for, and the match to show.
#[derive(Clone, Debug, PartialEq)]
pub struct Search {
    pub needle: Rc<str>,
    pub current: Option<Hit>,
    /// Changes each time the reader moves to a match, so it is brought into view even if it is the same.
    pub generation: u32,
}

impl Search {
    /// Which occurrence in this text is the current match, if any.
    pub fn current_in(&self, path: &[usize], part: Part) -> Option<usize> {
        self.current
            .as_ref()
            .filter(|h| h.part == part && *h.path == *path)
            .map(|h| h.nth)
    }

    /// The index of this branch's child that leads to the current match, if the match is inside it.
    pub fn leads_through(&self, path: &[usize]) -> Option<usize> {
        self.current
            .as_ref()
            .filter(|h| h.path.len() > path.len() && h.path.starts_with(path))
            .map(|h| h.path[path.len()])
    }
}

/// Where `needle` occurs in `hay`, ignoring case, without overlaps (byte ranges of `hay`).
pub fn find_all(hay: &str, needle: &str) -> Vec<Range<usize>> {
    let needle: Vec<char> = needle.chars().flat_map(char::to_lowercase).collect();
    let mut found = Vec::new();
    if needle.is_empty() {
        return found;
    }
    let mut from = 0;
    for (start, _) in hay.char_indices() {
        if start < from {
            continue;
        }
        if let Some(len) = match_at(&hay[start..], &needle) {
            found.push(start..start + len);
            from = start + len;
        }
    }
    found
}

/// The length of `text`'s start if it matches `needle` (already lowercase).
fn match_at(text: &str, needle: &[char]) -> Option<usize> {
    let mut want = needle.iter();
    for (at, c) in text.char_indices() {
        for lower in c.to_lowercase() {
            if want.next() != Some(&lower) {
                return None;
            }
        }
        if want.len() == 0 {
            return Some(at + c.len_utf8());
        }
    }
    None
}

/// Adds the matches in one text of one line to `hits`; false once `MAX_HITS` is reached.
pub fn add_hits(hits: &mut Vec<Hit>, path: &[usize], part: Part, text: &str, needle: &str) -> bool {
    for nth in 0..find_all(text, needle).len() {
        if hits.len() >= MAX_HITS {
            return false;
        }
        hits.push(Hit {
            path: Rc::from(path),
            part,
            nth,
        });
    }
    hits.len() < MAX_HITS
}

/// `text` with each match in a `<mark>` (the current one brought into view), all of it as text nodes.
pub fn marked(text: &str, needle: &str, current: Option<usize>, generation: u32) -> Html {
    let ranges = find_all(text, needle);
    if ranges.is_empty() {
        return html! { { text.to_string() } };
    }
    let mut pieces = Vec::with_capacity(ranges.len() * 2 + 1);
    let mut at = 0;
    for (nth, range) in ranges.into_iter().enumerate() {
        pieces.push(html! { { text[at..range.start].to_string() } });
        let found = AttrValue::from(text[range.clone()].to_string());
        pieces.push(if current == Some(nth) {
            html! { <CurrentHit text={found} {generation} /> }
        } else {
            html! { <mark class="search-hit">{ found }</mark> }
        });
        at = range.end;
    }
    pieces.push(html! { { text[at..].to_string() } });
    pieces.into_iter().collect()
}

#[derive(Properties, PartialEq, Clone)]
struct CurrentHitProps {
    text: AttrValue,
    generation: u32,
}

/// The match the reader moved to: marked apart, and scrolled into view once it is in the page (after the
/// branches around it have opened).
#[component]
fn CurrentHit(props: &CurrentHitProps) -> Html {
    let mark = use_node_ref();
    {
        let mark = mark.clone();
        use_effect_with(props.generation, move |_| {
            if let Some(mark) = mark.cast::<web_sys::Element>() {
                let options = web_sys::ScrollIntoViewOptions::new();
                options.set_block(web_sys::ScrollLogicalPosition::Nearest);
                options.set_inline(web_sys::ScrollLogicalPosition::Nearest);
                mark.scroll_into_view_with_scroll_into_view_options(&options);
            }
        });
    }
    html! { <mark class="search-hit search-current" ref={mark}>{ props.text.clone() }</mark> }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts<'a>(hay: &'a str, needle: &str) -> Vec<&'a str> {
        find_all(hay, needle).into_iter().map(|r| &hay[r]).collect()
    }

    #[test]
    fn matches_ignore_case_and_do_not_overlap() {
        assert_eq!(
            texts("\"Marketing\" market MARKET", "market"),
            ["Market", "market", "MARKET"]
        );
        assert_eq!(texts("aaaa", "aa"), ["aa", "aa"]);
        assert!(texts("abc", "").is_empty());
        assert!(texts("ab", "abc").is_empty());
    }

    #[test]
    fn matches_keep_to_character_boundaries() {
        assert_eq!(texts("Ünïcödé ünï", "ÜNÏ"), ["Ünï", "ünï"]);
        assert_eq!(texts("日本語の本", "本"), ["本", "本"]);
        // İ lowercases to two characters; a needle of only the first does not end inside it.
        assert!(texts("İ", "i").is_empty());
    }

    #[test]
    fn counting_stops_at_the_limit() {
        let mut hits = Vec::new();
        let text = "x".repeat(MAX_HITS + 5);
        assert!(!add_hits(&mut hits, &[1, 2], Part::Value, &text, "x"));
        assert_eq!(hits.len(), MAX_HITS);
        assert_eq!(*hits[3].path, [1, 2]);
        assert_eq!(hits[3].nth, 3);
    }

    #[test]
    fn a_branch_knows_the_child_that_leads_to_the_match() {
        let search = Search {
            needle: Rc::from("x"),
            current: Some(Hit {
                path: Rc::from(&[0, 4, 2][..]),
                part: Part::Key,
                nth: 1,
            }),
            generation: 1,
        };
        assert_eq!(search.leads_through(&[]), Some(0));
        assert_eq!(search.leads_through(&[0, 4]), Some(2));
        assert_eq!(search.leads_through(&[0, 4, 2]), None);
        assert_eq!(search.leads_through(&[1]), None);
        assert_eq!(search.current_in(&[0, 4, 2], Part::Key), Some(1));
        assert_eq!(search.current_in(&[0, 4, 2], Part::Value), None);
    }
}
