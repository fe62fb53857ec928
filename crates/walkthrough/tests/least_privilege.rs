//! Every request of the built-in tutorials asks for exactly the least-privileged permission and role
//! Microsoft's API reference gives (`permissions/least-privilege.json`), no more and no less.

use std::collections::BTreeSet;

use serde::Deserialize;
use walkthrough::{builtin_tutorials, RequestTemplate, Tutorial};

#[derive(Deserialize)]
struct Reference {
    operations: Vec<Operation>,
}

/// One row of the reference: an API page's Permissions section.
#[derive(Deserialize)]
struct Operation {
    api: String,
    method: String,
    path: String,
    operation: String,
    source: String,
    least: String,
    higher: Vec<String>,
    roles: Vec<String>,
    entra_roles: Vec<String>,
    /// The roles a user needs to make this request for themselves (a self-service request), where the
    /// page says it differs from an administrator's.
    #[serde(default)]
    self_roles: Option<Vec<String>>,
    /// The permission a user needs to make this request for themselves, where it differs.
    #[serde(default)]
    self_least: Option<String>,
}

fn reference() -> Vec<Operation> {
    let text = include_str!("../permissions/least-privilege.json");
    let reference: Reference = serde_json::from_str(text).expect("the reference is valid JSON");
    reference.operations
}

/// `{{base}}/accessPackages/{{package_id}}/resourceRoleScopes?$x` → `/accessPackages/{id}/resourceRoleScopes`.
fn path_shape(request: &RequestTemplate) -> String {
    let url = request.url.source();
    let url = url.strip_prefix("{{base}}").unwrap_or(url);
    let path = url.split('?').next().unwrap_or(url);
    path.split('/')
        .map(|segment| {
            if segment.contains("{{") {
                "{id}"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn find<'a>(
    reference: &'a [Operation],
    tutorial: &Tutorial,
    request: &RequestTemplate,
) -> &'a Operation {
    let shape = path_shape(request);
    reference
        .iter()
        .find(|op| {
            op.api == tutorial.api_version
                && op.method.eq_ignore_ascii_case(&request.method)
                && op.path.eq_ignore_ascii_case(&shape)
        })
        .unwrap_or_else(|| {
            panic!(
                "{}: no reference entry for {} {} on {}",
                tutorial.id, request.method, shape, tutorial.api_version
            )
        })
}

#[test]
fn every_request_asks_for_the_least_privileged_permission_and_role() {
    let reference = reference();
    let mut checked = 0;
    for tutorial in builtin_tutorials() {
        let front: BTreeSet<&str> = tutorial.scopes.iter().map(String::as_str).collect();
        let mut union = BTreeSet::new();
        for step in &tutorial.steps {
            let op = find(&reference, &tutorial, &step.request);
            // A step that runs as an end user asks for what that user needs for themselves.
            let least = match (&step.run_as, &op.self_least) {
                (Some(_), Some(mine)) => mine,
                _ => &op.least,
            };
            assert_eq!(
                step.scopes,
                vec![least.clone()],
                "{} step `{}` ({}): {} gives {} as least privileged",
                tutorial.id,
                step.id,
                op.operation,
                op.source,
                op.least
            );
            // A step that runs as an end user (`as:`) needs what that user needs, which for a request of
            // their own is no administrator role.
            let roles = match (&step.run_as, &op.self_roles) {
                (Some(_), Some(self_roles)) => self_roles,
                _ => &op.roles,
            };
            assert_eq!(
                &step.roles, roles,
                "{} step `{}` ({}): roles per {}",
                tutorial.id, step.id, op.operation, op.source
            );
            if step.run_as.is_some() {
                assert!(
                    step.roles.is_empty(),
                    "{} step `{}` runs as an end user, who holds no directory role",
                    tutorial.id,
                    step.id
                );
            }
            union.extend(step.scopes.iter().map(String::as_str));
            checked += 1;
            // Cleanup signs with the tutorial's scopes: the removal and its wait need theirs there.
            let Some(cleanup) = &step.cleanup else {
                continue;
            };
            let wait = cleanup.wait.as_ref().map(|w| &w.request);
            for request in std::iter::once(&cleanup.request).chain(wait) {
                let op = find(&reference, &tutorial, request);
                assert!(
                    front.contains(op.least.as_str()),
                    "{} cleanup of `{}` ({}) needs {} ({}), which the front matter lacks",
                    tutorial.id,
                    step.id,
                    op.operation,
                    op.least,
                    op.source
                );
                checked += 1;
            }
        }
        assert_eq!(
            front, union,
            "{}: the front matter's scopes must be the union of its steps' scopes",
            tutorial.id
        );
    }
    println!("least privilege: requests checked {checked}");
    assert!(checked > 0);
}

#[test]
fn the_reference_is_consistent() {
    let reference = reference();
    let mut seen = BTreeSet::new();
    for op in &reference {
        assert!(
            seen.insert((
                op.api.as_str(),
                op.method.as_str(),
                op.path.to_ascii_lowercase()
            )),
            "{} {} {} appears twice",
            op.api,
            op.method,
            op.path
        );
        assert!(
            op.source
                .starts_with("https://learn.microsoft.com/graph/api/"),
            "{} cites {}",
            op.operation,
            op.source
        );
        assert!(
            !op.higher.contains(&op.least),
            "{}: {} is both least and higher privileged",
            op.operation,
            op.least
        );
        // The least-privileged role is one the page names.
        for role in &op.roles {
            assert!(
                op.entra_roles.contains(role),
                "{}: {role} is not among its roles",
                op.operation
            );
        }
    }
}
