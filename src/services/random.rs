//! Randomness for a run's seed (its tag, its test users' password), from the browser's CSPRNG.

/// A 64-bit seed from `crypto.getRandomValues`, falling back to `Math.random` where crypto is missing.
pub fn seed() -> u64 {
    let mut bytes = [0u8; 8];
    let from_crypto = web_sys::window()
        .and_then(|w| w.crypto().ok())
        .is_some_and(|c| c.get_random_values_with_u8_array(&mut bytes).is_ok());
    if from_crypto {
        u64::from_le_bytes(bytes)
    } else {
        let high = (js_sys::Math::random() * u32::MAX as f64) as u64;
        let low = (js_sys::Math::random() * u32::MAX as f64) as u64;
        high << 32 | low
    }
}
