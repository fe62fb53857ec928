//! The sandbox tenant running in this page, behind the `Transport` seam, kept across reloads.
//!
//! The tenant lives in a WebAssembly module of its own (`crates/page-sandbox`), which the page loads after
//! its first paint: a visitor sees the tutorial without waiting for it. A request sent before it has loaded
//! waits for it. With the `linked-sandbox` feature (the default outside the built site, and what the browser
//! tests use) the same tenant type is linked into the app and is there at once.
//!
//! The tenant is saved as a journal (see `sandbox::journal`) and rebuilt after a reload by replaying it. The
//! journal never holds a token: the tenant adds its own administrator token to each request it handles.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use sandbox::journal::{Answer, Exchange};
use sandbox::{Faults, Stats};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::clock::now_ms;
use super::params::FaultParams;
use super::storage;
use super::transport::{Outgoing, SendFailure, SendFuture, Transport};

const JOURNAL_KEY: &str = "graphwalk.sandbox";
/// How long the in-page tenant takes to deliver an assignment unless `?delivery=` says otherwise.
pub const DEFAULT_DELIVERY_MS: u64 = 2_500;
/// The page names the tenant's module (content-hashed by the build) in this `<meta>`.
const MODULE_META: &str = "meta[name=\"graphwalk-sandbox\"]";

#[wasm_bindgen(module = "/js/sandbox.js")]
extern "C" {
    /// The tenant, as the module's `SandboxTenant` class.
    type ModuleTenant;

    #[wasm_bindgen(js_name = openSandbox)]
    fn open_sandbox(
        url: &str,
        saved: Option<String>,
        seed: u64,
        delivery_ms: u64,
    ) -> js_sys::Promise;

    #[wasm_bindgen(method)]
    fn handle(this: &ModuleTenant, request: &str, at_ms: u64) -> String;
    #[wasm_bindgen(method)]
    fn faults(this: &ModuleTenant) -> String;
    #[wasm_bindgen(method)]
    fn set_faults(this: &ModuleTenant, faults: &str) -> bool;
    #[wasm_bindgen(method)]
    fn account(this: &ModuleTenant) -> String;
    #[wasm_bindgen(method)]
    fn sign_in(this: &ModuleTenant, account: &str) -> bool;
    #[wasm_bindgen(method)]
    fn governance_licence(this: &ModuleTenant) -> bool;
    #[wasm_bindgen(method)]
    fn set_governance_licence(this: &ModuleTenant, licensed: bool);
    #[wasm_bindgen(method)]
    fn delivery_ms(this: &ModuleTenant) -> u32;
    #[wasm_bindgen(method)]
    fn set_delivery_ms(this: &ModuleTenant, ms: u32);
    #[wasm_bindgen(method)]
    fn reset(this: &ModuleTenant);
    #[wasm_bindgen(method)]
    fn journal(this: &ModuleTenant) -> Option<String>;
    #[wasm_bindgen(method)]
    fn journal_len(this: &ModuleTenant) -> u32;
    #[wasm_bindgen(method)]
    fn counts(this: &ModuleTenant) -> String;
    #[wasm_bindgen(method)]
    fn listing(this: &ModuleTenant) -> String;
    #[wasm_bindgen(method)]
    fn stats(this: &ModuleTenant) -> String;
    #[wasm_bindgen(method)]
    fn default_domain(this: &ModuleTenant) -> String;
}

/// The tenant, wherever it runs. Both speak the same text API (`page_sandbox::SandboxTenant`).
enum Tenant {
    Module(ModuleTenant),
    #[cfg(feature = "linked-sandbox")]
    Linked(Box<page_sandbox::SandboxTenant>),
}

macro_rules! each {
    ($tenant:expr, $t:ident => $call:expr) => {
        match $tenant {
            Tenant::Module($t) => $call,
            #[cfg(feature = "linked-sandbox")]
            Tenant::Linked($t) => $call,
        }
    };
}

/// Where the tenant is: not asked for yet, on its way, here, or failed to load (and why).
enum Start {
    NotYet,
    Loading(js_sys::Promise),
    Ready(Tenant),
    Failed(String),
}

