//! Values of earlier sample responses that reappear in later requests become captures and `{{variables}}`.

use std::collections::BTreeSet;

use serde_json::Value;

use super::names::{context_type, name_prefix, short_type};
use super::values::{
    at, filter_clauses, guids_in, is_guid, is_traceable, json_path, leaves, occurrences,
    replace_all, singular, snake, Seg,
};
use super::{CaptureDef, Confidence, Link, Origin, Work};

/// A traceable value in a step's sample response.
#[derive(Clone, Debug)]
pub(crate) struct Source {
    pub step: usize,
    pub path: Vec<Seg>,
    pub value: String,
    /// The object's own `id` (`$.id` or `$.value[n].id`), not a reference to another object.
    pub own: bool,
}

fn last_key(path: &[Seg]) -> &str {
    match path.last() {
        Some(Seg::Key(k)) => k,
        _ => "",
    }
}

pub(crate) fn sources(work: &Work) -> Vec<Source> {
    let mut out = Vec::new();
    for (i, s) in work.steps.iter().enumerate() {
        let Some(body) = s.response_body() else {
            continue;
        };
        for leaf in leaves(body) {
            let key = last_key(&leaf.path);
            if key.starts_with('@')
                || !is_traceable(key, &leaf.value)
                || super::names::is_constant_id(key, &leaf.value)
            {
                continue;
            }
            let own = match leaf.path.as_slice() {
                [Seg::Key(k)] => k == "id",
                [Seg::Key(v), Seg::Index(_), Seg::Key(k)] => v == "value" && k == "id",
                _ => false,
            };
            out.push(Source {
                step: i,
                path: leaf.path,
                value: leaf.value,
                own,
            });
        }
    }
    out
}

/// The (camel-case) type of the object a response leaf belongs to.
pub(crate) fn object_type(work: &Work, step: usize, path: &[Seg]) -> String {
    let s = &work.steps[step];
    let parent = &path[..path.len().saturating_sub(1)];
    if let Some(Seg::Key(k)) = parent.last() {
        if !(parent.len() == 1 && k == "value") {
            return k.clone();
        }
    }
    let body = s.response_body();
    if let (Some(Seg::Index(_)), Some(body)) = (parent.last(), body) {
        if let Some(t) = at(body, parent)
            .and_then(|item| item.get("@odata.type"))
            .and_then(Value::as_str)
        {
            return super::page::short_type(t);
        }
    }
    if let Some(t) = s.doc.response.as_ref().and_then(|r| r.odata_type.clone()) {
        return t;
    }
    if let Some(t) = body
        .and_then(|b| b.get("@odata.context"))
        .and_then(Value::as_str)
        .and_then(context_type)
    {
        return t;
    }
    url_type(&s.path())
}

/// The last segment of a path that names something (not an id or a variable), singular.
pub(crate) fn url_type(path: &str) -> String {
    path.split('/')
        .rfind(|p| !p.is_empty() && !p.contains("{{") && !is_guid(p) && !p.starts_with('$'))
        .map(singular)
        .unwrap_or_else(|| "object".to_string())
}

/// The variable a source would be captured as, before collisions are settled.
fn base_name(work: &Work, src: &Source) -> String {
    let t = short_type(&object_type(work, src.step, &src.path));
    let key = last_key(&src.path);
    let key_part = if key == "id" {
        "id".to_string()
    } else {
        snake(key)
    };
    if key_part.starts_with(&t) {
        key_part
    } else {
        format!("{t}_{key_part}")
    }
}

/// The display name of the object a leaf belongs to (response first, then the request that made it).
fn object_name(work: &Work, src: &Source) -> Option<String> {
    let s = &work.steps[src.step];
    let parent = &src.path[..src.path.len().saturating_sub(1)];
    let from_response = s
        .response_body()
        .and_then(|b| at(b, parent))
        .and_then(|o| o.get("displayName").or_else(|| o.get("name")))
        .and_then(Value::as_str)
        .map(str::to_string);
    from_response.or_else(|| {
        let body: Value = serde_json::from_str(s.doc.body.as_deref()?).ok()?;
        body.get("displayName")?.as_str().map(str::to_string)
    })
}

