//! Saves the in-page sandbox tenant shortly after each change to the run.

use gloo_timers::callback::Timeout;
use yew::prelude::*;

use crate::services::in_page_sandbox::InPageSandbox;

#[hook]
pub fn use_sandbox_persistence(sandbox: &InPageSandbox, rev: u64, persist: bool) {
    let pending = use_mut_ref(|| None::<Timeout>);
    let sandbox = sandbox.clone();
    use_effect_with(rev, move |_| {
        if persist {
            *pending.borrow_mut() = Some(Timeout::new(200, move || sandbox.save()));
        }
    });
}