struct Inner {
    start: RefCell<Start>,
    /// What a new tenant is made from, until it is made.
    saved: RefCell<Option<String>>,
    seed: u64,
    delivery_ms: u64,
    /// Faults the page's URL asks for, applied once the tenant is here.
    wanted_faults: RefCell<FaultParams>,
    /// Told once the tenant is ready (or has failed to load), so the page can show it.
    on_ready: RefCell<Option<Rc<dyn Fn()>>>,
    /// Bumped whenever what the tenant holds, its faults or its counts may have changed.
    changes: Cell<u64>,
}

#[derive(Clone)]
pub struct InPageSandbox {
    inner: Rc<Inner>,
    pub latency_ms: Rc<Cell<u32>>,
}

impl InPageSandbox {
    /// The tenant saved before the last reload when `persist` is set, or a new one. `seed` only seeds a
    /// new tenant: a saved one keeps its own, or replaying it would give other ids.
    pub fn load_or_new(
        persist: bool,
        latency_ms: u32,
        delivery_ms: Option<u64>,
        seed: Option<u64>,
    ) -> Self {
        let saved = persist.then(|| storage::get(JOURNAL_KEY)).flatten();
        let sandbox = InPageSandbox {
            inner: Rc::new(Inner {
                start: RefCell::new(Start::NotYet),
                saved: RefCell::new(saved),
                seed: seed.unwrap_or_else(super::random::seed),
                delivery_ms: delivery_ms.unwrap_or(DEFAULT_DELIVERY_MS),
                wanted_faults: RefCell::new(FaultParams::default()),
                on_ready: RefCell::new(None),
                changes: Cell::new(0),
            }),
            latency_ms: Rc::new(Cell::new(latency_ms)),
        };
        #[cfg(feature = "linked-sandbox")]
        {
            let inner = &sandbox.inner;
            let tenant = page_sandbox::SandboxTenant::new(
                inner.saved.borrow_mut().take(),
                inner.seed,
                inner.delivery_ms,
            );
            *inner.start.borrow_mut() = Start::Ready(Tenant::Linked(Box::new(tenant)));
        }
        sandbox
    }

