//! The top-level component: the page header and the tutorial area.

use yew::prelude::*;

#[component]
pub fn App() -> Html {
    html! {
        <div class="app">
            <header class="app-header">
                <h1 class="brand">{ "graphwalk" }</h1>
                <p class="tagline">{ "Microsoft Graph tutorials, one request at a time" }</p>
            </header>
            <main id="tutorial" class="tutorial" aria-label="Tutorial">
                <p class="empty">{ "No tutorial loaded yet." }</p>
            </main>
        </div>
    }
}
