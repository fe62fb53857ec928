//! The sandbox tenant running in this page, behind the `Transport` seam, kept across reloads.
//!
//! The tenant is deterministic from its seed, so it is saved as a journal (the seed, then every request
//! with its time, every fault change and reset) and rebuilt after a reload by replaying it. The journal
//! never holds a token: the page adds its own sandbox token to each request as it is handled.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use http::header::{HeaderValue, AUTHORIZATION};
use sandbox::{Config, Faults, Sandbox};
use serde::{Deserialize, Serialize};

use super::clock::now_ms;
use super::params::FaultParams;
use super::storage;
use super::transport::{SendFuture, Transport, TransportError};

const JOURNAL_KEY: &str = "graphwalk.sandbox";
/// How long the in-page tenant takes to deliver an assignment unless `?delivery=` says otherwise.
pub const DEFAULT_DELIVERY_MS: u64 = 2_500;
/// Past this many entries the journal is no longer saved (the tenant then starts fresh on reload).
const MAX_JOURNAL: usize = 20_000;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
enum Entry {
    Request {
        method: String,
        uri: String,
        headers: Vec<(String, String)>,
        body: String,
        at_ms: u64,
    },
    Faults(Faults),
    Reset,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Journal {
    seed: u64,
    delivery_delay_ms: u64,
    entries: Vec<Entry>,
}

#[derive(Clone)]
pub struct InPageSandbox {
    pub tenant: Rc<RefCell<Sandbox>>,
    pub latency_ms: Rc<Cell<u32>>,
    journal: Rc<RefCell<Journal>>,
}

impl InPageSandbox {
    /// A new tenant, or the one saved before the last reload when `persist` is set.
    /// `seed` only seeds a new tenant: a saved one keeps its own, or replaying it would give other ids.
    pub fn load_or_new(
        persist: bool,
        latency_ms: u32,
        delivery_ms: Option<u64>,
        seed: Option<u64>,
    ) -> Self {
        let saved = persist
            .then(|| storage::get(JOURNAL_KEY))
            .flatten()
            .and_then(|text| serde_json::from_str::<Journal>(&text).ok());
        let journal = saved.unwrap_or_else(|| Journal {
            seed: seed.unwrap_or_else(super::random::seed),
            delivery_delay_ms: delivery_ms.unwrap_or(DEFAULT_DELIVERY_MS),
            entries: Vec::new(),
        });
        let tenant = replay(&journal);
        InPageSandbox {
            tenant: Rc::new(RefCell::new(tenant)),
            latency_ms: Rc::new(Cell::new(latency_ms)),
            journal: Rc::new(RefCell::new(journal)),
        }
    }

    pub fn set_faults(&self, faults: Faults) {
        self.tenant.borrow_mut().set_faults(faults.clone());
        self.journal
            .borrow_mut()
            .entries
            .push(Entry::Faults(faults));
    }

    /// Applies the faults the page's URL asks for, unless the tenant already has them (a reload with the
    /// same URL then adds nothing to the journal).
    pub fn apply_fault_params(&self, wanted: &FaultParams) {
        if wanted.is_empty() {
            return;
        }
        let Ok(current) = self.tenant.try_borrow().map(|t| t.faults().clone()) else {
            return;
        };
        let faults = wanted.apply(current.clone());
        if faults != current {
            self.set_faults(faults);
        }
    }

    /// Back to the freshly seeded tenant.
    pub fn reset(&self) {
        self.tenant.borrow_mut().reset();
        self.journal.borrow_mut().entries.push(Entry::Reset);
    }

    pub fn save(&self) {
        let journal = self.journal.borrow();
        if journal.entries.len() > MAX_JOURNAL {
            return;
        }
        if let Ok(text) = serde_json::to_string(&*journal) {
            storage::set(JOURNAL_KEY, &text);
        }
    }

    /// Requests recorded since the tenant was seeded (what a reload would replay).
    pub fn journal_len(&self) -> usize {
        self.journal.borrow().entries.len()
    }

