//! Writing the imported tutorial in graphwalk's format, with each capture's provenance as a comment.

use std::collections::BTreeSet;

use serde_json::Value;

use super::cleanup::request_text;
use super::names::{scope_for, slug};
use super::{path_of, Work, WorkStep};

const DOMAIN_SCOPE: &str = "User.Read";

fn expected_status(step: &WorkStep) -> Option<u16> {
    let response = step.doc.response.as_ref();
    if let Some(status) = response.and_then(|r| r.status) {
        return Some(status);
    }
    let body = response.and_then(|r| r.body.as_ref());
    match step.doc.method.as_str() {
        "GET" if body.is_some() => Some(200),
        "POST" if body.and_then(|b| b.get("id")).is_some() => Some(201),
        "DELETE" => Some(204),
        _ => None,
    }
}

fn cleanup_scope(request: &str) -> Option<&'static str> {
    let first = request.lines().next()?;
    let (method, url) = first.split_once(' ')?;
    Some(scope_for(method, &path_of(url.trim())))
}

fn prose_of(step: &WorkStep) -> String {
    step.doc
        .prose
        .lines()
        .filter(|l| {
            let t = l.trim_start_matches('>').trim();
            !(t.starts_with("[!") && t.ends_with(']'))
        })
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_string()
}