/// The capture for a source, added to its step if it is not there yet; returns its name.
pub(crate) fn ensure_capture(
    work: &mut Work,
    src: &Source,
    ambiguous: &BTreeSet<String>,
    why: &str,
) -> String {
    let (jsonpath, note) = capture_path(work, src);
    if let Some(c) = work.steps[src.step]
        .captures
        .iter()
        .find(|c| c.jsonpath == jsonpath)
    {
        return c.name.clone();
    }
    let base = base_name(work, src);
    let prefixed = object_name(work, src)
        .map(|n| name_prefix(&n, &base))
        .filter(|p| !p.is_empty() && !base.starts_with(p.as_str()))
        .map(|p| format!("{p}_{base}"));
    let mut name = match (&prefixed, ambiguous.contains(&base)) {
        (Some(p), true) => p.clone(),
        _ => base.clone(),
    };
    if work.name_taken(&name) {
        if let Some(p) = prefixed.filter(|p| !work.name_taken(p)) {
            name = p;
        } else {
            let mut n = 2;
            while work.name_taken(&format!("{base}_{n}")) {
                n += 1;
            }
            name = format!("{base}_{n}");
        }
    }
    work.steps[src.step].captures.push(CaptureDef {
        name: name.clone(),
        jsonpath,
        note: format!("{note}; {why}"),
    });
    name
}

/// The JSONPath of a capture: a list item is picked by what the request's `$filter` asked for.
fn capture_path(work: &Work, src: &Source) -> (String, String) {
    let s = &work.steps[src.step];
    let rest_of = |rest: &[Seg]| json_path(rest)[1..].to_string();
    if let [Seg::Key(v), Seg::Index(n), rest @ ..] = src.path.as_slice() {
        if v == "value" {
            let body = s.response_body();
            let items = body.and_then(|b| b.get("value")).and_then(Value::as_array);
            let item = items.and_then(|a| a.get(*n));
            if let Some(item) = item {
                let doc_clauses = filter_clauses(&s.doc.url);
                let tpl_clauses = filter_clauses(&s.url);
                let mut conditions = Vec::new();
                for (idx, (prop, literal)) in doc_clauses.iter().enumerate() {
                    // Navigation paths are written with a capital sometimes (`Id`); JSON keys are not.
                    let candidates = [
                        prop.iter().map(|p| Seg::Key(p.clone())).collect::<Vec<_>>(),
                        prop.iter().map(|p| Seg::Key(lower_first(p))).collect(),
                    ];
                    let Some(segs) = candidates.iter().find(|keys| {
                        at(item, keys)
                            .and_then(Value::as_str)
                            .is_some_and(|x| x.eq_ignore_ascii_case(literal))
                    }) else {
                        continue;
                    };
                    let written = tpl_clauses
                        .get(idx)
                        .map(|c| c.1.clone())
                        .unwrap_or_else(|| literal.clone());
                    if !written.contains('\'') {
                        conditions.push(format!("@{} == '{written}'", rest_of(segs)));
                    }
                }
                if !conditions.is_empty() {
                    return (
                        format!("$.value[?{}]{}", conditions.join(" && "), rest_of(rest)),
                        "the item the request's $filter names".to_string(),
                    );
                }
                let all = items.map_or(0, Vec::len);
                if all == 1 {
                    return (
                        format!("$.value[0]{}", rest_of(rest)),
                        "the only item of the sample list".to_string(),
                    );
                }
                if let Some(name) = item.get("displayName").and_then(Value::as_str) {
                    let same = items
                        .into_iter()
                        .flatten()
                        .filter(|i| i.get("displayName").and_then(Value::as_str) == Some(name))
                        .count();
                    if same == 1 && !name.contains('\'') {
                        return (
                            format!("$.value[?@.displayName == '{name}']{}", rest_of(rest)),
                            "the sample list's item with this name".to_string(),
                        );
                    }
                }
            }
        }
    }
    (json_path(&src.path), "from the sample response".to_string())
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_ascii_lowercase().to_string() + c.as_str(),
        None => String::new(),
    }
}

