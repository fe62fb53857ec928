//! `{{variable}}` templates: parsing, and substitution that is safe for URLs, headers and JSON.

use serde::{Deserialize, Serialize};

/// Text with `{{name}}` holes. Serialized as its source text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct Template {
    source: String,
    segments: Vec<Segment>,
}

/// A piece of a template.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Segment {
    Text(String),
    Var(String),
}

/// Where a template is substituted; decides how values are escaped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Context {
    /// Values are percent-encoded so an id can never change the URL's shape
    /// (except a leading variable, which is the base URL).
    Url,
    /// Values must not contain line breaks (they would start a new header).
    Header,
    /// Inside a JSON string values are escaped; elsewhere a non-scalar becomes a JSON string.
    Json,
    /// Used as is (expected values, display).
    Plain,
}

/// Why a template could not be rendered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RenderError {
    Missing(String),
    /// A header value that would contain a line break.
    LineBreak(String),
}

impl Template {
    /// Parses `{{name}}` holes. Names are letters, digits, `_`, `-` and `.`.
    pub fn parse(source: &str) -> Result<Template, String> {
        let mut segments = Vec::new();
        let mut rest = source;
        while let Some(start) = rest.find("{{") {
            if start > 0 {
                segments.push(Segment::Text(rest[..start].to_string()));
            }
            let after = &rest[start + 2..];
            let end = after
                .find("}}")
                .ok_or_else(|| "expected `}}` to close `{{`".to_string())?;
            let name = after[..end].trim();
            if name.is_empty()
                || !name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
            {
                return Err(format!(
                    "expected a variable name inside `{{{{...}}}}`, found `{name}`"
                ));
            }
            segments.push(Segment::Var(name.to_string()));
            rest = &after[end + 2..];
        }
        if !rest.is_empty() {
            segments.push(Segment::Text(rest.to_string()));
        }
        Ok(Template {
            source: source.to_string(),
            segments,
        })
    }

