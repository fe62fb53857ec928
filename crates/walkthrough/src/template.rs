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
                    match context {
                        // A variable that starts the URL is its base (`{{base}}/users`): keep its slashes.
                        Context::Url if index == 0 => out.push_str(&normalize_url(&value)),
                        Context::Url => out.push_str(&encode_url_value(&value)),
                        Context::Header => {
                            if value.contains(['\r', '\n']) {
                                return Err(RenderError::LineBreak(name.clone()));
                            }
                            out.push_str(&value);
                        }
                        Context::Json => {
                            if json.in_string {
                                out.push_str(&escape_json_content(&value));
                            } else if is_json_scalar(&value) {
                                out.push_str(&value);
                            } else {
                                out.push('"');
                                out.push_str(&escape_json_content(&value));
                                out.push('"');
                            }
                        }
                        Context::Plain => out.push_str(&value),
                    }
                }
            }
        }
        Ok(out)
    }
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
