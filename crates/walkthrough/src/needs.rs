//! What each step of a run needs: variables and their providers, `after:` steps, the steps around it.

use std::collections::BTreeSet;

use crate::deps::identity_vars;
use crate::format::step_inputs;
use crate::runner::Run;

impl Run {
    /// The step that provides `var` to `step`: the last earlier step on the chosen path capturing it.
    pub(crate) fn provider_for(&self, step: usize, var: &str) -> Option<usize> {
        let before = step.min(self.tutorial.steps.len());
        let captures = |s: &crate::model::Step| s.captures.iter().any(|c| c.name == var);
        (0..before)
            .rev()
            .find(|&i| self.on_path(i) && captures(&self.tutorial.steps[i]))
            .or_else(|| self.tutorial.provider_of(var).filter(|&p| self.on_path(p)))
    }

    /// Whether a step belongs to the path the tutorial's inputs choose (`when:`); steps without one
    /// belong to every path.
    pub fn on_path(&self, step: usize) -> bool {
        let Some(when) = self.tutorial.steps.get(step).and_then(|s| s.when.as_ref()) else {
            return true;
        };
        let value = self
            .vars
            .get(&format!("input.{}", when.input))
            .map_or("", |v| v.value.as_str());
        when.holds(value)
    }

    /// The account a step's request runs as, with its user principal name in this run; `None` for the
    /// signed-in user (or while the name is not known yet).
    pub fn run_as(&self, step: usize) -> Option<crate::event::RunAs> {
        let name = self.tutorial.steps.get(step)?.run_as.as_deref()?;
        let identity = self.tutorial.identity(name)?;
        let lookup = self.lookup();
        let upn = identity
            .upn
            .render(crate::template::Context::Header, &lookup)
            .ok()?;
        Some(crate::event::RunAs {
            identity: name.to_string(),
            upn,
        })
    }

    /// Variables a step needs (from its effective request, expectations, poll and cleanup, and the
    /// account it runs as).
    pub(crate) fn needs(&self, step: usize) -> Vec<String> {
        let template = &self.tutorial.steps[step];
        let mut needs = match self.steps.edit(step) {
            None => step_inputs(template),
            Some(edit) => {
                let mut t = template.clone();
                t.request = edit.clone();
                step_inputs(&t)
            }
        };
        for var in identity_vars(&self.tutorial, template) {
            if !needs.contains(&var) {
                needs.push(var);
            }
        }
        needs
    }

    /// Steps this step directly depends on: variable providers and `after:` steps.
    pub(crate) fn direct_deps(&self, step: usize) -> BTreeSet<usize> {
        let mut deps: BTreeSet<usize> = self
            .needs(step)
            .iter()
            .filter_map(|v| self.provider_for(step, v))
            .filter(|&p| p != step)
            .collect();
        for after in &self.tutorial.steps[step].after {
            if let Some(i) = self.tutorial.step_index(after).filter(|&i| self.on_path(i)) {
                deps.insert(i);
            }
        }
        deps
    }

    pub(crate) fn ancestors(&self, step: usize) -> BTreeSet<usize> {
        let mut seen = BTreeSet::new();
        let mut todo = vec![step];
        while let Some(s) = todo.pop() {
            for d in self.direct_deps(s) {
                if seen.insert(d) {
                    todo.push(d);
                }
            }
        }
        seen
    }

    pub(crate) fn descendants(&self, step: usize) -> BTreeSet<usize> {
        let deps: Vec<BTreeSet<usize>> =
            (0..self.steps.len()).map(|i| self.direct_deps(i)).collect();
        let mut seen = BTreeSet::new();
        let mut todo = vec![step];
        while let Some(s) = todo.pop() {
            for (i, d) in deps.iter().enumerate() {
                if d.contains(&s) && seen.insert(i) {
                    todo.push(i);
                }
            }
        }
        seen
    }

    pub(crate) fn lookup(&self) -> impl Fn(&str) -> Option<String> + '_ {
        |name: &str| self.vars.fresh(name).map(str::to_string)
    }
}
