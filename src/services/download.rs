//! Handing text to the reader: as a downloaded file, or on the clipboard.

use wasm_bindgen::JsCast;

/// Offers `text` as a file download named `name`.
pub fn save_text(name: &str, text: &str) -> Result<(), String> {
    let fail = |_| "The browser did not allow the download; use Copy instead.".to_string();
    let parts = js_sys::Array::of1(&text.into());
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("text/plain;charset=utf-8");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).map_err(fail)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(fail)?;
    let document = gloo_utils::document();
    let link: web_sys::HtmlAnchorElement =
        document
            .create_element("a")
            .map_err(fail)?
            .dyn_into()
            .map_err(|_| "The browser did not allow the download; use Copy instead.".to_string())?;
    link.set_href(&url);
    link.set_download(name);
    link.click();
    let _ = web_sys::Url::revoke_object_url(&url);
    Ok(())
}

/// Puts `text` on the clipboard (the browser may ask, or refuse outside a click).
/// Copies `text` to the clipboard and says whether the browser took it (it refuses without permission or
/// focus).
pub async fn copy_text_confirmed(text: &str) -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    let promise = window.navigator().clipboard().write_text(text);
    wasm_bindgen_futures::JsFuture::from(promise).await.is_ok()
}

pub fn copy_text(text: &str) {
    if let Some(window) = web_sys::window() {
        let _ = window.navigator().clipboard().write_text(text);
    }
}
