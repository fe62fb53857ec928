//! The REST Client / JetBrains `.http` export: named requests, request variables for captures.

use std::fmt::Write;

use super::path::rest_client_path;
use super::{braces, braces_text, cleanup_order, ident, identities, token_name, Plan};
use crate::model::{Query, RequestTemplate};

pub(crate) fn http_request(out: &mut String, r: &RequestTemplate, token: &str) {
    let _ = writeln!(out, "{} {}", r.method, braces(&r.url));
    let _ = writeln!(out, "Authorization: Bearer {{{{{token}}}}}");
    for (k, v) in &r.headers {
        let _ = writeln!(out, "{k}: {}", braces(v));
    }
    if let Some(b) = &r.body {
        let _ = writeln!(out, "\n{}", braces(b));
    }
    out.push('\n');
}

pub(crate) fn http_file(plan: &Plan) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n# Exported from graphwalk. Requests run top to bottom; later ones reuse ids from earlier responses.", plan.tutorial.title);
    out.push_str("# The access token is a placeholder: paste one, never commit it.\n@token = <paste an access token>\n");
    for identity in identities(plan) {
        let _ = writeln!(
            out,
            "# Requests marked with {{{{token_{id}}}}} run as the {name} ({}), signed in separately.\n@token_{id} = <paste an access token of the {name}>",
            braces(&identity.upn),
            id = ident(&identity.name),
            name = identity.name
        );
    }
    out.push_str("@run_password = {{$processEnv RUN_PASSWORD}}\n");
    for (k, v) in &plan.givens {
        let _ = writeln!(out, "@{} = {v}", ident(k));
    }
    for (step, request) in &plan.steps {
        for c in &step.captures {
            let name = ident(&step.id);
            let value = match &c.query {
                Query::JsonPath(p) => {
                    rest_client_path(p).map(|p| format!("{{{{{name}.response.body.{p}}}}}"))
                }
                Query::Header(h) => Some(format!("{{{{{name}.response.headers.{h}}}}}")),
                Query::Status => None,
            };
            match value {
                Some(v) => {
                    let _ = writeln!(out, "@{} = {v}", ident(&c.name));
                }
                None => {
                    let _ = writeln!(
                        out,
                        "# set by hand from the response of `{}`: {}\n@{} =",
                        step.id,
                        c.query,
                        ident(&c.name)
                    );
                }
            }
        }
        let _ = request;
    }
    out.push('\n');
    for (step, request) in &plan.steps {
        let _ = writeln!(out, "### {}\n# @name {}", step.title, ident(&step.id));
        for e in &step.expectations {
            let _ = writeln!(out, "# expect: {}", braces_text(&e.to_string()));
        }
        if let Some(p) = &step.poll {
            for u in &p.until {
                let _ = writeln!(out, "# send again until: {}", braces_text(&u.to_string()));
            }
        }
        http_request(&mut out, request, &token_name(step));
    }
    for i in cleanup_order(plan) {
        let (step, _) = &plan.steps[i];
        if let Some(c) = &step.cleanup {
            let _ = writeln!(out, "### Clean up: {}", step.title);
            http_request(&mut out, &c.request, "token");
        }
    }
    out
}
