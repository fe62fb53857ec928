//! One step's request as a command to paste into a terminal: curl for bash, or PowerShell.

use std::fmt::Write;

use super::ident;
use super::powershell::{ps_json_escapes, ps_quoted, ps_string, ps_string_of};
use super::shell::{curl_args, json_escaped_values};
use crate::model::RequestTemplate;
use crate::record::{RenderedRequest, RenderedSegment};
use crate::template::{normalize_url, Context, Segment, Template};

/// The run's password: known to the run, never shown in a card and never copied.
const SECRET: &str = "run.password";

/// What a step's command is made of: its request as the card shows it, and who sends it.
pub struct StepRequest<'a> {
    /// The step's number as the page shows it (from 1).
    pub number: usize,
    pub title: &'a str,
    /// The account the step runs as (`as: requestor`), or `None` for the signed-in user.
    pub run_as: Option<&'a str>,
    pub request: &'a RenderedRequest,
}

/// The request with every known value filled in, escaped as the runner escapes it when sending, and the
/// variables still to be set (unresolved, or the password).
struct Filled {
    request: RequestTemplate,
    /// (variable, the step that captures it, from 0)
    missing: Vec<(String, Option<usize>)>,
}

fn fill(rendered: &RenderedRequest) -> Filled {
    let mut values: Vec<(String, String)> = Vec::new();
    let mut providers: Vec<(String, Option<usize>)> = Vec::new();
    let all = rendered
        .url
        .iter()
        .chain(rendered.headers.iter().flat_map(|(_, v)| v.iter()))
        .chain(rendered.body.iter().flatten());
    for segment in all {
        if let RenderedSegment::Var {
            name,
            value,
            provider,
            ..
        } = segment
        {
            match value {
                Some(v) if name != SECRET => values.push((name.clone(), v.clone())),
                _ => providers.push((name.clone(), *provider)),
            }
        }
    }
    let lookup = |name: &str| {
        values
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let template = |segments: &[RenderedSegment]| {
        Template::from_segments(
            segments
                .iter()
                .map(|s| match s {
                    RenderedSegment::Text(text) => Segment::Text(text.clone()),
                    RenderedSegment::Var { name, .. } => Segment::Var(name.clone()),
                })
                .collect(),
        )
    };
    // The address as it is sent: what a browser would encode (spaces in `$filter`) is encoded.
    let url = template(&rendered.url).render_known(Context::Url, &lookup);
    let url = Template::from_segments(
        url.segments()
            .iter()
            .map(|s| match s {
                Segment::Text(text) => Segment::Text(normalize_url(text)),
                var => var.clone(),
            })
            .collect(),
    );
    let mut headers: Vec<(String, Template)> = rendered
        .headers
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                template(v).render_known(Context::Header, &lookup),
            )
        })
        .collect();
    let content_type = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
        .map(|(_, v)| v.source().to_ascii_lowercase());
    let body = rendered.body.as_ref().map(|body| {
        let is_json = content_type.as_deref().is_none_or(|c| c.contains("json"));
        if is_json && content_type.is_none() {
            // As the runner does: a JSON body says so.
            headers.push((
                "Content-Type".to_string(),
                Template::literal("application/json"),
            ));
        }
        let context = if is_json {
            Context::Json
        } else {
            Context::Plain
        };
        template(body).render_known(context, &lookup)
    });
    let request = RequestTemplate {
        method: rendered.method.clone(),
        url,
        headers,
        body,
    };
    let mut missing: Vec<(String, Option<usize>)> = Vec::new();
    let used = request
        .url
        .vars()
        .chain(request.headers.iter().flat_map(|(_, v)| v.vars()))
        .chain(request.body.iter().flat_map(|b| b.vars()));
    for name in used {
        if !missing.iter().any(|(m, _)| m == name) {
            let provider = providers
                .iter()
                .find(|(p, _)| p == name)
                .and_then(|(_, p)| *p);
            missing.push((name.to_string(), provider));
        }
    }
    Filled { request, missing }
}

/// The environment variable a step's command reads the access token from: `TOKEN`, or `TOKEN_<ACCOUNT>`
/// for a step that runs as another account (as the whole-run exports name it).
pub fn step_token_variable(run_as: Option<&str>) -> String {
    token_var(run_as)
}

fn token_var(run_as: Option<&str>) -> String {
    match run_as {
        Some(name) => format!("TOKEN_{}", ident(name).to_ascii_uppercase()),
        None => "TOKEN".to_string(),
    }
}

