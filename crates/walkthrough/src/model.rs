//! The tutorial model: what a parsed tutorial file says, before anything runs.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::template::Template;

/// A whole tutorial: front matter plus its steps, in document order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Tutorial {
    pub id: String,
    pub title: String,
    /// `beta` or `v1.0`.
    pub api_version: String,
    /// Available to templates as `{{base}}`.
    pub base_url: String,
    /// Delegated permissions the whole tutorial needs.
    pub scopes: Vec<String>,
    /// Markdown between the front matter and the first step.
    pub intro: String,
    pub inputs: Vec<Input>,
    /// Accounts other than the signed-in one that steps may run as (`as: NAME`), e.g. a requestor the
    /// tutorial creates. Tutorials saved before identities existed load with none.
    #[serde(default)]
    pub identities: Vec<Identity>,
    pub steps: Vec<Step>,
}

/// An account a step can run as: `identity NAME: UPN-TEMPLATE` in the front matter, optionally followed by
/// `password: TEMPLATE` (what the reader types at that account's first sign-in).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Identity {
    pub name: String,
    /// The account's user principal name, usually a variable an earlier step captures.
    pub upn: Template,
    #[serde(default)]
    pub password: Option<Template>,
}

/// `when: input.NAME == VALUE` (or `!=`): the step belongs to one path through the tutorial, chosen by an
/// input. Steps on the other path are neither run nor counted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Condition {
    pub input: String,
    pub value: String,
    pub equals: bool,
}

impl Condition {
    pub fn holds(&self, input_value: &str) -> bool {
        (input_value == self.value) == self.equals
    }
}

/// A value the reader chooses before running, e.g. which role the test admin gets.
/// Available to templates as `{{input.<name>}}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Input {
    pub name: String,
    pub label: String,
    /// Empty for free text; otherwise the UI renders a select. The first choice is the default.
    pub choices: Vec<Choice>,
    pub default: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Choice {
    pub value: String,
    pub label: String,
}

/// One card: a request, what to take from its response, and what must hold.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Step {
    /// Stable id used by `after:` and in exports (from `{#id}` or the heading).
    pub id: String,
    pub title: String,
    /// Markdown prose, in the tutorial's own words.
    pub prose: String,
    /// A caution shown on the card (from a `>` block quote).
    pub note: Option<String>,
    /// Delegated permissions this step's request needs.
    pub scopes: Vec<String>,
    /// The least-privileged Microsoft Entra role(s) the signed-in account needs for this step,
    /// from the API reference (empty: no administrator role is needed, or the tutorial does not say).
    /// Runs saved before this field existed load with none.
    #[serde(default)]
    pub roles: Vec<String>,
    /// The identity (front matter `identity NAME`) this step's request runs as; `None`: the signed-in user.
    #[serde(default, rename = "as", skip_serializing_if = "Option::is_none")]
    pub run_as: Option<String>,
    /// The path this step belongs to; `None`: every path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<Condition>,
    pub request: RequestTemplate,
    pub captures: Vec<Capture>,
    pub expectations: Vec<Expectation>,
    pub poll: Option<Poll>,
    pub cleanup: Option<Cleanup>,
    /// Step ids that must pass first even though no variable links them
    /// (e.g. "check membership" only makes sense after delivery).
    pub after: Vec<String>,
    /// 1-based line of the step's heading in the source.
    pub line: usize,
}

/// A request whose method, URL, headers and body may contain `{{variables}}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RequestTemplate {
    pub method: String,
    pub url: Template,
    pub headers: Vec<(String, Template)>,
    pub body: Option<Template>,
}

/// `name: query [as kind]`: a value taken from a response.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Capture {
    pub name: String,
    pub query: Query,
    /// What the value identifies (`user`, `group`, ...), so it cannot fill another kind's slot.
    pub kind: Option<String>,
}

/// Where in a response a value is read from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Query {
    Status,
    Header(String),
    /// An RFC 9535 JSONPath into the body.
    JsonPath(String),
}

impl std::fmt::Display for Query {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Query::Status => write!(f, "status"),
            Query::Header(name) => write!(f, "header \"{name}\""),
            Query::JsonPath(path) => write!(f, "jsonpath \"{path}\""),
        }
    }
}

/// `query predicate`: something that must hold of a response.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Expectation {
    pub query: Query,
    pub predicate: Predicate,
}