/// Words that say what a request expects at a place: the URL segment before it, the body keys above it.
fn context_words(url: &str, body: Option<&Value>, value: &str) -> Vec<String> {
    let mut out = Vec::new();
    let lower = value.to_ascii_lowercase();
    let segs: Vec<&str> = url.split('?').next().unwrap_or(url).split('/').collect();
    for w in segs.windows(2) {
        if w[1].to_ascii_lowercase().contains(&lower) {
            out.push(singular(w[0]).to_ascii_lowercase());
        }
    }
    if let Some(body) = body {
        for leaf in leaves(body) {
            if leaf.value.to_ascii_lowercase().contains(&lower) {
                for seg in &leaf.path {
                    if let Seg::Key(k) = seg {
                        let k = k.to_ascii_lowercase();
                        let k = k.strip_suffix("id").filter(|s| !s.is_empty()).unwrap_or(&k);
                        out.push(k.to_string());
                    }
                }
            }
        }
    }
    out
}

fn type_score(t: &str, words: &[String]) -> u8 {
    let t = t.to_ascii_lowercase();
    if words.contains(&t) {
        2
    } else if words
        .iter()
        .any(|w| w.len() >= 4 && (t.ends_with(w.as_str()) || w.ends_with(t.as_str())))
    {
        1
    } else {
        0
    }
}

/// Where in a request a value sits, for the link's `to`.
pub(crate) fn places(
    url: &str,
    body: Option<&Value>,
    value: &str,
    ignore_case: bool,
) -> Vec<String> {
    let mut out = Vec::new();
    let query_at = url.find('?').unwrap_or(url.len());
    for pos in occurrences(url, value, ignore_case) {
        let place = if pos < query_at {
            "url path"
        } else if url[..pos]
            .rfind("$filter")
            .is_some_and(|f| url[f..pos].find('&').is_none())
        {
            "$filter"
        } else {
            "url query"
        };
        if !out.iter().any(|p| p == place) {
            out.push(place.to_string());
        }
    }
    if let Some(body) = body {
        for leaf in leaves(body) {
            if !occurrences(&leaf.value, value, ignore_case).is_empty() {
                out.push(format!("body {}", json_path(&leaf.path)));
            }
        }
    }
    out
}

/// The source of a value a place in a request uses: the object's own id first, then the one whose type
/// matches the place's words, then the earliest.
fn choose<'a>(work: &Work, pool: &[&'a Source], words: &[String]) -> Option<(u8, &'a Source)> {
    pool.iter()
        .map(|s| (type_score(&object_type(work, s.step, &s.path), words), *s))
        .max_by_key(|(score, s)| (*score, std::cmp::Reverse(s.step)))
}

/// One place of a request and the source chosen for it.
enum Spot {
    /// Byte offset in the URL.
    Url(usize),
    Body,
}

