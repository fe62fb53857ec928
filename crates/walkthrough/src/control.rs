//! Reader controls: stop, edit a request, set a variable, resume after a reload, reset.

use crate::attempt::Next;
use crate::body::check_body;
use crate::capture::{VarSource, VarValue};
use crate::error::StepError;
use crate::event::{Action, RequestEdit};
use crate::owner::Owner;
use crate::request::is_idempotent;
use crate::runner::Run;
use crate::template::Template;

impl Run {
    pub(crate) fn stop(&mut self) {
        for s in self.schedule.stop() {
            if self.steps.stop(s) {
                // In flight: keep it planned so its response is still recorded.
                self.schedule.plan(s);
            }
        }
        self.ledger.stop();
    }

    pub(crate) fn edit(&mut self, step: usize, edit: RequestEdit, out: &mut Vec<Action>) {
        let Some(current) = self.effective_request(step).cloned() else {
            return;
        };
        let refuse = |out: &mut Vec<Action>, error: StepError| {
            out.push(Action::Refused {
                step: Some(step),
                error,
            });
        };
        let mut t = current;
        if let Some(method) = edit.method {
            let method = method.trim().to_ascii_uppercase();
            if method.is_empty() || !method.chars().all(|c| c.is_ascii_uppercase()) {
                return refuse(
                    out,
                    StepError::InvalidRequest {
                        message: format!("`{method}` is not an HTTP method"),
                    },
                );
            }
            t.method = method;
        }
        if let Some(url) = edit.url {
            if let Err(message) = same_host(&self.tutorial.base_url, url.trim()) {
                return refuse(out, StepError::InvalidRequest { message });
            }
            match Template::parse(url.trim()) {
                Ok(u) => t.url = u,
                Err(message) => return refuse(out, StepError::InvalidRequest { message }),
            }
        }
        if let Some(headers) = edit.headers {
            let mut parsed = Vec::new();
            for (k, v) in headers {
                if k.eq_ignore_ascii_case("authorization") {
                    return refuse(
                        out,
                        StepError::InvalidRequest {
                            message: "the app adds Authorization itself; tokens are never stored in a run".into(),
                        },
                    );
                }
                match Template::parse(&v) {
                    Ok(v) => parsed.push((k, v)),
                    Err(message) => return refuse(out, StepError::InvalidRequest { message }),
                }
            }
            t.headers = parsed;
        }
        if let Some(body) = edit.body {
            if body.trim().is_empty() {
                t.body = None;
            } else {
                let parsed = match Template::parse(&body) {
                    Ok(b) => b,
                    Err(message) => return refuse(out, StepError::InvalidRequest { message }),
                };
                let is_json = t
                    .headers
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
                    .is_none_or(|(_, v)| v.source().to_ascii_lowercase().contains("json"));
                if is_json {
                    if let Err(error) = check_body(&body) {
                        return refuse(out, error.into());
                    }
                }
                t.body = Some(parsed);
            }
        }
        self.steps.set_edit(step, Some(t));
    }

    pub(crate) fn set_variable(&mut self, name: &str, value: String, out: &mut Vec<Action>) {
        let kind = self
            .vars
            .get(name)
            .and_then(|v| v.kind.clone())
            .or_else(|| {
                self.tutorial
                    .steps
                    .iter()
                    .flat_map(|s| &s.captures)
                    .find(|c| c.name == name)
                    .and_then(|c| c.kind.clone())
            });
        if let Some(kind) = &kind {
            if ID_KINDS.contains(&kind.as_str()) && !looks_like_guid(value.trim()) {
                out.push(Action::Refused {
                    step: None,
                    error: StepError::InvalidValue {
                        name: name.to_string(),
                        message: format!(
                            "\"{value}\" is not an id: a {kind} id is a GUID such as \
                             00000000-0000-0000-0000-000000000000"
                        ),
                    },
                });
                return;
            }
            if let Some((other, other_kind)) = self.vars.kind_clash(name, kind, &value) {
                out.push(Action::Refused {
                    step: None,
                    error: StepError::InvalidValue {
                        name: name.to_string(),
                        message: format!(
                            "that is {other}, a {other_kind} id; {name} needs a {kind} id"
                        ),
                    },
                });
                return;
            }
        }
        // A tutorial input chosen again is still the reader's choice; anything else typed in is by hand,
        // a built-in value included (it is no longer the one the run made).
        let source = match self.vars.get(name).map(|v| &v.source) {
            Some(VarSource::Input) => VarSource::Input,
            _ => VarSource::Manual,
        };
        self.vars.set(
            name,
            VarValue {
                value,
                kind,
                source,
                stale: false,
                at_ms: self.now_ms,
            },
        );
        // Steps that used the old value no longer show what the new one would give.
        let users: Vec<usize> = (0..self.steps.len())
            .filter(|&i| self.needs(i).iter().any(|v| v == name))
            .collect();
        for u in users {
            self.steps.outdate(u);
        }
    }

    pub(crate) fn resume(&mut self, out: &mut Vec<Action>) {
        for flight in self.in_flight.take_all() {
            let owner = Owner::of(&flight);
            if let Owner::Cleanup(e) = owner {
                if !self.ledger.mark_interrupted(e) {
                    continue;
                }
            }
            if is_idempotent(&flight.method) {
                self.resend(owner, flight.kind, out);
            } else {
                let method = flight.method;
                self.follow(owner, Next::Failed(StepError::Interrupted { method }), out);
            }
        }
        self.schedule.resume();
    }

    pub(crate) fn reset(&mut self) {
        self.in_flight.clear();
        self.schedule.reset();
        self.steps.reset();
        self.ledger.reset();
        // A fresh tag and password, so a new attempt never collides with leftovers of this one.
        self.seed_variables();
    }
}

/// An edited address must stay on the tutorial's host: the request carries the reader's token, and in the
/// sandbox another host would be answered as if it were Graph. Addresses starting with a variable
/// (`{{base}}/users`) are checked when the tutorial's own `base` is.
fn same_host(base_url: &str, url: &str) -> Result<(), String> {
    if url.starts_with("{{") {
        return Ok(());
    }
    let origin = |u: &str| -> Option<String> {
        let (scheme, rest) = u.split_once("://")?;
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        let scheme = scheme.to_ascii_lowercase();
        (matches!(scheme.as_str(), "http" | "https") && !authority.is_empty())
            .then(|| format!("{scheme}://{}", authority.to_ascii_lowercase()))
    };
    let wanted = origin(base_url);
    match (origin(url), wanted) {
        (Some(got), Some(wanted)) if got == wanted => Ok(()),
        (Some(_), None) => Ok(()),
        (got, wanted) => {
            let allowed = wanted.unwrap_or_else(|| "http(s)://".into());
            Err(match got {
                Some(got) => format!(
                    "`{got}` is not this tutorial's Graph endpoint: the address must start with {allowed} \
                     (or {{{{base}}}}), so the request was not sent anywhere"
                ),
                None => format!(
                    "the address must be a full URL starting with {allowed} (or {{{{base}}}})"
                ),
            })
        }
    }
}

/// Kinds of captured values that Graph always gives as GUIDs: a value typed in by hand for one of them
/// must look like one, or every request using it would only come back 400 or 404.
const ID_KINDS: &[&str] = &[
    "user",
    "group",
    "role",
    "catalog",
    "policy",
    "assignment",
    "package",
    "resource",
    "request",
];

fn looks_like_guid(value: &str) -> bool {
    let groups: Vec<&str> = value.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, len)| g.len() == len && g.chars().all(|c| c.is_ascii_hexdigit()))
}
