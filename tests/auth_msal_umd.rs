//! The real MSAL.js 5 browser bundle (the file the build serves) loads, starts, and answers a silent token
//! request with "sign in first" through graphwalk's auth seam, all without network.
#![cfg(target_arch = "wasm32")]

use graphwalk::services::auth::AuthError;
use graphwalk::services::auth_msal::{self, MsalTokenSource};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const MSAL_UMD: &str = include_str!("../node_modules/@azure/msal-browser/lib/msal-browser.min.js");

#[wasm_bindgen_test]
async fn the_msal_bundle_loads_initializes_and_needs_a_sign_in() {
    js_sys::Function::new_no_args(MSAL_UMD)
        .call0(&JsValue::NULL)
        .expect("the UMD bundle runs");
    let msal = js_sys::Reflect::get(&js_sys::global(), &"msal".into()).expect("a global msal");
    let version = js_sys::Reflect::get(&msal, &"version".into())
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_default();
    assert!(version.starts_with("5."), "MSAL.js 5, got {version:?}");

    // With the global present, the on-demand loader adds no script.
    auth_msal::load_script("vendor/msal/does-not-exist.js")
        .await
        .expect("already loaded");

    let redirect = auth_msal::resolve_url("redirect.html");
    let account = auth_msal::start(
        "11111111-2222-3333-4444-555555555555",
        "https://login.microsoftonline.com/organizations",
        &redirect,
    )
    .await
    .expect("MSAL initializes without network");
    assert_eq!(account, None, "nobody is signed in");

    let scopes = vec!["User.Read".to_string()];
    let silent = MsalTokenSource { in_frame: false }
        .acquire(scopes, false, false)
        .await;
    assert_eq!(silent, Err(AuthError::InteractionRequired));
}