pub(crate) fn trace_responses(work: &mut Work) {
    let sources = sources(work);
    // Types created more than once get the object's name in their variable (two users: admin1_user_id, ...).
    let mut created: Vec<String> = Vec::new();
    for src in sources.iter().filter(|s| s.own && s.path.len() == 1) {
        if work.steps[src.step].doc.method == "POST" {
            created.push(base_name(work, src));
        }
    }
    let ambiguous: BTreeSet<String> = created
        .iter()
        .filter(|n| created.iter().filter(|m| m == n).count() > 1)
        .cloned()
        .collect();
    for j in 0..work.steps.len() {
        let mut values: Vec<&str> = sources
            .iter()
            .filter(|s| s.step < j)
            .map(|s| s.value.as_str())
            .collect();
        values.sort_by_key(|v| std::cmp::Reverse(v.len()));
        values.dedup();
        for v in values {
            let ignore_case = !guids_in(v).is_empty();
            let step = &work.steps[j];
            let body_json: Option<Value> = step
                .body
                .as_deref()
                .and_then(|b| serde_json::from_str(b).ok());
            let url_hits = occurrences(&step.url, v, ignore_case);
            let in_body = step
                .body
                .as_deref()
                .is_some_and(|b| !occurrences(b, v, ignore_case).is_empty());
            if url_hits.is_empty() && !in_body {
                continue;
            }
            let same = |s: &&Source| {
                s.step < j
                    && if ignore_case {
                        s.value.eq_ignore_ascii_case(v)
                    } else {
                        s.value == v
                    }
            };
            let candidates: Vec<&Source> = sources.iter().filter(same).collect();
            let own: Vec<&Source> = candidates.iter().copied().filter(|s| s.own).collect();
            let pool = if own.is_empty() {
                candidates.clone()
            } else {
                own
            };
            // Each place in the URL path is read on its own: one id can be both a definition's and its
            // instance's (`definitions/X/instances/X`).
            let mut spots: Vec<(Spot, u8, Source)> = Vec::new();
            let query_at = step.url.find('?').unwrap_or(step.url.len());
            for &pos in &url_hits {
                let words = if pos < query_at {
                    let before = step.url[..pos].trim_end_matches('/');
                    vec![singular(before.rsplit('/').next().unwrap_or("")).to_ascii_lowercase()]
                } else {
                    context_words(&step.url, None, v)
                };
                if let Some((score, src)) = choose(work, &pool, &words) {
                    spots.push((Spot::Url(pos), score, src.clone()));
                }
            }
            if in_body {
                let words = context_words("", body_json.as_ref(), v);
                if let Some((score, src)) = choose(work, &pool, &words) {
                    spots.push((Spot::Body, score, src.clone()));
                }
            }
            let steps_with_it: BTreeSet<usize> = candidates.iter().map(|s| s.step).collect();
            let own_steps: BTreeSet<usize> =
                pool.iter().filter(|s| s.own).map(|s| s.step).collect();
            let partial = {
                let hay = format!("{}\n{}", step.url, step.body.as_deref().unwrap_or(""));
                occurrences(&hay, v, ignore_case).iter().any(|&p| {
                    let before = hay[..p].chars().last();
                    let after = hay[p + v.len()..].chars().next();
                    before == Some('_') || after == Some('_')
                })
            };
            let chosen_steps: BTreeSet<usize> = spots.iter().map(|s| s.2.step).collect();
            // Replace from the end of the URL so earlier offsets stay valid.
            spots.sort_by_key(|(spot, _, _)| {
                std::cmp::Reverse(match spot {
                    Spot::Url(p) => *p,
                    Spot::Body => usize::MAX,
                })
            });
            for (spot, score, chosen) in spots {
                let (confidence, reason) = if partial {
                    (
                        Confidence::Medium,
                        "the sample value is part of a longer value here".to_string(),
                    )
                } else if chosen_steps.len() > 1 {
                    (
                        Confidence::Medium,
                        "the same sample value stands for different objects here; each place takes the one its path names"
                            .to_string(),
                    )
                } else if steps_with_it.len() == 1 {
                    (
                        Confidence::High,
                        "the only earlier response with this value".to_string(),
                    )
                } else if own_steps.len() == 1 {
                    (
                        Confidence::High,
                        "the object's own id; other responses only refer to it".to_string(),
                    )
                } else if score > 0 {
                    (
                        Confidence::Medium,
                        format!(
                            "{} earlier responses show this value; this one's type matches where it is used",
                            steps_with_it.len()
                        ),
                    )
                } else {
                    (
                        Confidence::Medium,
                        format!(
                            "{} earlier responses show this value; the first that names the object is taken",
                            steps_with_it.len()
                        ),
                    )
                };
                let from_step = work.steps[chosen.step].id.clone();
                let why = format!("used by step \"{}\"", work.steps[j].id);
                let name = ensure_capture(work, &chosen, &ambiguous, &why);
                let var = format!("{{{{{name}}}}}");
                let step = &mut work.steps[j];
                let places = match spot {
                    Spot::Url(pos) => {
                        let place = if pos < query_at {
                            "url path".to_string()
                        } else if step.url[..pos]
                            .rfind("$filter")
                            .is_some_and(|f| !step.url[f..pos].contains('&'))
                        {
                            "$filter".to_string()
                        } else {
                            "url query".to_string()
                        };
                        step.url.replace_range(pos..pos + v.len(), &var);
                        vec![place]
                    }
                    Spot::Body => {
                        let at = places(&step.url, body_json.as_ref(), v, ignore_case)
                            .into_iter()
                            .filter(|p| p.starts_with("body"))
                            .collect();
                        if let Some(b) = step.body.as_mut() {
                            replace_all(b, v, &var, ignore_case);
                        }
                        at
                    }
                };
                let jsonpath = work.steps[chosen.step]
                    .captures
                    .iter()
                    .find(|c| c.name == name)
                    .map(|c| c.jsonpath.clone())
                    .unwrap_or_default();
                let to = places.into_iter().map(|p| work.target(j, p)).collect();
                work.link(Link {
                    variable: var,
                    value: v.to_string(),
                    from: Origin::Response {
                        step: from_step,
                        request: work.steps[chosen.step].doc.name.clone(),
                        jsonpath,
                    },
                    to,
                    confidence,
                    reason,
                });
            }
        }
    }
}
