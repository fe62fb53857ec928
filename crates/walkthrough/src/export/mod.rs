//! Exports a tutorial or a run as `.http`, curl, PowerShell or Hurl, and one step as a curl or PowerShell
//! command, never with a token.

mod http_file;
mod hurl;
mod path;
mod powershell;
mod shell;
mod step;

pub use step::{step_curl, step_powershell, step_token_variable, StepRequest};

use crate::model::{RequestTemplate, Step, Tutorial};
use crate::runner::Run;
use crate::template::{Segment, Template};

/// The file formats a run can be exported to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    /// REST Client / JetBrains HTTP Client.
    Http,
    /// A bash script of curl calls (uses `jq` for captures).
    Curl,
    /// PowerShell with `Invoke-MgGraphRequest` (Microsoft Graph PowerShell SDK).
    PowerShell,
    Hurl,
}

/// What to export: a tutorial alone, or a run (its inputs and run tag filled in).
pub enum ExportSource<'a> {
    Tutorial(&'a Tutorial),
    Run(&'a Run),
}

impl<'a> From<&'a Tutorial> for ExportSource<'a> {
    fn from(t: &'a Tutorial) -> Self {
        ExportSource::Tutorial(t)
    }
}

impl<'a> From<&'a Run> for ExportSource<'a> {
    fn from(r: &'a Run) -> Self {
        ExportSource::Run(r)
    }
}

/// Everything the writers need: steps with their effective requests and the starting values.
pub(crate) struct Plan<'a> {
    pub(crate) tutorial: &'a Tutorial,
    pub(crate) steps: Vec<(&'a Step, RequestTemplate)>,
    /// (variable, value) set up front: base, run tag, inputs. The password and token never are.
    pub(crate) givens: Vec<(String, String)>,
}

/// Whether `step` is on the path `value_of` (an input's value by name) chooses.
fn on_path(step: &Step, value_of: &dyn Fn(&str) -> String) -> bool {
    step.when
        .as_ref()
        .is_none_or(|when| when.holds(&value_of(&when.input)))
}

/// The name of the token variable a step's request uses: `token` for the signed-in user, `token_NAME` for
/// a step that runs `as: NAME`.
pub(crate) fn token_name(step: &Step) -> String {
    match &step.run_as {
        Some(name) => format!("token_{}", ident(name)),
        None => "token".to_string(),
    }
}

/// The identities the exported steps run as, in order of first use.
pub(crate) fn identities<'a>(plan: &Plan<'a>) -> Vec<&'a crate::model::Identity> {
    let mut out: Vec<&crate::model::Identity> = Vec::new();
    for (step, _) in &plan.steps {
        if let Some(identity) = step
            .run_as
            .as_deref()
            .and_then(|n| plan.tutorial.identity(n))
        {
            if !out.iter().any(|i| i.name == identity.name) {
                out.push(identity);
            }
        }
    }
    out
}

/// Exports hold the steps of the path the inputs choose (`when:`), never both paths.
pub(crate) fn plan<'a>(source: &ExportSource<'a>) -> Plan<'a> {
    let mut plan = plan_all(source);
    let givens = plan.givens.clone();
    let value_of = move |input: &str| {
        let name = format!("input.{input}");
        givens
            .iter()
            .find(|(k, _)| *k == name)
            .map_or(String::new(), |(_, v)| v.clone())
    };
    plan.steps.retain(|(step, _)| on_path(step, &value_of));
    plan
}

fn plan_all<'a>(source: &ExportSource<'a>) -> Plan<'a> {
    match source {
        ExportSource::Tutorial(t) => {
            let mut givens = vec![
                ("base".to_string(), t.base_url.clone()),
                ("run.tag".to_string(), "demo01".to_string()),
            ];
            for input in &t.inputs {
                givens.push((format!("input.{}", input.name), input.default.clone()));
            }
            Plan {
                tutorial: t,
                steps: t.steps.iter().map(|s| (s, s.request.clone())).collect(),
                givens,
            }
        }
        ExportSource::Run(run) => {
            let t = run.tutorial();
            let mut givens = Vec::new();
            for name in ["base", "run.tag"] {
                if let Some(v) = run.variables().get(name) {
                    givens.push((name.to_string(), v.value.clone()));
                }
            }
            for input in &t.inputs {
                let name = format!("input.{}", input.name);
                let value = run
                    .variables()
                    .get(&name)
                    .map_or(input.default.clone(), |v| v.value.clone());
                givens.push((name, value));
            }
            Plan {
                tutorial: t,
                steps: t
                    .steps
                    .iter()
                    .enumerate()
                    .map(|(i, s)| {
                        (
                            s,
                            run.effective_request(i)
                                .cloned()
                                .unwrap_or_else(|| s.request.clone()),
                        )
                    })
                    .collect(),
                givens,
            }
        }
    }
}

/// A variable name every target language accepts.
pub(crate) fn ident(name: &str) -> String {
    name.replace(['.', '-'], "_")
}

/// Renames `{{run.tag}}` to `{{run_tag}}` etc. for formats with `{{ }}` templates.
pub(crate) fn braces(t: &Template) -> String {
    t.segments()
        .iter()
        .map(|s| match s {
            Segment::Text(x) => x.clone(),
            Segment::Var(v) => format!("{{{{{}}}}}", ident(v)),
        })
        .collect()
}

pub(crate) fn braces_text(s: &str) -> String {
    Template::parse(s).map_or_else(|_| s.to_string(), |t| braces(&t))
}

/// URL text with spaces encoded: curl and Hurl reject raw spaces in `$filter`.
pub(crate) fn encoded_url(t: &Template) -> Template {
    let text: String = t
        .segments()
        .iter()
        .map(|s| match s {
            Segment::Text(x) => x.replace(' ', "%20"),
            Segment::Var(v) => format!("{{{{{v}}}}}"),
        })
        .collect();
    Template::parse(&text).unwrap_or_else(|_| t.clone())
}

pub(crate) fn cleanup_order(plan: &Plan) -> Vec<usize> {
    // Reverse document order puts what was built last (the assignment) first.
    (0..plan.steps.len())
        .rev()
        .filter(|&i| plan.steps[i].0.cleanup.is_some())
        .collect()
}

/// Renders the export. The access token is always a placeholder, and so is the password.
pub fn export<'a>(source: impl Into<ExportSource<'a>>, format: ExportFormat) -> String {
    let plan = plan(&source.into());
    match format {
        ExportFormat::Http => http_file::http_file(&plan),
        ExportFormat::Curl => shell::curl(&plan),
        ExportFormat::PowerShell => powershell::powershell(&plan),
        ExportFormat::Hurl => hurl::hurl(&plan),
    }
}
