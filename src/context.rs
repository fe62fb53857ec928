//! What is truly page-wide, given by the app to the components below it: the run's state and handles.

use std::rc::Rc;

use walkthrough::{BuiltinTutorial, RunOptions};
use yew::prelude::*;

use crate::services::in_page_sandbox::InPageSandbox;
use crate::services::live_state::Live;
use crate::state::{Command, Explorer};

pub type ExplorerHandle = UseReducerHandle<Explorer>;

/// What every component below the app can reach.
#[derive(Clone, PartialEq)]
pub struct Shared {
    pub explorer: ExplorerHandle,
    pub sandbox: SandboxHandle,
    /// Whether the in-page tenant has loaded (or failed to): the sandbox panel shows it once it has.
    pub sandbox_settled: bool,
    /// The built-in tutorials by id and title; each is parsed when it is opened.
    pub tutorials: Rc<Vec<BuiltinTutorial>>,
    pub embed: bool,
    /// Live mode: the mode switch, settings, sign-in and the token session.
    pub live: Live,
    /// Hands the reader's commands to the run, stamped with the clock (components never read it).
    pub on_command: Callback<Command>,
}

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