/// What the token variable must hold, in words.
fn token_hint(run_as: Option<&str>) -> String {
    match run_as {
        Some(name) => format!("an access token of the {}", one_line(name)),
        None => "an access token".to_string(),
    }
}

/// Text safe for the rest of a comment line.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// Where an unset variable's value comes from, in words (plain ASCII, nothing a shell would expand).
fn origin(provider: Option<usize>) -> String {
    match provider {
        Some(step) => format!("step {} captures it", step + 1),
        None => "see the variables panel".to_string(),
    }
}

/// The step's request as a bash command: curl with the values the card shows, the token from `$TOKEN`
/// (`$TOKEN_<ACCOUNT>` for a step that runs as another account), and each value still unknown as a shell
/// variable that must be set first.
pub fn step_curl(step: &StepRequest) -> String {
    let Filled { request, missing } = fill(step.request);
    let token = token_var(step.run_as);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Step {}: {}\n# From graphwalk, without the token: set {token} to {} first.",
        step.number,
        one_line(step.title),
        token_hint(step.run_as)
    );
    let _ = writeln!(
        out,
        ": \"${{{token}:?set {token} to {}}}\"",
        token_hint(step.run_as).replace(['"', '$', '`', '\\', '}', '\''], "")
    );
    for (name, provider) in &missing {
        let var = ident(name);
        if name == SECRET {
            let _ = writeln!(
                out,
                "{var}=\"${{RUN_PASSWORD:?set RUN_PASSWORD to the password for the test accounts}}\""
            );
        } else {
            let _ = writeln!(
                out,
                ": \"${{{var}:?set {var} first, {}}}\"",
                origin(*provider)
            );
        }
    }
    json_escaped_values(&mut out, &request, "");
    out.push_str("curl -sS ");
    curl_args(&mut out, &request, "", &token);
    out.push('\n');
    out
}

/// The step's request as PowerShell: `Invoke-RestMethod` with the values the card shows, the token from
/// `$env:TOKEN` (`$env:TOKEN_<ACCOUNT>` for a step that runs as another account), and each value still
/// unknown as a PowerShell variable that must be set first.
pub fn step_powershell(step: &StepRequest) -> String {
    let Filled { request, missing } = fill(step.request);
    let token = token_var(step.run_as);
    let hint = token_hint(step.run_as);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Step {}: {}\n# From graphwalk, without the token: set $env:{token} to {hint} first.",
        step.number,
        one_line(step.title),
    );
    let _ = writeln!(
        out,
        "if (-not $env:{token}) {{ throw {} }}",
        ps_quoted(&format!("Set $env:{token} to {hint}"))
    );
    for (name, provider) in &missing {
        let var = ident(name);
        if name == SECRET {
            let _ = writeln!(
                out,
                "${var} = $env:RUN_PASSWORD\nif (-not ${var}) {{ throw 'Set $env:RUN_PASSWORD to the password for the test accounts' }}"
            );
        } else {
            let _ = writeln!(
                out,
                "if (-not ${var}) {{ throw 'Set ${var} first, {}' }}",
                origin(*provider)
            );
        }
    }
    // A value that goes into the JSON body is escaped for it first.
    if let Some(body) = &request.body {
        ps_json_escapes(&mut out, body, "");
    }
    out.push_str("$request = @{\n");
    let _ = writeln!(out, "    Method      = {}", ps_quoted(&request.method));
    let _ = writeln!(out, "    Uri         = {}", ps_string(&request.url));
    let mut headers = vec![format!("Authorization = ('Bearer ' + $env:{token})")];
    let mut content_type = None;
    for (k, v) in &request.headers {
        if k.eq_ignore_ascii_case("content-type") {
            // Invoke-RestMethod takes the content type as a parameter, not as a header.
            content_type = Some(ps_string(v));
        } else {
            headers.push(format!("{} = {}", ps_quoted(k), ps_string(v)));
        }
    }
    let _ = writeln!(out, "    Headers     = @{{ {} }}", headers.join("; "));
    if let Some(content_type) = content_type {
        let _ = writeln!(out, "    ContentType = {content_type}");
    }
    if let Some(body) = &request.body {
        let _ = writeln!(out, "    Body        = {}", ps_string_of(body, "json_"));
    }
    out.push_str("}\nInvoke-RestMethod @request\n");
    out
}