    /// Once a removal leaves nothing beyond the seed, the history so far no longer matters: the tenant
    /// restarts from its seed (so its next ids are the ones a replay from the seed gives) and the journal
    /// starts again (keeping only the fault settings), so it does not grow run after run. Checked after each
    /// successful DELETE, so it holds however quickly runs follow.
    fn compact_after(&self, tenant: &mut Sandbox, request: &http::Request<String>, status: u16) {
        let removed = request.method() == http::Method::DELETE && (200..300).contains(&status);
        if !removed || !tenant.snapshot().beyond_seed().is_empty() {
            return;
        }
        tenant.restart();
        let mut journal = self.journal.borrow_mut();
        journal.entries.clear();
        if *tenant.faults() != Faults::default() {
            journal.entries.push(Entry::Faults(tenant.faults().clone()));
        }
    }

    fn handle(&self, mut request: http::Request<String>) -> http::Response<String> {
        let at_ms = now_ms();
        self.journal.borrow_mut().entries.push(Entry::Request {
            method: request.method().to_string(),
            uri: request.uri().to_string(),
            headers: request
                .headers()
                .iter()
                .filter(|(name, _)| *name != AUTHORIZATION)
                .filter_map(|(name, value)| {
                    Some((name.to_string(), value.to_str().ok()?.to_string()))
                })
                .collect(),
            body: request.body().clone(),
            at_ms,
        });
        let mut tenant = self.tenant.borrow_mut();
        authorize(&mut request, &tenant, at_ms);
        let response = tenant.handle(&request, at_ms);
        self.compact_after(&mut tenant, &request, response.status().as_u16());
        response
    }
}

/// The page is the tenant's signed-in administrator, with every scope the tutorials need.
fn authorize(request: &mut http::Request<String>, tenant: &Sandbox, at_ms: u64) {
    if let Ok(bearer) = HeaderValue::from_str(&format!("Bearer {}", tenant.admin_token(at_ms))) {
        request.headers_mut().insert(AUTHORIZATION, bearer);
    }
}

fn replay(journal: &Journal) -> Sandbox {
    let mut tenant = Sandbox::new(Config {
        seed: journal.seed,
        delivery_delay_ms: journal.delivery_delay_ms,
        ..Config::default()
    });
    for entry in &journal.entries {
        match entry {
            Entry::Request {
                method,
                uri,
                headers,
                body,
                at_ms,
            } => {
                let mut builder = http::Request::builder()
                    .method(method.as_str())
                    .uri(uri.as_str());
                for (name, value) in headers {
                    builder = builder.header(name.as_str(), value.as_str());
                }
                if let Ok(mut request) = builder.body(body.clone()) {
                    authorize(&mut request, &tenant, *at_ms);
                    tenant.handle(&request, *at_ms);
                }
            }
            Entry::Faults(faults) => tenant.set_faults(faults.clone()),
            Entry::Reset => tenant.reset(),
        }
    }
    tenant
}

/// The tenant emulates Microsoft Graph only. A request addressed to any other host (an edited address, or a
/// loaded tutorial's `base:`) is refused rather than answered as if Graph had, which would hide the mistake.
pub fn refuse_foreign_host(uri: &http::Uri) -> Result<(), TransportError> {
    match uri.host() {
        None => Ok(()),
        Some(host) if host.eq_ignore_ascii_case(GRAPH_HOST) => Ok(()),
        Some(host) => Err(TransportError::Network {
            url: uri.to_string(),
            detail: format!(
                "the sandbox in this page only answers Microsoft Graph ({GRAPH_HOST}), not {host}; \
                 nothing was sent"
            ),
        }),
    }
}

const GRAPH_HOST: &str = "graph.microsoft.com";

impl Transport for InPageSandbox {
    fn send(&self, request: http::Request<String>) -> SendFuture {
        let sandbox = self.clone();
        let latency = self.latency_ms.get();
        let refused = refuse_foreign_host(request.uri());
        Box::pin(async move {
            refused?;
            if latency > 0 {
                gloo_timers::future::TimeoutFuture::new(latency).await;
            }
            Ok(sandbox.handle(request))
        })
    }
}
