//! Hooks that reach outside the component tree: the run's owner, switching tutorials and modes, live
//! mode's setup, the page and its parent.

mod use_embed;
mod use_focus_step;
pub mod use_live;
mod use_media;
pub mod use_run;
pub mod use_switch;

pub use use_embed::use_embed_height;
pub use use_focus_step::{focus_card, focus_id, use_focus_step};
pub use use_live::use_live;
pub use use_media::use_media;
pub use use_run::use_run;
pub use use_switch::use_switch;
