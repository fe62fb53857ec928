//! The entry point Trunk builds: mount the app into the page's body.

fn main() {
    graphwalk::start();
}
