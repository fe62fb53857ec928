//! graphwalk: run Microsoft Graph tutorials step by step, in the browser.

mod app;
pub mod components;
pub mod hooks;
pub mod services;
pub mod state;
pub mod validate;

pub use app::{App, AppProps};
pub use services::params::Params;

/// Mounts the app into the document body.
pub fn start() {
    // The page's loading line has done its job once the app is about to render.
    if let Some(boot) = gloo_utils::document().get_element_by_id("boot") {
        boot.remove();
    }
    yew::Renderer::<App>::new().render();
}
