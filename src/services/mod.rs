//! Everything that touches the outside world: the network, the clock, storage and the page URL.

pub mod clock;
pub mod download;
pub mod fetch;
pub mod in_page_sandbox;
pub mod params;
pub mod random;
pub mod storage;
pub mod transport;
