//! Small things the app hands to its hooks and components: the in-page sandbox by identity, and a fresh
//! run's options.

use walkthrough::{RunOptions, Tutorial};

use crate::services::in_page_sandbox::InPageSandbox;
use crate::services::live_state::Mode;

/// The in-page sandbox, compared by identity.
#[derive(Clone)]
pub struct SandboxHandle(pub InPageSandbox);

impl PartialEq for SandboxHandle {
    fn eq(&self, other: &Self) -> bool {
        self.0.same(&other.0)
    }
}

/// A fresh run's options: a random seed (run tag, password, jitter) and the tutorial's default inputs. In
/// live mode the inputs start on the path on which no step runs as another account (the administrator
/// assigns the package instead of the requestor asking for it), which works with a pasted token too; the
/// reader may choose the other path and sign the requestor in beside them.
pub fn fresh_options(tutorial: &Tutorial, mode: Mode) -> RunOptions {
    RunOptions {
        seed: crate::services::random::seed(),
        inputs: match mode {
            Mode::Live => tutorial.one_account_inputs(),
            Mode::Sandbox => Default::default(),
        },
        ..RunOptions::default()
    }
}
