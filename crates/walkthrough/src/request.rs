//! Building the request to send, and reading Graph's answer back.

use crate::body::check_body;
use crate::capture::ReceivedResponse;
use crate::error::StepError;
use crate::model::RequestTemplate;
use crate::record::SentRequest;
use crate::template::{normalize_url, Context, RenderError};

pub(crate) fn is_idempotent(method: &str) -> bool {
    matches!(method, "GET" | "HEAD" | "DELETE" | "PUT" | "OPTIONS")
}

pub(crate) fn to_received(response: http::Response<String>, elapsed_ms: u64) -> ReceivedResponse {
    let headers = response
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    ReceivedResponse {
        status: response.status().as_u16(),
        headers,
        body: response.into_body().into(),
        elapsed_ms,
    }
}

/// The Graph error in a response: code, message and request id.
pub(crate) fn graph_error(r: &ReceivedResponse) -> StepError {
    let body = r.json();
    let error = body.as_ref().and_then(|b| b.get("error"));
    let text = |v: Option<&serde_json::Value>| v.and_then(|v| v.as_str()).map(str::to_string);
    let inner = error.and_then(|e| e.get("innerError").or_else(|| e.get("innererror")));
    StepError::Graph {
        status: r.status,
        code: text(error.and_then(|e| e.get("code")))
            .unwrap_or_else(|| format!("Http{}", r.status)),
        message: text(error.and_then(|e| e.get("message")))
            .unwrap_or_else(|| r.body.chars().take(200).collect()),
        request_id: r
            .header("request-id")
            .map(str::to_string)
            .or_else(|| text(inner.and_then(|i| i.get("request-id")))),
    }
}

/// Builds the request to send, or the error that stops it from being sent.
pub(crate) fn build_request(
    template: &RequestTemplate,
    lookup: &dyn Fn(&str) -> Option<String>,
    provider: &dyn Fn(&str) -> Option<usize>,
) -> Result<(SentRequest, http::Request<String>), StepError> {
    let render_err = |e: RenderError| match e {
        RenderError::Missing(var) => StepError::Template {
            provider: provider(&var),
            var,
        },
        RenderError::LineBreak(var) => StepError::HeaderLineBreak { var },
    };
    let url = normalize_url(
        &template
            .url
            .render(Context::Url, lookup)
            .map_err(render_err)?,
    );
    let mut headers = Vec::new();
    for (name, value) in &template.headers {
        headers.push((
            name.clone(),
            value.render(Context::Header, lookup).map_err(render_err)?,
        ));
    }
    let content_type = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
        .map(|(_, v)| v.to_ascii_lowercase());
    let body = match &template.body {
        None => None,
        Some(body) => {
            let is_json = content_type.as_deref().is_none_or(|c| c.contains("json"));
            let text = body
                .render(
                    if is_json {
                        Context::Json
                    } else {
                        Context::Plain
                    },
                    lookup,
                )
                .map_err(render_err)?;
            if is_json {
                check_body(&text)?;
                if content_type.is_none() {
                    headers.push(("Content-Type".into(), "application/json".into()));
                }
            }
            Some(text)
        }
    };
    let mut builder = http::Request::builder()
        .method(template.method.as_str())
        .uri(url.as_str());
    for (k, v) in &headers {
        builder = builder.header(k.as_str(), v.as_str());
    }
    let request = builder
        .body(body.clone().unwrap_or_default())
        .map_err(|e| StepError::InvalidRequest {
            message: e.to_string(),
        })?;
    Ok((
        SentRequest {
            method: template.method.clone(),
            url,
            headers,
            body,
        },
        request,
    ))
}
