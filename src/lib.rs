//! graphwalk: run Microsoft Graph tutorials step by step, in the browser.

pub mod advice;
mod app;
pub mod components;
pub mod guidance;
pub mod handles;
pub mod hooks;
pub mod roles;
pub mod services;
pub mod shortfall;
pub mod state;

pub use app::{App, AppProps};
pub use services::params::Params;

/// Mounts the app into the document body.
pub fn start() {
    // The page's loading line, and the first render a release build carries as HTML, have done their job once
    // the app is about to render. Yew renders in a microtask of this same task, so no frame is painted between.
    let document = gloo_utils::document();
    for id in ["boot", "first-render"] {
        if let Some(element) = document.get_element_by_id(id) {
            element.remove();
        }
    }
    yew::Renderer::<App>::new().render();
}
