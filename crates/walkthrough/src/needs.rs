//! What each step of a run needs: variables and their providers, `after:` steps, the steps around it.

use std::collections::BTreeSet;

use crate::format::step_inputs;
use crate::runner::Run;

impl Run {
    /// The step that provides `var` to `step`: the last earlier step capturing it.
    pub(crate) fn provider_for(&self, step: usize, var: &str) -> Option<usize> {
        let before = step.min(self.tutorial.steps.len());
        self.tutorial.steps[..before]
            .iter()
            .rposition(|s| s.captures.iter().any(|c| c.name == var))
            .or_else(|| self.tutorial.provider_of(var))
    }

    /// Variables a step needs (from its effective request, expectations, poll and cleanup).
    pub(crate) fn needs(&self, step: usize) -> Vec<String> {
        match self.steps.edit(step) {
            None => step_inputs(&self.tutorial.steps[step]),
            Some(edit) => {
                let mut t = self.tutorial.steps[step].clone();
                t.request = edit.clone();
                step_inputs(&t)
            }
        }
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
            if let Some(i) = self.tutorial.step_index(after) {
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
