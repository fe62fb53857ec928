//! Reading a Microsoft Graph docs page: its request and response blocks, headings and prose.

use serde_json::Value;

use super::values::{decode_query, lenient_json};
use super::ImportError;

/// One request of the page, with the sample response after it.
#[derive(Clone, Debug)]
pub(crate) struct DocStep {
    /// The block's `"name"` in its `blockType` comment, or `request-N`.
    pub name: String,
    pub title: String,
    pub prose: String,
    /// 1-based line of the request block's opening fence.
    pub line: usize,
    pub method: String,
    /// As written, with the query's `%27`, `%20` and `+` decoded.
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
    pub response: Option<DocResponse>,
}

#[derive(Clone, Debug)]
pub(crate) struct DocResponse {
    pub status: Option<u16>,
    pub body: Option<Value>,
    /// `microsoft.graph.user` without the namespace: `user`.
    pub odata_type: Option<String>,
    /// The block had text that is not JSON (it is kept out of tracing).
    pub unreadable: bool,
}

#[derive(Debug)]
pub(crate) struct DocPage {
    pub title: String,
    pub steps: Vec<DocStep>,
}

enum Marker {
    Request(String),
    Response(Option<String>),
}

const METHODS: [&str; 5] = ["GET", "POST", "PATCH", "PUT", "DELETE"];

pub(crate) fn read_page(src: &str) -> Result<DocPage, ImportError> {
    let lines: Vec<&str> = src.lines().collect();
    let mut page = DocPage {
        title: String::new(),
        steps: Vec::new(),
    };
    let mut i = 0;
    if lines.first().map(|l| l.trim()) == Some("---") {
        i = 1;
        while i < lines.len() && lines[i].trim() != "---" {
            if let Some(t) = lines[i].trim().strip_prefix("title:") {
                page.title = t.trim().trim_matches('"').trim_matches('\'').to_string();
            }
            i += 1;
        }
        i += 1;
    }
    let mut heading = String::new();
    let mut prose: Vec<String> = Vec::new();
    let mut marker: Option<Marker> = None;
    // Inside a tab of another language (C#, Go, ...): skipped up to the `---` that ends the tabs.
    let mut other_tab = false;
    let mut in_response_section = false;
    while i < lines.len() {
        let line = lines[i];
        let t = line.trim();
        if let Some(tab) = tab_name(t) {
            other_tab = tab != "http";
            i += 1;
            continue;
        }
        if t == "---" {
            other_tab = false;
            i += 1;
            continue;
        }
        if other_tab || t.starts_with("[!INCLUDE") {
            i += 1;
            continue;
        }
        if t.starts_with("<!--") {
            let mut comment = String::new();
            let mut j = i;
            loop {
                comment.push_str(lines[j]);
                comment.push('\n');
                if lines[j].contains("-->") || j + 1 >= lines.len() {
                    break;
                }
                j += 1;
            }
            marker = block_marker(&comment).or(marker);
            i = j + 1;
            continue;
        }
        if let Some(text) = heading_text(t) {
            let lower = text.to_ascii_lowercase();
            let lower = lower.trim_end_matches(':').trim();
            if lower.starts_with("response") {
                in_response_section = true;
            } else if lower.starts_with("request") {
                in_response_section = false;
            } else if line.starts_with("# ") && page.title.is_empty() {
                page.title = text.to_string();
            } else if !line.starts_with("# ") {
                heading = text.to_string();
                prose.clear();
                in_response_section = false;
            }
            i += 1;
            continue;
        }
        if is_fence(t) {
            let info = t.trim_start_matches('`').trim().to_ascii_lowercase();
            let open = i;
            let mut j = i + 1;
            while j < lines.len() && !is_fence(lines[j].trim()) {
                j += 1;
            }
            let inner: Vec<&str> = lines[open + 1..j.min(lines.len())].to_vec();
            i = j + 1;
            let first = inner
                .iter()
                .map(|l| l.trim())
                .find(|l| !l.is_empty())
                .unwrap_or("");
            let starts_with_method = METHODS
                .iter()
                .any(|m| first.starts_with(m) && first[m.len()..].starts_with(' '));
            let marked = marker.take();
            match marked {
                Some(Marker::Request(name)) => {
                    let step = read_request(&inner, open + 1, name, &page, &heading, &prose)?;
                    page.steps.push(step);
                    prose.clear();
                    in_response_section = false;
                }
                Some(Marker::Response(odata_type)) => {
                    attach_response(&mut page, &inner, odata_type);
                    in_response_section = false;
                }
                None if starts_with_method
                    && matches!(info.as_str(), "http" | "msgraph-interactive" | "") =>
                {
                    let name = format!("request-{}", page.steps.len() + 1);
                    let step = read_request(&inner, open + 1, name, &page, &heading, &prose)?;
                    page.steps.push(step);
                    prose.clear();
                }
                None if in_response_section
                    && (first.starts_with("HTTP/") || first.starts_with('{'))
                    && page.steps.last().is_some_and(|s| s.response.is_none()) =>
                {
                    attach_response(&mut page, &inner, None);
                    in_response_section = false;
                }
                None => {}
            }
            continue;
        }
        if !t.is_empty() || prose.last().is_some_and(|l| !l.is_empty()) {
            prose.push(t.to_string());
        }
        i += 1;
    }
    if page.steps.is_empty() {
        return Err(ImportError::new(
            0,
            "found no request to import: expected fenced ```http or ```msgraph-interactive blocks that start \
             with `METHOD URL`, each after a <!-- { \"blockType\": \"request\" } --> comment as Microsoft Graph \
             docs pages write them (a graphwalk tutorial, with `base:` in its front matter, loads as it is)",
        ));
    }
    Ok(page)
}

