//! Saves the run (never a token) to localStorage so a reload picks it up where it was.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use walkthrough::Run;

const RUN_KEY: &str = "graphwalk.run";
/// Bump when the saved shape changes incompatibly: older saves are then ignored, not misread.
const FORMAT: u32 = 1;
/// Strings longer than this (huge response bodies) are cut before saving, to stay inside the
/// browser's storage quota. Captured values are short and always survive.
const MAX_SAVED_STRING: usize = 64 * 1024;

#[derive(Serialize, Deserialize)]
pub struct SavedRun {
    pub format: u32,
    pub saved_at_ms: u64,
    pub run: Run,
}

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// Saves the run. Returns an error message when the browser refused (private mode, quota).
pub fn save_run(run: &Run, now_ms: u64) -> Result<(), String> {
    let Some(storage) = local_storage() else {
        return Err("this browser does not allow local storage".into());
    };
    let saved = SavedRun {
        format: FORMAT,
        saved_at_ms: now_ms,
        run: run.clone(),
    };
    let mut value = serde_json::to_value(&saved).map_err(|e| e.to_string())?;
    shorten_long_strings(&mut value);
    let text = serde_json::to_string(&value).map_err(|e| e.to_string())?;
    storage
        .set_item(RUN_KEY, &text)
        .map_err(|_| "the browser's storage is full or disabled".to_string())
}

/// The run saved before the last reload, if there is one this version can read.
pub fn load_run() -> Option<SavedRun> {
    let text = local_storage()?.get_item(RUN_KEY).ok()??;
    let saved: SavedRun = serde_json::from_str(&text).ok()?;
    (saved.format == FORMAT).then_some(saved)
}

pub fn clear_run() {
    if let Some(storage) = local_storage() {
        let _ = storage.remove_item(RUN_KEY);
    }
}

pub fn get(key: &str) -> Option<String> {
    local_storage()?.get_item(key).ok()?
}

pub fn set(key: &str, value: &str) {
    if let Some(storage) = local_storage() {
        let _ = storage.set_item(key, value);
    }
}

fn shorten_long_strings(value: &mut Value) {
    match value {
        Value::String(s) if s.len() > MAX_SAVED_STRING => {
            let mut cut = MAX_SAVED_STRING;
            while !s.is_char_boundary(cut) {
                cut -= 1;
            }
            s.truncate(cut);
            s.push_str(
                "\n… (cut here when saved: the full body was too large to keep across a reload)",
            );
        }
        Value::Array(items) => items.iter_mut().for_each(shorten_long_strings),
        Value::Object(map) => map.values_mut().for_each(shorten_long_strings),
        _ => {}
    }
}
