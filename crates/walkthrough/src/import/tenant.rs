//! Tenant-specific values and names a step sends: the sample domain, passwords, names made unique per run.

use serde_json::Value;

use super::values::{leaves, Seg};
use super::{Confidence, Link, Origin, Work};

/// Domains the docs use in samples; an address in one of them belongs to the reader's tenant instead.
fn is_sample_domain(domain: &str) -> bool {
    let d = domain.to_ascii_lowercase();
    [
        "contoso",
        "fabrikam",
        "onmicrosoft.com",
        "woodgrove",
        "adatum",
        "litware",
        "tailspintoys",
        "northwind",
        "wingtip",
        "example.com",
        "m365x",
    ]
    .iter()
    .any(|s| d.contains(s))
}

/// The last path segment names a collection (so a POST there creates something), not an action.
pub(crate) fn is_collection(path: &str) -> bool {
    let last = path.trim_end_matches('/').rsplit('/').next().unwrap_or("");
    !last.contains('.') && last != "$ref" && !last.contains("{{") && last.ends_with('s')
}

fn tagged(literal: &str) -> String {
    if literal.contains(char::is_whitespace) {
        format!("{literal} {{{{run.tag}}}}")
    } else {
        format!("{literal}-{{{{run.tag}}}}")
    }
}

pub(crate) fn tenant_values(work: &mut Work) {
    for j in 0..work.steps.len() {
        let Some(body) = work.steps[j].body.clone() else {
            continue;
        };
        let Ok(json) = serde_json::from_str::<Value>(&body) else {
            continue;
        };
        let creates = work.steps[j].doc.method == "POST" && is_collection(&work.steps[j].path());
        let creates_user = creates && work.steps[j].path().eq_ignore_ascii_case("/users");
        for leaf in leaves(&json) {
            let key = match leaf.path.last() {
                Some(Seg::Key(k)) => k.as_str(),
                _ => "",
            };
            let top_level = leaf.path.len() == 1;
            if key.eq_ignore_ascii_case("password") && !leaf.value.contains("{{") {
                replace_from(
                    work,
                    j,
                    &format!("\"{}\"", leaf.value),
                    "\"{{run.password}}\"",
                    false,
                    None,
                    |w, k, place| {
                        w.link(Link {
                            variable: "{{run.password}}".into(),
                            value: leaf.value.clone(),
                            from: Origin::Tenant {
                                what: "password".into(),
                            },
                            to: vec![w.target(k, place)],
                            confidence: Confidence::High,
                            reason:
                                "a fixed sample password; each run generates a strong one instead"
                                    .into(),
                        })
                    },
                );
                continue;
            }
            if let Some((local, domain)) = leaf.value.split_once('@') {
                let new_user = creates_user && key.eq_ignore_ascii_case("userPrincipalName");
                // Other addresses in the sample domain are accounts the reader already has: inputs, below.
                if new_user
                    && is_sample_domain(domain)
                    && !local.is_empty()
                    && !local.contains(' ')
                    && !domain.contains(' ')
                {
                    work.needs_domain = true;
                    let local_t = if new_user {
                        tagged(local)
                    } else {
                        local.to_string()
                    };
                    let template = format!("{local_t}@{{{{domain}}}}");
                    let domain_owned = domain.to_string();
                    let value = leaf.value.clone();
                    let step_id = work.steps[j].id.clone();
                    let request = work.steps[j].doc.name.clone();
                    replace_from(work, j, &value, &template, true, None, |w, k, place| {
                        w.link(Link {
                            variable: "{{domain}}".into(),
                            value: domain_owned.clone(),
                            from: Origin::Tenant { what: "domain".into() },
                            to: vec![w.target(k, place.clone())],
                            confidence: Confidence::High,
                            reason: "the page's sample domain; a first step looks up your tenant's default domain".into(),
                        });
                        if new_user && k != j {
                            w.link(Link {
                                variable: template.clone(),
                                value: value.clone(),
                                from: Origin::Sent {
                                    step: step_id.clone(),
                                    request: request.clone(),
                                    place: format!("body $.{key}"),
                                },
                                to: vec![w.target(k, place)],
                                confidence: Confidence::High,
                                reason:
                                    "the account this run creates, under a name unique to the run"
                                        .into(),
                            });
                        }
                    });
                    continue;
                }
            }
            // An outside address (someone to invite or to mail) is the reader's to choose.
            if leaf.value.contains('@')
                && !leaf
                    .value
                    .split_once('@')
                    .is_some_and(|(_, d)| is_sample_domain(d))
                && key.to_ascii_lowercase().contains("mail")
                && !leaf.value.contains("{{")
                && !leaf.value.contains(' ')
            {
                let name = super::values::snake(key);
                let value = leaf.value.clone();
                if !work.inputs.contains_key(&name) {
                    work.inputs.insert(
                        name.clone(),
                        (
                            "An address outside your tenant (the page's sample address is the default)".into(),
                            value.clone(),
                        ),
                    );
                    work.input_order.push(name.clone());
                }
                let var = format!("{{{{input.{name}}}}}");
                replace_from(
                    work,
                    j,
                    &format!("\"{value}\""),
                    &format!("\"{var}\""),
                    false,
                    None,
                    |w, k, place| {
                        w.link(Link {
                            variable: var.clone(),
                            value: value.clone(),
                            from: Origin::Input,
                            to: vec![w.target(k, place)],
                            confidence: Confidence::Medium,
                            reason:
                                "an address outside the tenant; the reader picks the one to use"
                                    .into(),
                        })
                    },
                );
                continue;
            }
            let is_name = matches!(key, "displayName" | "mailNickname");
            if creates
                && top_level
                && is_name
                && !leaf.value.contains("{{")
                && leaf.value.len() >= 2
            {
                let template = tagged(&leaf.value);
                let value = leaf.value.clone();
                let step_id = work.steps[j].id.clone();
                let request = work.steps[j].doc.name.clone();
                if let Some(b) = work.steps[j].body.as_mut() {
                    *b = b.replace(&format!("\"{value}\""), &format!("\"{template}\""));
                }
                // Later steps: the same name in a body or in an OData string literal.
                for k in j + 1..work.steps.len() {
                    let mut places = Vec::new();
                    let step = &mut work.steps[k];
                    if let Some(b) = step.body.as_mut() {
                        let quoted = format!("\"{value}\"");
                        if b.contains(&quoted) {
                            *b = b.replace(&quoted, &format!("\"{template}\""));
                            places.push("body".to_string());
                        }
                    }
                    let literal = format!("'{value}'");
                    if step.url.contains(&literal) {
                        step.url = step.url.replace(&literal, &format!("'{template}'"));
                        places.push("$filter".to_string());
                    }
                    for place in places {
                        let t = work.target(k, place);
                        work.link(Link {
                            variable: template.clone(),
                            value: value.clone(),
                            from: Origin::Sent {
                                step: step_id.clone(),
                                request: request.clone(),
                                place: format!("body $.{key}"),
                            },
                            to: vec![t],
                            confidence: Confidence::High,
                            reason: format!(
                                "a name step \"{step_id}\" gives what it creates; made unique per run, so it is reused as sent"
                            ),
                        });
                    }
                }
            }
        }
    }
}

