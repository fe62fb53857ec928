//! Saves the in-page sandbox tenant shortly after each change to the run, and at once when the page hides,
//! so after a reload the tenant holds exactly what the restored run believes it created.

use gloo_timers::callback::Timeout;
use yew::prelude::*;

use crate::services::in_page_sandbox::InPageSandbox;

const SAVE_DELAY_MS: u32 = 200;

#[hook]
pub fn use_sandbox_persistence(sandbox: &InPageSandbox, rev: u64, persist: bool) {
    let pending = use_mut_ref(|| None::<Timeout>);
    {
        let sandbox = sandbox.clone();
        use_effect_with(rev, move |_| {
            if persist {
                *pending.borrow_mut() = Some(Timeout::new(SAVE_DELAY_MS, move || sandbox.save()));
            }
        });
    }
    let sandbox = sandbox.clone();
    use_effect_with(persist, move |persist| {
        let listener = persist.then(|| {
            gloo_events::EventListener::new(&gloo_utils::window(), "pagehide", move |_| {
                sandbox.save()
            })
        });
        move || drop(listener)
    });
}
