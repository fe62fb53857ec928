//! What of a response body a step's JSONPaths can reach, so only that part of it is built.
//!
//! A path such as `$.value[0].id` walks named members and array positions before it does anything
//! that could look anywhere (a wildcard, a filter, a slice, `..`). Everything below the point where
//! that plain walk ends may be read; nothing beside the walk can be. Parsing a body against the union
//! of a step's paths keeps exactly those parts: other members are checked as JSON and dropped, array
//! items before a wanted position become `null` placeholders (so positions stay right) and items after
//! the last wanted one are checked and dropped. Every path of the union then finds the same values in
//! the pruned tree as in the whole one.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::{Map, Value};

/// The parts of a body that some path can reach: a tree of members and array positions.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Reach {
    /// Everything below this point may be read.
    all: bool,
    members: BTreeMap<String, Reach>,
    items: BTreeMap<usize, Reach>,
}

enum Segment<'a> {
    Member(&'a str),
    Item(usize),
}

impl Reach {
    /// Adds what `path` can reach. A path this cannot follow (or an invalid one) reaches everything
    /// below the point where following it stopped.
    pub(crate) fn add(&mut self, path: &str) {
        let Some(mut rest) = path.trim().strip_prefix('$') else {
            self.all = true;
            return;
        };
        // A filter may compare with something read from the root: then anything may be read.
        if rest.contains('$') {
            self.all = true;
            return;
        }
        let mut node = self;
        while let Some((segment, after)) = segment(rest.trim_start()) {
            node = match segment {
                Segment::Member(name) => node.members.entry(name.to_string()).or_default(),
                Segment::Item(index) => node.items.entry(index).or_default(),
            };
            rest = after;
        }
        node.all = true;
    }

    /// The body parsed as JSON with only the reachable parts built; `None` when it is not JSON.
    pub(crate) fn parse(&self, body: &str) -> Option<Value> {
        let mut de = serde_json::Deserializer::from_str(body);
        let value = self.deserialize(&mut de).ok()?;
        de.end().ok()?;
        Some(value)
    }
}

/// The next plain segment of a path (`.name`, `['name']`, `["name"]`, `[3]`) and what follows it.
fn segment(rest: &str) -> Option<(Segment<'_>, &str)> {
    if let Some(r) = rest.strip_prefix('.') {
        let end = r
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(r.len());
        let (name, after) = r.split_at(end);
        let ends_here = after.is_empty()
            || after.starts_with(['.', '['])
            || after.starts_with(char::is_whitespace);
        let plain = !name.is_empty() && !name.starts_with(|c: char| c.is_ascii_digit());
        return (plain && ends_here).then_some((Segment::Member(name), after));
    }
    let r = rest.strip_prefix('[')?.trim_start();
    let (segment, r) = match r.chars().next()? {
        quote @ ('\'' | '"') => {
            let r = &r[1..];
            let end = r.find(quote)?;
            let name = &r[..end];
            if name.contains('\\') {
                return None;
            }
            (Segment::Member(name), &r[end + 1..])
        }
        _ => {
            let end = r.find(|c: char| !c.is_ascii_digit()).unwrap_or(r.len());
            let digits = &r[..end];
            if digits.is_empty() || (digits.len() > 1 && digits.starts_with('0')) {
                return None;
            }
            (Segment::Item(digits.parse().ok()?), &r[end..])
        }
    };
    Some((segment, r.trim_start().strip_prefix(']')?))
}

impl<'de> DeserializeSeed<'de> for &Reach {
    type Value = Value;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        if self.all {
            Value::deserialize(deserializer)
        } else {
            deserializer.deserialize_any(self)
        }
    }
}

impl<'de> Visitor<'de> for &Reach {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut members = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            match self.members.get(&key) {
                Some(child) => {
                    // A repeated name replaces the earlier value, as a full parse does.
                    members.insert(key, map.next_value_seed(child)?);
                }
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Value::Object(members))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let last = self.items.keys().next_back().copied();
        let mut items = Vec::new();
        for index in 0.. {
            let more = match self.items.get(&index) {
                Some(child) => seq.next_element_seed(child)?.map(|v| items.push(v)),
                None => seq.next_element::<IgnoredAny>()?.map(|_| {
                    if last.is_some_and(|last| index < last) {
                        items.push(Value::Null);
                    }
                }),
            };
            if more.is_none() {
                break;
            }
        }
        Ok(Value::Array(items))
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reach(paths: &[&str]) -> Reach {
        let mut reach = Reach::default();
        for path in paths {
            reach.add(path);
        }
        reach
    }

    fn everything() -> Reach {
        Reach {
            all: true,
            ..Reach::default()
        }
    }

    #[test]
    fn plain_walks_are_followed_and_anything_else_reaches_everything_below() {
        let walked = reach(&["$.value[0].verifiedDomains[?@.isDefault == true].name"]);
        let domains = &walked.members["value"].items[&0].members["verifiedDomains"];
        assert_eq!(*domains, everything());
        assert!(!walked.all && !walked.members["value"].all);

        assert_eq!(
            reach(&["$['display name'].x"]).members["display name"].members["x"],
            everything()
        );
        assert_eq!(reach(&[r#"$[ "id" ]"#]).members["id"], everything());
        assert_eq!(reach(&["$.état"]).members["état"], everything());
        assert_eq!(reach(&["$.a [2]"]).members["a"].items[&2], everything());
        for whole in [
            "$",
            "$..id",
            "$.*",
            "$[*]",
            "$[-1]",
            "$[01]",
            "$[0, 1]",
            "$[0:2]",
            "$.a-b",
            "$.a€",
            "$.value[?@.id == $.id]",
            "$['a\\'b']",
            "$.{{name}}",
            "id",
            "$['open",
            "",
        ] {
            assert_eq!(reach(&[whole]), everything(), "{whole}");
        }
    }

    #[test]
    fn only_reachable_parts_are_built() {
        let body =
            r#"{"id":"u1","value":[{"id":"a","more":[1,2]},{"id":"b"},{"id":"c"}],"n":{"x":1}}"#;
        assert_eq!(
            reach(&["$.value[1].id"]).parse(body),
            Some(serde_json::json!({"value": [null, {"id": "b"}]}))
        );
        assert_eq!(
            reach(&["$.id", "$.n"]).parse(body),
            Some(serde_json::json!({"id": "u1", "n": {"x": 1}}))
        );
        assert_eq!(reach(&[]).parse(body), Some(serde_json::json!({})));
        assert_eq!(
            reach(&["$..id"]).parse(body),
            serde_json::from_str(body).ok()
        );
    }

    #[test]
    fn a_body_that_is_not_json_is_refused_wherever_the_fault_is() {
        for body in [
            r#"{"id":"u1"} trailing"#,
            r#"{"id":"u1","skipped":[1,}"#,
            r#"{"value":[{"id":"a"},{"id":]}"#,
            "not json",
            "",
        ] {
            assert_eq!(reach(&["$.id"]).parse(body), None, "{body}");
        }
    }
}
