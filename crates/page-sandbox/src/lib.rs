//! The in-page sandbox tenant as a WebAssembly module of its own.
//!
//! The tenant is about a sixth of graphwalk's wasm, and a visitor needs none of it to see the tutorial, so the
//! app loads this module after its first paint instead of carrying it. Everything crosses the module
//! boundary as text: requests, responses, fault settings and listings as JSON, the journal as the text to
//! save. The app links this same type directly in its browser tests (its `linked-sandbox` feature).

use sandbox::journal::{Exchange, JournaledTenant};
use sandbox::Faults;
use wasm_bindgen::prelude::*;

/// The tenant this page runs, kept as a journal (see `sandbox::journal`).
#[wasm_bindgen]
pub struct SandboxTenant {
    inner: JournaledTenant,
}

#[wasm_bindgen]
impl SandboxTenant {
    /// The tenant the saved journal describes, or a new one from `seed` when nothing usable was saved.
    #[wasm_bindgen(constructor)]
    pub fn new(saved: Option<String>, seed: u64, delivery_delay_ms: u64) -> SandboxTenant {
        SandboxTenant {
            inner: JournaledTenant::open(saved.as_deref(), seed, delivery_delay_ms),
        }
    }

    /// Answers a request (`Exchange` as JSON) made at `at_ms`; the answer is an `Answer` as JSON.
    pub fn handle(&mut self, request: &str, at_ms: u64) -> String {
        let answer = match serde_json::from_str::<Exchange>(request) {
            Ok(exchange) => self.inner.handle(exchange, at_ms),
            Err(e) => sandbox::journal::Answer {
                status: 400,
                headers: Vec::new(),
                body: format!("the sandbox could not read the request: {e}"),
            },
        };
        serde_json::to_string(&answer).unwrap_or_default()
    }

    /// The fault settings, as JSON.
    pub fn faults(&self) -> String {
        serde_json::to_string(self.inner.faults()).unwrap_or_default()
    }

    /// Sets the fault settings from JSON; false (and nothing changed) if they cannot be read.
    pub fn set_faults(&mut self, faults: &str) -> bool {
        match serde_json::from_str::<Faults>(faults) {
            Ok(faults) => {
                self.inner.set_faults(faults);
                true
            }
            Err(_) => false,
        }
    }

    /// The seeded account the page signs in as: `global-admin`, `least-privilege-admin` or `member`.
    pub fn account(&self) -> String {
        self.inner.account().as_str().to_string()
    }

    /// Signs the page's next requests as the account named; false (and nothing changed) for a name the
    /// tenant does not have.
    pub fn sign_in(&mut self, account: &str) -> bool {
        match sandbox::Account::parse(account) {
            Some(account) => {
                self.inner.sign_in(account);
                true
            }
            None => false,
        }
    }

    /// Whether the tenant has a Microsoft Entra ID P2 / Governance licence (entitlement management
    /// refuses every request without one).
    pub fn governance_licence(&self) -> bool {
        self.inner.governance_licence()
    }

    pub fn set_governance_licence(&mut self, licensed: bool) {
        self.inner.set_governance_licence(licensed);
    }

    /// How long assignment requests take to be delivered, in milliseconds.
    pub fn delivery_ms(&self) -> u32 {
        self.inner
            .delivery_delay_ms()
            .try_into()
            .unwrap_or(u32::MAX)
    }

    pub fn set_delivery_ms(&mut self, ms: u32) {
        self.inner.set_delivery_delay_ms(u64::from(ms));
    }

    /// Back to the freshly seeded tenant.
    pub fn reset(&mut self) {
        self.inner.reset();
    }

    /// The journal to save, or nothing when it has grown too long to be worth keeping.
    pub fn journal(&self) -> Option<String> {
        self.inner.journal()
    }

    pub fn journal_len(&self) -> u32 {
        self.inner.journal_len().try_into().unwrap_or(u32::MAX)
    }

    /// How many objects of each kind it holds: `[["users", 3], …]`.
    pub fn counts(&self) -> String {
        serde_json::to_string(&self.inner.counts()).unwrap_or_default()
    }

    /// Everything it holds, as JSON.
    pub fn listing(&self) -> String {
        serde_json::to_string(&self.inner.tenant().snapshot()).unwrap_or_default()
    }

    /// What it has answered so far, as JSON.
    pub fn stats(&self) -> String {
        serde_json::to_string(&self.inner.stats()).unwrap_or_default()
    }

    pub fn default_domain(&self) -> String {
        self.inner.tenant().default_domain().to_string()
    }
}