/// Replaces `from` with `to` in the body (and URL) of step `start` and every later step, calling
/// `on_target(work, step, place)` for each step it changed (except `skip_target`).
fn replace_from(
    work: &mut Work,
    start: usize,
    from: &str,
    to: &str,
    in_url: bool,
    skip_target: Option<usize>,
    mut on_target: impl FnMut(&mut Work, usize, String),
) {
    for k in start..work.steps.len() {
        let mut places = Vec::new();
        {
            let step = &mut work.steps[k];
            if let Some(b) = step.body.as_mut() {
                if b.contains(from) {
                    *b = b.replace(from, to);
                    places.push("body".to_string());
                }
            }
            if in_url && step.url.contains(from) {
                step.url = step.url.replace(from, to);
                places.push("url".to_string());
            }
        }
        if Some(k) == skip_target {
            continue;
        }
        for place in places {
            on_target(work, k, place);
        }
    }
}

/// `AlexW@contoso.com` in a URL or body, for a sample-domain account the page does not create.
fn sample_addresses(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    for (at, _) in text.match_indices('@') {
        let local_ok = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'+');
        let domain_ok = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-');
        let mut start = at;
        while start > 0 && local_ok(bytes[start - 1]) {
            start -= 1;
        }
        let mut end = at + 1;
        while end < bytes.len() && domain_ok(bytes[end]) {
            end += 1;
        }
        let domain = text[at + 1..end].trim_end_matches('.');
        if start < at && is_sample_domain(domain) && !text[..start].ends_with("{{") {
            let address = format!("{}@{domain}", &text[start..at]);
            if !out.contains(&address) {
                out.push(address);
            }
        }
    }
    out
}

/// Accounts in the sample domain that the page uses but does not create become inputs.
pub(crate) fn existing_accounts(work: &mut Work) {
    for j in 0..work.steps.len() {
        // In a URL anywhere; in a body only as a whole value (a mention inside free text stays as written).
        let mut addresses = sample_addresses(&work.steps[j].url);
        if let Some(body) = work.steps[j]
            .body
            .as_deref()
            .and_then(|b| serde_json::from_str::<Value>(b).ok())
        {
            for leaf in leaves(&body) {
                if sample_addresses(&leaf.value) == [leaf.value.clone()]
                    && !addresses.contains(&leaf.value)
                {
                    addresses.push(leaf.value.clone());
                }
            }
        }
        for address in addresses {
            let local = address.split('@').next().unwrap_or("");
            let name = format!(
                "{}_upn",
                super::values::snake(&local.replace(['.', '-', '+'], "_")).to_ascii_lowercase()
            );
            work.inputs.entry(name.clone()).or_insert_with(|| {
                (
                    "An account in your tenant that the tutorial uses (the page's sample account is the default)"
                        .into(),
                    address.clone(),
                )
            });
            if !work.input_order.contains(&name) {
                work.input_order.push(name.clone());
            }
            let var = format!("{{{{input.{name}}}}}");
            let value = address.clone();
            replace_from(work, j, &address, &var, true, None, |w, k, place| {
                w.link(Link {
                    variable: var.clone(),
                    value: value.clone(),
                    from: Origin::Input,
                    to: vec![w.target(k, place)],
                    confidence: Confidence::Medium,
                    reason: "an account the page expects to exist; pick one of your tenant's"
                        .into(),
                })
            });
        }
    }
}