fn is_fence(t: &str) -> bool {
    t.starts_with("```")
}

fn heading_text(t: &str) -> Option<&str> {
    let hashes = t.chars().take_while(|c| *c == '#').count();
    if (1..=6).contains(&hashes) && t[hashes..].starts_with(' ') {
        Some(t[hashes..].trim())
    } else {
        None
    }
}

/// `# [HTTP](#tab/http)` → `http`.
fn tab_name(t: &str) -> Option<String> {
    let rest = t.strip_prefix("# [")?;
    let start = rest.find("](#tab/")?;
    let name = rest[start + 7..].trim_end_matches(')');
    Some(name.to_ascii_lowercase())
}

fn block_marker(comment: &str) -> Option<Marker> {
    let start = comment.find('{')?;
    let end = comment.rfind('}')?;
    let json = lenient_json(&comment[start..=end])?;
    match json.get("blockType").and_then(Value::as_str)? {
        "request" => Some(Marker::Request(
            json.get("name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
        )),
        "response" => Some(Marker::Response(
            json.get("@odata.type")
                .and_then(Value::as_str)
                .map(short_type),
        )),
        _ => None,
    }
}

/// `microsoft.graph.accessPackage` (or `#microsoft.graph.accessPackage`) → `accessPackage`.
pub(crate) fn short_type(t: &str) -> String {
    t.trim_start_matches('#')
        .rsplit('.')
        .next()
        .unwrap_or(t)
        .to_string()
}

fn read_request(
    inner: &[&str],
    first_line: usize,
    name: String,
    page: &DocPage,
    heading: &str,
    prose: &[String],
) -> Result<DocStep, ImportError> {
    let mut k = 0;
    while k < inner.len() && inner[k].trim().is_empty() {
        k += 1;
    }
    let line_no = first_line + 1 + k;
    let request_line = inner.get(k).map(|l| l.trim()).unwrap_or("");
    let (method, rest) = request_line.split_once(' ').unwrap_or((request_line, ""));
    if !METHODS.contains(&method) {
        return Err(ImportError::new(
            line_no,
            format!(
                "expected a request line `METHOD URL` (GET, POST, PATCH, PUT or DELETE) in this request block, found `{request_line}`"
            ),
        ));
    }
    let mut url = rest.trim();
    if let Some((before, version)) = url.rsplit_once(' ') {
        if version.starts_with("HTTP/") {
            url = before.trim();
        }
    }
    if url.is_empty() {
        return Err(ImportError::new(line_no, "expected a URL after the method"));
    }
    let mut headers = Vec::new();
    k += 1;
    // Some pages leave a blank line between the request line and the headers.
    let is_header = |l: &str| {
        l.split_once(':').is_some_and(|(name, _)| {
            !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
    };
    let mut ahead = k;
    while ahead < inner.len() && inner[ahead].trim().is_empty() {
        ahead += 1;
    }
    if ahead > k && inner.get(ahead).is_some_and(|l| is_header(l.trim())) {
        k = ahead;
    }
    while k < inner.len() && !inner[k].trim().is_empty() {
        if let Some((h, v)) = inner[k].split_once(':') {
            let h = h.trim();
            if !h.eq_ignore_ascii_case("authorization") {
                headers.push((h.to_string(), v.trim().to_string()));
            }
        }
        k += 1;
    }
    let body = inner[k.min(inner.len())..].join("\n").trim().to_string();
    let name = if name.is_empty() {
        format!("request-{}", page.steps.len() + 1)
    } else {
        name
    };
    Ok(DocStep {
        name,
        title: if heading.is_empty() {
            page.title.clone()
        } else {
            heading.to_string()
        },
        prose: prose.join("\n").trim().to_string(),
        line: first_line,
        method: method.to_string(),
        url: decode_query(url),
        headers,
        body: (!body.is_empty()).then_some(body),
        response: None,
    })
}

fn attach_response(page: &mut DocPage, inner: &[&str], odata_type: Option<String>) {
    let Some(step) = page.steps.last_mut() else {
        return;
    };
    if step.response.is_some() {
        return;
    }
    let text = inner.join("\n");
    let trimmed = text.trim();
    let mut status = None;
    let mut body_text = trimmed.to_string();
    if let Some(first) = trimmed.lines().next() {
        if first.starts_with("HTTP/") || !first.trim_start().starts_with(['{', '[']) {
            status = first
                .split(|c: char| !c.is_ascii_digit())
                .filter(|w| w.len() == 3)
                .find_map(|w| w.parse::<u16>().ok().filter(|s| (100..600).contains(s)));
            // Headers follow the status line up to a blank line.
            let after: Vec<&str> = trimmed.lines().skip(1).collect();
            let blank = after.iter().position(|l| l.trim().is_empty());
            body_text = match blank {
                Some(b) => after[b + 1..].join("\n"),
                None if after
                    .iter()
                    .all(|l| l.contains(':') && !l.trim_start().starts_with('{')) =>
                {
                    String::new()
                }
                None => after.join("\n"),
            };
        }
    }
    let body_text = body_text.trim();
    let body = if body_text.is_empty() {
        None
    } else {
        lenient_json(body_text)
    };
    step.response = Some(DocResponse {
        status,
        unreadable: !body_text.is_empty() && body.is_none(),
        body,
        odata_type,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = r#"---
title: "A page"
---

# A page

## Make a group

Some words.

# [HTTP](#tab/http)
<!-- {
  "blockType": "request",
  "name": "make_group"
}-->
``` http
POST https://graph.microsoft.com/v1.0/groups
Content-type: application/json

{"displayName": "G"}
```

# [C#](#tab/csharp)
[!INCLUDE [sample-code](../includes/x.md)]

```csharp
var x = 1;
```

---

#### Response
<!-- {
  "blockType": "response",
  "truncated": true,
  "@odata.type": "microsoft.graph.group"
} -->
```http
HTTP/1.1 201 Created
Content-type: application/json

{
  "id": "e93e24d1-2b65-4a6c-a1dd-654a12225487",
}
```

### Delete it

```http
DELETE https://graph.microsoft.com/v1.0/groups/e93e24d1-2b65-4a6c-a1dd-654a12225487
```

#### Response

```http
HTTP/1.1 204 No Content
```
"#;

    #[test]
    fn reads_requests_responses_and_drops_sdk_tabs() {
        let page = read_page(PAGE).unwrap();
        assert_eq!(page.title, "A page");
        assert_eq!(page.steps.len(), 2);
        let s = &page.steps[0];
        assert_eq!(
            (s.name.as_str(), s.title.as_str()),
            ("make_group", "Make a group")
        );
        assert_eq!(s.prose, "Some words.");
        assert_eq!(s.headers.len(), 1);
        let r = s.response.as_ref().unwrap();
        assert_eq!(r.status, Some(201));
        assert_eq!(r.odata_type.as_deref(), Some("group"));
        assert_eq!(
            r.body.as_ref().unwrap()["id"],
            "e93e24d1-2b65-4a6c-a1dd-654a12225487"
        );
        let d = &page.steps[1];
        assert_eq!(
            (d.method.as_str(), d.name.as_str()),
            ("DELETE", "request-2")
        );
        assert_eq!(d.response.as_ref().unwrap().status, Some(204));
    }

    #[test]
    fn headers_after_a_blank_line_are_still_headers() {
        let page = "<!-- { \"blockType\": \"request\", \"name\": \"e\" } -->\n```http\n\
            POST https://graph.microsoft.com/v1.0/me/calendars/AAMkADRpAABf0JlzAAA=/events\n\n\
            Prefer: outlook.timezone=\"Pacific Standard Time\"\nContent-type: application/json\n\n{\"subject\": \"x\"}\n```\n";
        let step = &read_page(page).unwrap().steps[0];
        assert_eq!(step.headers.len(), 2);
        assert_eq!(step.body.as_deref(), Some("{\"subject\": \"x\"}"));
    }

    #[test]
    fn a_broken_request_block_is_named_by_its_line() {
        let e = read_page(&PAGE.replace("POST https", "FETCH https")).unwrap_err();
        assert_eq!(e.line, 17);
        assert!(e.message.contains("METHOD URL"), "{e}");
        let e = read_page("# Nothing here\n\nJust words.\n").unwrap_err();
        assert!(e.message.contains("found no request"), "{e}");
    }
}