pub(crate) fn markdown(work: &Work, page_title: &str) -> String {
    let title = if page_title.trim().is_empty() {
        "Imported tutorial".to_string()
    } else {
        page_title.trim().to_string()
    };
    let steps: Vec<&WorkStep> = work
        .steps
        .iter()
        .filter(|s| s.removal_of.is_none())
        .collect();
    let mut scopes: BTreeSet<&'static str> = BTreeSet::new();
    if work.needs_domain {
        scopes.insert(DOMAIN_SCOPE);
    }
    for s in &steps {
        scopes.insert(
            s.scope
                .unwrap_or_else(|| scope_for(&s.doc.method, &s.path())),
        );
        if let Some(c) = &s.cleanup {
            scopes.extend(cleanup_scope(&c.request));
            if let Some(w) = &c.wait {
                scopes.extend(cleanup_scope(w));
            }
        }
    }
    let mut out = String::new();
    out.push_str("---\n");
    out.push_str(&format!("id: imported-{}\n", slug(&title)));
    out.push_str(&format!("title: {title}\n"));
    out.push_str(&format!("api: {}\n", work.version));
    out.push_str(&format!(
        "base: https://graph.microsoft.com/{}\n",
        work.version
    ));
    out.push_str(&format!(
        "scopes: {}\n",
        scopes.iter().copied().collect::<Vec<_>>().join(", ")
    ));
    for name in &work.input_order {
        if let Some((label, default)) = work.inputs.get(name) {
            out.push_str(&format!("input {name}: {label}\ndefault: {default}\n"));
        }
    }
    if let Some((name, label, choices)) = &work.choice {
        out.push_str(&format!("input {name}: {label}\n"));
        for (value, label) in choices {
            out.push_str(&format!("  - {value}: {label}\n"));
        }
    }
    if let Some((name, upn)) = &work.identity {
        out.push_str(&format!(
            "identity {name}: {upn}\npassword: {{{{run.password}}}}\n"
        ));
    }
    out.push_str("---\n\n");
    out.push_str(
        "Imported from a Microsoft Graph docs page. Each `# link` comment in a step says where a value comes \
         from and how sure the import is; check the low-confidence ones, and any input, before the first run.\n",
    );
    for note in &work.notes {
        out.push_str(&format!("\n- {note}"));
    }
    if !work.notes.is_empty() {
        out.push('\n');
    }
    // The steps a step runs after: the one before it, or both steps of a pair of paths.
    let mut previous: Vec<String> = Vec::new();
    let mut previous_after: Vec<String> = Vec::new();
    let mut previous_when = false;
    if work.needs_domain {
        out.push_str(
            "\n## Look up the tenant's domain {#domain}\n\n\
             The page's addresses use a sample domain; this run reads your tenant's default domain instead.\n\n\
             ```http\nGET {{base}}/organization?$select=id,verifiedDomains\n```\n\n\
             ```walk\n[Options]\nscopes: User.Read\n[Captures]\n\
             # link: tenant-specific, looked up (high)\n\
             domain: jsonpath \"$.value[0].verifiedDomains[?@.isDefault == true].name\"\n\
             [Asserts]\nstatus == 200\n```\n",
        );
        previous = vec!["domain".into()];
    }
    for s in steps {
        let title = match super::names::strip_step_number(&s.doc.title) {
            "" => s.id.clone(),
            t => t.to_string(),
        };
        out.push_str(&format!("\n## {title} {{#{}}}\n\n", s.id));
        let prose = prose_of(s);
        if !prose.is_empty() {
            out.push_str(&prose);
            out.push_str("\n\n");
        }
        if !s.notes.is_empty() {
            out.push_str(&format!("> **Note:** {}\n\n", s.notes.join(" ")));
        }
        out.push_str("```http\n");
        out.push_str(&request_text(
            &s.doc.method,
            &s.url,
            &s.headers,
            s.body.as_deref(),
        ));
        out.push_str("```\n\n```walk\n[Options]\n");
        let scope = s
            .scope
            .unwrap_or_else(|| scope_for(&s.doc.method, &s.path()));
        out.push_str(&format!("scopes: {scope}\n"));
        // The second of a pair of paths runs after what the first does.
        let pair = previous_when && s.when.is_some();
        let after = if pair {
            previous_after.clone()
        } else {
            previous.clone()
        };
        if !after.is_empty() {
            out.push_str(&format!("after: {}\n", after.join(", ")));
        }
        if let Some(name) = &s.run_as {
            out.push_str(&format!("as: {name}\n"));
        }
        if let Some(when) = &s.when {
            out.push_str(&format!("when: {when}\n"));
        }
        if !s.captures.is_empty() {
            out.push_str("[Captures]\n");
            for c in &s.captures {
                out.push_str(&format!("# link: {}\n", c.note));
                out.push_str(&format!("{}: jsonpath \"{}\"\n", c.name, c.jsonpath));
            }
        }
        let status = expected_status(s);
        let sample = s.response_body();
        let mut asserts = Vec::new();
        match status {
            // Creating answers 201; some pages show 200, so either passes.
            Some(200 | 201)
                if s.doc.method == "POST" && sample.and_then(|b| b.get("id")).is_some() =>
            {
                asserts.push("status in [200, 201]".into())
            }
            Some(status) => asserts.push(format!("status == {status}")),
            None => {}
        }
        if status != Some(204) {
            if sample.and_then(|b| b.get("id")).is_some() {
                asserts.push("jsonpath \"$.id\" exists".into());
            }
            if sample
                .and_then(|b| b.get("value"))
                .is_some_and(Value::is_array)
            {
                asserts.push("jsonpath \"$.value\" exists".into());
            }
        }
        if !asserts.is_empty() {
            out.push_str("[Asserts]\n");
            for a in asserts {
                out.push_str(&a);
                out.push('\n');
            }
        }
        if let Some((path, value)) = &s.poll {
            out.push_str(&format!(
                "[Poll]\n# the page's sample shows this state once the request is done\nuntil: jsonpath \"{path}\" == {value}\n\
                 interval: 2s\nbackoff: 1.5\nmax-interval: 10s\nlimit: 5m\n"
            ));
        }
        if let Some(c) = &s.cleanup {
            out.push_str(&format!("# {}\n[Cleanup]\n", c.note));
            out.push_str(c.request.trim_end());
            out.push('\n');
            if !c.captures.is_empty() {
                out.push_str("[Cleanup Captures]\n");
                for line in &c.captures {
                    out.push_str(line);
                    out.push('\n');
                }
            }
            if let Some(w) = &c.wait {
                out.push_str("[Cleanup Wait]\n");
                out.push_str(w);
                out.push('\n');
            }
        }
        out.push_str("```\n");
        if pair {
            previous.push(s.id.clone());
        } else {
            previous_after = after;
            previous = vec![s.id.clone()];
        }
        previous_when = s.when.is_some();
    }
    out
}