    /// Whether both handles are the same tenant.
    pub fn same(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.inner, &other.inner)
    }

    /// A number that changes whenever the tenant may have: what it holds, its faults, its counts, or whether
    /// it is here. The page reads the tenant again only when it has moved.
    pub fn changes(&self) -> u64 {
        self.inner.changes.get()
    }

    fn changed(&self) {
        self.inner.changes.set(self.inner.changes.get() + 1);
    }

    /// Whether the tenant is here to answer at once.
    pub fn is_ready(&self) -> bool {
        matches!(*self.inner.start.borrow(), Start::Ready(_))
    }

    /// Why the tenant could not be loaded, if it could not.
    pub fn failure(&self) -> Option<String> {
        match &*self.inner.start.borrow() {
            Start::Failed(why) => Some(why.clone()),
            _ => None,
        }
    }

    /// Calls `f` once the tenant is ready, or has failed to load.
    pub fn on_ready(&self, f: impl Fn() + 'static) {
        *self.inner.on_ready.borrow_mut() = Some(Rc::new(f));
    }

    /// Starts loading the tenant's module unless that has begun; resolves when it is ready.
    pub async fn ready(&self) -> Result<(), String> {
        let promise = {
            let mut start = self.inner.start.borrow_mut();
            match &*start {
                Start::Ready(_) => return Ok(()),
                Start::Failed(why) => return Err(why.clone()),
                Start::Loading(promise) => promise.clone(),
                Start::NotYet => {
                    let promise = self.open();
                    *start = Start::Loading(promise.clone());
                    promise
                }
            }
        };
        let loaded = wasm_bindgen_futures::JsFuture::from(promise).await;
        // Every waiter resumes here; the first one settles the tenant, the others find it settled.
        if matches!(*self.inner.start.borrow(), Start::Loading(_)) {
            let settled = match loaded {
                Ok(tenant) => Start::Ready(Tenant::Module(tenant.unchecked_into())),
                Err(e) => Start::Failed(format!(
                    "the sandbox tenant could not be loaded ({})",
                    js_message(&e)
                )),
            };
            *self.inner.start.borrow_mut() = settled;
            self.changed();
            self.apply_wanted_faults();
            let notify = self.inner.on_ready.borrow().clone();
            if let Some(notify) = notify {
                notify();
            }
        }
        match &*self.inner.start.borrow() {
            Start::Ready(_) => Ok(()),
            Start::Failed(why) => Err(why.clone()),
            _ => Err("the sandbox tenant is still loading".into()),
        }
    }

    fn open(&self) -> js_sys::Promise {
        let url = gloo_utils::document()
            .query_selector(MODULE_META)
            .ok()
            .flatten()
            .and_then(|meta| meta.get_attribute("content"))
            .filter(|url| !url.is_empty());
        match url {
            Some(url) => open_sandbox(
                &url,
                self.inner.saved.borrow_mut().take(),
                self.inner.seed,
                self.inner.delivery_ms,
            ),
            None => js_sys::Promise::reject(&JsValue::from_str(
                "this page does not name the sandbox module; build the site with `make build`",
            )),
        }
    }

    fn with<R>(&self, f: impl FnOnce(&mut Tenant) -> R) -> Option<R> {
        match &mut *self.inner.start.try_borrow_mut().ok()? {
            Start::Ready(tenant) => Some(f(tenant)),
            _ => None,
        }
    }

    /// The fault settings now (the defaults until the tenant is here).
    pub fn faults(&self) -> Faults {
        self.with(|t| each!(t, t => t.faults()))
            .and_then(|text| serde_json::from_str(&text).ok())
            .unwrap_or_default()
    }

    /// The seeded account the page's requests are signed as (the Global Administrator until one is chosen).
    pub fn account(&self) -> sandbox::Account {
        self.with(|t| each!(t, t => t.account()))
            .and_then(|name| sandbox::Account::parse(&name))
            .unwrap_or(sandbox::Account::GlobalAdmin)
    }

    /// Signs the page's next requests as `account`; the tenant keeps the choice across reloads.
    pub fn sign_in(&self, account: sandbox::Account) {
        self.with(|t| each!(t, t => t.sign_in(account.as_str())));
        self.changed();
    }

    pub fn set_faults(&self, faults: Faults) {
        if let Ok(text) = serde_json::to_string(&faults) {
            self.with(|t| each!(t, t => t.set_faults(&text)));
            self.changed();
        }
    }

    /// Applies the faults the page's URL asks for, unless the tenant already has them (a reload with the
    /// same URL then adds nothing to the journal). Waits for the tenant if it is not here yet.
    pub fn apply_fault_params(&self, wanted: &FaultParams) {
        *self.inner.wanted_faults.borrow_mut() = wanted.clone();
        self.apply_wanted_faults();
    }

    fn apply_wanted_faults(&self) {
        let wanted = self.inner.wanted_faults.borrow().clone();
        if wanted.is_empty() || !self.is_ready() {
            return;
        }
        let current = self.faults();
        let faults = wanted.apply(current.clone());
        if faults != current {
            self.set_faults(faults);
        }
    }

    /// Whether the tenant has an Entra ID P2 / Governance licence (true until the tenant is here).
    pub fn governance_licence(&self) -> bool {
        self.with(|t| each!(t, t => t.governance_licence()))
            .unwrap_or(true)
    }

    /// Gives the tenant its governance licence or takes it away; kept across reloads.
    pub fn set_governance_licence(&self, licensed: bool) {
        self.with(|t| each!(t, t => t.set_governance_licence(licensed)));
        self.changed();
    }

    /// How fast the tenant moves: its delivery time and replication lag, as a preset.
    pub fn timing(&self) -> sandbox::Timing {
        let delivery = self
            .with(|t| each!(t, t => t.delivery_ms()))
            .map_or(self.inner.delivery_ms, u64::from);
        if delivery >= sandbox::Timing::Realistic.delivery_delay_ms() {
            sandbox::Timing::Realistic
        } else {
            sandbox::Timing::Quick
        }
    }

    /// Delivery and replication lag as `timing` has them (quick delivery is this page's default); the other
    /// faults stay. Kept across reloads.
    pub fn set_timing(&self, timing: sandbox::Timing) {
        let delivery = match timing {
            sandbox::Timing::Quick => DEFAULT_DELIVERY_MS,
            sandbox::Timing::Realistic => timing.delivery_delay_ms(),
        };
        let ms = u32::try_from(delivery).unwrap_or(u32::MAX);
        self.with(|t| each!(t, t => t.set_delivery_ms(ms)));
        let mut faults = self.faults();
        faults.replication_lag_ms = timing.replication_lag_ms();
        self.set_faults(faults);
    }

    /// Back to the freshly seeded tenant.
    pub fn reset(&self) {
        self.with(|t| each!(t, t => t.reset()));
        self.changed();
    }

    /// Saves the journal, once the tenant is here (until then the saved one still describes it).
    pub fn save(&self) {
        if let Some(Some(text)) = self.with(|t| each!(t, t => t.journal())) {
            storage::set(JOURNAL_KEY, &text);
        }
    }

    /// Requests recorded since the tenant was seeded (what a reload would replay).
    pub fn journal_len(&self) -> usize {
        self.with(|t| each!(t, t => t.journal_len())).unwrap_or(0) as usize
    }

    /// How many objects of each kind the tenant holds; `None` until it is here.
    pub fn counts(&self) -> Option<Vec<(String, usize)>> {
        self.with(|t| each!(t, t => t.counts()))
            .and_then(|text| serde_json::from_str(&text).ok())
    }

    /// Everything the tenant holds, as JSON; `None` until it is here.
    pub fn listing(&self) -> Option<String> {
        self.with(|t| each!(t, t => t.listing()))
    }

    pub fn stats(&self) -> Option<Stats> {
        self.with(|t| each!(t, t => t.stats()))
            .and_then(|text| serde_json::from_str(&text).ok())
    }

    /// The tenant's verified domain; `None` until it is here.
    pub fn default_domain(&self) -> Option<String> {
        self.with(|t| each!(t, t => t.default_domain()))
    }

    fn handle(
        &self,
        request: &http::Request<String>,
        as_upn: Option<String>,
    ) -> Result<http::Response<String>, String> {
        let exchange = Exchange {
            as_upn,
            ..Exchange::of(request)
        };
        let text = serde_json::to_string(&exchange).map_err(|e| e.to_string())?;
        let at_ms = now_ms();
        let answer = self
            .with(|t| each!(t, t => t.handle(&text, at_ms)))
            .ok_or("the sandbox tenant is not ready")?;
        self.changed();
        serde_json::from_str::<Answer>(&answer)
            .ok()
            .and_then(Answer::into_response)
            .ok_or_else(|| "the sandbox tenant gave an answer that is not HTTP".to_string())
    }
}

