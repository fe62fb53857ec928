//! Hooks that reach outside the component tree: the runner's actions, saving, the page and its parent.

mod use_driver;
mod use_embed;
mod use_focus_step;
mod use_live;

pub use use_driver::use_driver;
pub use use_embed::use_embed_height;
pub use use_focus_step::use_focus_step;
pub use use_live::use_live;
