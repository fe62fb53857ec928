//! graphwalk: run Microsoft Graph tutorials step by step, in the browser.

mod app;

pub use app::App;

/// Mounts the app into the document body.
pub fn start() {
    yew::Renderer::<App>::new().render();
}
