//! Everything that touches the outside world: the network, the clock, storage and the page URL.

pub mod auth;
pub mod auth_claims;
pub mod auth_msal;
pub mod clock;
pub mod download;
pub mod fetch;
pub mod in_page_sandbox;
pub mod live_session;
pub mod live_settings;
pub mod live_state;
pub mod live_transport;
pub mod params;
pub mod random;
pub mod storage;
pub mod transport;