    /// A template with no holes.
    pub fn literal(text: &str) -> Template {
        Template {
            source: text.to_string(),
            segments: if text.is_empty() {
                Vec::new()
            } else {
                vec![Segment::Text(text.to_string())]
            },
        }
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// Variable names in order of appearance (with repeats).
    pub fn vars(&self) -> impl Iterator<Item = &str> {
        self.segments.iter().filter_map(|s| match s {
            Segment::Var(name) => Some(name.as_str()),
            Segment::Text(_) => None,
        })
    }

    /// Substitutes every hole; the first missing variable is an error.
    pub fn render(
        &self,
        context: Context,
        lookup: &dyn Fn(&str) -> Option<String>,
    ) -> Result<String, RenderError> {
        let mut out = String::with_capacity(self.source.len());
        let mut json = JsonScan::default();
        for (index, segment) in self.segments.iter().enumerate() {
            match segment {
                Segment::Text(text) => {
                    out.push_str(text);
                    if context == Context::Json {
                        json.feed(text);
                    }
                }
                Segment::Var(name) => {
                    let value = lookup(name).ok_or_else(|| RenderError::Missing(name.clone()))?;
                    out.push_str(&substitute(context, index, &json, name, &value)?);
                }
            }
        }
        Ok(out)
    }

    /// Substitutes the holes `lookup` has a value for, escaped exactly as [`Template::render`] escapes
    /// them, and keeps the others as holes. (A header value with a line break stays a hole: it is never sent.)
    pub fn render_known(
        &self,
        context: Context,
        lookup: &dyn Fn(&str) -> Option<String>,
    ) -> Template {
        let mut segments: Vec<Segment> = Vec::new();
        let mut json = JsonScan::default();
        let push_text = |segments: &mut Vec<Segment>, text: &str| match segments.last_mut() {
            Some(Segment::Text(last)) => last.push_str(text),
            _ => segments.push(Segment::Text(text.to_string())),
        };
        for (index, segment) in self.segments.iter().enumerate() {
            match segment {
                Segment::Text(text) => {
                    push_text(&mut segments, text);
                    if context == Context::Json {
                        json.feed(text);
                    }
                }
                Segment::Var(name) => {
                    match lookup(name).map(|value| substitute(context, index, &json, name, &value))
                    {
                        Some(Ok(value)) => push_text(&mut segments, &value),
                        _ => segments.push(Segment::Var(name.clone())),
                    }
                }
            }
        }
        Template::from_segments(segments)
    }

    /// A template made of these pieces (text is kept as text even where it reads like a hole).
    pub(crate) fn from_segments(segments: Vec<Segment>) -> Template {
        let source = segments
            .iter()
            .map(|s| match s {
                Segment::Text(text) => text.clone(),
                Segment::Var(name) => format!("{{{{{name}}}}}"),
            })
            .collect();
        Template {
            source,
            segments: segments
                .into_iter()
                .filter(|s| !matches!(s, Segment::Text(t) if t.is_empty()))
                .collect(),
        }
    }
}

/// One value as it goes in at `index` of a template rendered for `context` (`json`: the text before it).
fn substitute(
    context: Context,
    index: usize,
    json: &JsonScan,
    name: &str,
    value: &str,
) -> Result<String, RenderError> {
    Ok(match context {
        // A variable that starts the URL is its base (`{{base}}/users`): keep its slashes.
        Context::Url if index == 0 => normalize_url(value),
        Context::Url => encode_url_value(value),
        Context::Header => {
            if value.contains(['\r', '\n']) {
                return Err(RenderError::LineBreak(name.to_string()));
            }
            value.to_string()
        }
        Context::Json => {
            if json.in_string {
                escape_json_content(value)
            } else if is_json_scalar(value) {
                value.to_string()
            } else {
                format!("\"{}\"", escape_json_content(value))
            }
        }
        Context::Plain => value.to_string(),
    })
}

impl From<Template> for String {
    fn from(t: Template) -> String {
        t.source
    }
}

impl TryFrom<String> for Template {
    type Error = String;
    fn try_from(s: String) -> Result<Template, String> {
        Template::parse(&s)
    }
}

/// Tracks whether the text so far ends inside a JSON string literal.
#[derive(Default)]
struct JsonScan {
    in_string: bool,
    escaped: bool,
}

impl JsonScan {
    fn feed(&mut self, text: &str) {
        for c in text.chars() {
            if self.in_string {
                if self.escaped {
                    self.escaped = false;
                } else if c == '\\' {
                    self.escaped = true;
                } else if c == '"' {
                    self.in_string = false;
                }
            } else if c == '"' {
                self.in_string = true;
            }
        }
    }
}

fn is_json_scalar(value: &str) -> bool {
    matches!(
        serde_json::from_str::<serde_json::Value>(value),
        Ok(serde_json::Value::Number(_) | serde_json::Value::Bool(_) | serde_json::Value::Null)
    )
}

/// Escapes a value for use between the quotes of a JSON string.
pub fn escape_json_content(value: &str) -> String {
    let quoted = serde_json::Value::String(value.to_string()).to_string();
    quoted[1..quoted.len() - 1].to_string()
}

/// Percent-encodes everything but unreserved characters and a few that OData literals use.
pub fn encode_url_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        let c = byte as char;
        if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '~' | '@' | ':' | '!' | '*') {
            out.push(c);
        } else if c == '\'' {
            // A quote would end an OData string literal early; OData escapes it by doubling.
            out.push_str("''");
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Encodes the characters a URI may not contain (spaces in `$filter`, quotes, non-ASCII),
/// leaving the URL's structure and existing escapes alone.
pub fn normalize_url(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    for byte in url.bytes() {
        let c = byte as char;
        if byte.is_ascii_graphic()
            && !matches!(c, '"' | '<' | '>' | '\\' | '^' | '`' | '{' | '|' | '}')
        {
            out.push(c);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(name: &str) -> Option<String> {
        match name {
            "id" => Some("a\"b\\c".to_string()),
            "n" => Some("30".to_string()),
            "q" => Some("O'Brien & co".to_string()),
            _ => None,
        }
    }

    #[test]
    fn known_values_are_filled_in_as_render_fills_them_and_unknown_ones_stay_holes() {
        let t = Template::parse(r#"{"x":"{{id}} {{missing}}","n":{{n}},"raw":{{id}}}"#).unwrap();
        let partial = t.render_known(Context::Json, &vars);
        assert_eq!(
            partial.segments(),
            [
                Segment::Text(r#"{"x":"a\"b\\c "#.into()),
                Segment::Var("missing".into()),
                Segment::Text(r#"","n":30,"raw":"a\"b\\c"}"#.into()),
            ]
        );
        let url = Template::parse("{{base}}/users/{{q}}/{{missing}}").unwrap();
        let lookup = |n: &str| {
            if n == "base" {
                Some("https://g/v1.0".to_string())
            } else {
                vars(n)
            }
        };
        assert_eq!(
            url.render_known(Context::Url, &lookup).source(),
            "https://g/v1.0/users/O''Brien%20%26%20co/{{missing}}"
        );
        let header = Template::parse("{{line}}").unwrap();
        let line = |_: &str| Some("a\nb".to_string());
        assert_eq!(
            header.render_known(Context::Header, &line).segments(),
            [Segment::Var("line".into())],
            "a value that cannot be sent in a header stays a hole"
        );
    }

    #[test]
    fn json_substitution_escapes_inside_strings() {
        let t = Template::parse(r#"{"x":"{{id}}","n":{{n}},"raw":{{id}}}"#).unwrap();
        let out = t.render(Context::Json, &vars).unwrap();
        assert_eq!(out, r#"{"x":"a\"b\\c","n":30,"raw":"a\"b\\c"}"#);
        let parsed: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(parsed["x"], "a\"b\\c");
    }

    #[test]
    fn url_substitution_cannot_change_the_url_shape() {
        let t = Template::parse("/users?$filter=name eq '{{q}}'").unwrap();
        let out = t.render(Context::Url, &vars).unwrap();
        assert_eq!(out, "/users?$filter=name eq 'O''Brien%20%26%20co'");
        assert_eq!(
            normalize_url(&out),
            "/users?$filter=name%20eq%20'O''Brien%20%26%20co'"
        );
    }

    #[test]
    fn missing_variable_and_bad_syntax() {
        let t = Template::parse("{{nope}}").unwrap();
        assert_eq!(
            t.render(Context::Plain, &vars),
            Err(RenderError::Missing("nope".into()))
        );
        assert!(Template::parse("{{open").is_err());
        assert!(Template::parse("{{a b}}").is_err());
    }

    #[test]
    fn header_values_cannot_break_lines() {
        let t = Template::parse("x {{v}}").unwrap();
        let r = t.render(Context::Header, &|_| Some("a\r\nEvil: 1".into()));
        assert_eq!(r, Err(RenderError::LineBreak("v".into())));
    }
}
