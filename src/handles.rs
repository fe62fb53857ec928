//! Small things the app hands to its hooks and components: the in-page sandbox by identity, and a fresh
//! run's options.

use walkthrough::RunOptions;

use crate::services::in_page_sandbox::InPageSandbox;

/// The in-page sandbox, compared by identity.
#[derive(Clone)]
pub struct SandboxHandle(pub InPageSandbox);

impl PartialEq for SandboxHandle {
    fn eq(&self, other: &Self) -> bool {
        self.0.same(&other.0)
    }
}

/// A fresh run's options: a random seed (run tag, password, jitter) and the tutorial's default inputs.
pub fn fresh_options() -> RunOptions {
    RunOptions {
        seed: crate::services::random::seed(),
        ..RunOptions::default()
    }
}