fn js_message(error: &JsValue) -> String {
    error
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| error.as_string())
        .unwrap_or_else(|| "no reason given".into())
}

/// The tenant emulates Microsoft Graph only. A request addressed to any other host (an edited address, or a
/// loaded tutorial's `base:`) is refused rather than answered as if Graph had, which would hide the mistake.
pub fn refuse_foreign_host(uri: &http::Uri) -> Result<(), SendFailure> {
    match uri.host() {
        None => Ok(()),
        Some(host) if host.eq_ignore_ascii_case(GRAPH_HOST) => Ok(()),
        Some(_) => Err(SendFailure::HostNotAllowed {
            url: uri.to_string(),
            allowed: format!("https://{GRAPH_HOST}"),
        }),
    }
}

const GRAPH_HOST: &str = "graph.microsoft.com";

/// A request the sandbox tenant does not emulate is refused before it is sent: its 404 would look like
/// Graph's own answer, and it is not.
fn unanswered(request: &http::Request<String>) -> Result<(), SendFailure> {
    let method = request.method().as_str();
    let path = request.uri().path();
    if sandbox::answers(method, path) {
        Ok(())
    } else {
        Err(SendFailure::NotInSandbox {
            method: method.to_string(),
            path: path.to_string(),
        })
    }
}

impl Transport for InPageSandbox {
    fn send(&self, outgoing: Outgoing) -> SendFuture {
        // The in-page tenant signs each request as the account the panel chose, or, for a step that runs as
        // another user of the tenant (a requestor the tutorial created), as that user.
        let request = outgoing.request;
        let as_upn = outgoing.identity.map(|(_, upn)| upn);
        let sandbox = self.clone();
        let latency = self.latency_ms.get();
        let refused = refuse_foreign_host(request.uri()).and_then(|()| unanswered(&request));
        // The latency runs from the moment of sending, whenever this future is first polled.
        let latency = (latency > 0).then(|| gloo_timers::future::TimeoutFuture::new(latency));
        Box::pin(async move {
            refused?;
            let unavailable = |message| SendFailure::SandboxUnavailable { message };
            sandbox.ready().await.map_err(unavailable)?;
            if let Some(latency) = latency {
                latency.await;
            }
            sandbox.handle(&request, as_upn).map_err(unavailable)
        })
    }
}