/// Expected values are JSON; strings inside them may contain `{{variables}}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Predicate {
    Equals(Value),
    NotEquals(Value),
    Exists,
    NotExists,
    Contains(Value),
    OneOf(Vec<Value>),
}

impl std::fmt::Display for Predicate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Predicate::Equals(v) => write!(f, "== {v}"),
            Predicate::NotEquals(v) => write!(f, "!= {v}"),
            Predicate::Exists => write!(f, "exists"),
            Predicate::NotExists => write!(f, "not exists"),
            Predicate::Contains(v) => write!(f, "contains {v}"),
            Predicate::OneOf(vs) => write!(f, "in {}", Value::Array(vs.clone())),
        }
    }
}

impl std::fmt::Display for Expectation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.query, self.predicate)
    }
}

/// Re-send the request until `until` holds; stop at once if any `fail` holds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Poll {
    pub until: Vec<Expectation>,
    pub fail: Vec<Expectation>,
    pub interval_ms: u64,
    /// Each wait is the previous one times this factor (1.0 = fixed interval).
    pub backoff: f64,
    pub max_interval_ms: u64,
    /// Give up once this much time has passed since the first attempt.
    pub limit_ms: u64,
}

impl Default for Poll {
    fn default() -> Self {
        Poll {
            until: Vec::new(),
            fail: Vec::new(),
            interval_ms: 2_000,
            backoff: 1.5,
            max_interval_ms: 15_000,
            limit_ms: 300_000,
        }
    }
}

/// How to undo what a step created.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Cleanup {
    pub request: RequestTemplate,
    /// Values from the cleanup response, visible to `wait` as `{{cleanup.<name>}}`.
    pub captures: Vec<Capture>,
    /// For asynchronous removals: a request to poll until the removal is done.
    pub wait: Option<CleanupWait>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CleanupWait {
    pub request: RequestTemplate,
    pub poll: Poll,
}

impl Tutorial {
    /// The permissions the signed-in account asks for: the tutorial's `scopes` without those only steps that
    /// run as another account (`as:`) use, which that account asks for itself.
    pub fn signed_in_scopes(&self) -> Vec<String> {
        let mine = |scope: &String| {
            self.steps
                .iter()
                .filter(|s| s.run_as.is_none())
                .any(|s| s.scopes.contains(scope))
        };
        let theirs = |scope: &String| {
            self.steps
                .iter()
                .filter(|s| s.run_as.is_some())
                .any(|s| s.scopes.contains(scope))
        };
        self.scopes
            .iter()
            .filter(|scope| mine(scope) || !theirs(scope))
            .cloned()
            .collect()
    }

    /// Input choices that keep every step with the signed-in account: for each input whose default path has
    /// steps that run as another account (`as:`), the first choice whose path has none. A page where only
    /// one account can sign in (live mode) starts a run with these.
    pub fn one_account_inputs(&self) -> std::collections::BTreeMap<String, String> {
        let runs_as_another = |input: &Input, value: &str| {
            self.steps.iter().any(|s| {
                s.run_as.is_some()
                    && s.when
                        .as_ref()
                        .is_none_or(|w| w.input != input.name || w.holds(value))
            })
        };
        self.inputs
            .iter()
            .filter(|input| runs_as_another(input, &input.default))
            .filter_map(|input| {
                let choice = input
                    .choices
                    .iter()
                    .find(|c| !runs_as_another(input, &c.value))?;
                Some((input.name.clone(), choice.value.clone()))
            })
            .collect()
    }

    /// The account (`identity NAME`) called `name`.
    pub fn identity(&self, name: &str) -> Option<&Identity> {
        self.identities.iter().find(|i| i.name == name)
    }

    /// Index of the step with this id.
    pub fn step_index(&self, id: &str) -> Option<usize> {
        self.steps.iter().position(|s| s.id == id)
    }

    /// The step whose captures define `name`, if any (the first one in document order).
    pub fn provider_of(&self, name: &str) -> Option<usize> {
        self.steps
            .iter()
            .position(|s| s.captures.iter().any(|c| c.name == name))
    }
}

impl Step {
    /// Everything the step reads from its response: captures, expectations and the poll's conditions.
    pub fn queries(&self) -> impl Iterator<Item = &Query> {
        let poll = self.poll.iter().flat_map(|p| p.until.iter().chain(&p.fail));
        self.captures
            .iter()
            .map(|c| &c.query)
            .chain(self.expectations.iter().chain(poll).map(|e| &e.query))
    }
}
