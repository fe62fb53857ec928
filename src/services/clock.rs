//! The page's clock, in the runner's unit: milliseconds since the Unix epoch.

pub fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}
