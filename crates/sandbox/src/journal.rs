//! A tenant kept as its journal, so that a page can save it and rebuild it after a reload.
//!
//! The tenant is deterministic from its seed, so the journal is the seed, then every request with its time,
//! every fault change and every reset; replaying it gives the same tenant with the same ids. The journal
//! never holds a token: the tenant's own administrator token is added to each request as it is handled.
//!
//! Requests and responses cross into and out of a [`JournaledTenant`] as [`Exchange`] and [`Answer`]: plain
//! data that also travels as JSON, which is how the app talks to the tenant when it runs in its own module.

use http::header::{HeaderValue, AUTHORIZATION};
use serde::{Deserialize, Serialize};

use crate::{Account, Config, Faults, Sandbox, Stats};

/// Past this many entries the journal is no longer offered for saving (a reload then starts fresh).
pub const MAX_JOURNAL: usize = 20_000;

/// A request as it travels to the tenant: method, address, headers and body.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Exchange {
    pub method: String,
    pub uri: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// The user principal name of the tenant user the request runs as (a step's `as:` identity, such as a
    /// requestor the tutorial created); `None`: the page's signed-in account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_upn: Option<String>,
}

/// A response as it travels back: status, headers and body.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Exchange {
    /// The request as plain data, without its `Authorization` header (the journal keeps no token).
    pub fn of(request: &http::Request<String>) -> Self {
        Exchange {
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
            as_upn: None,
        }
    }

    /// Back to an HTTP request; `None` if the method, address or a header is not valid HTTP.
    pub fn to_request(&self) -> Option<http::Request<String>> {
        http_request(&self.method, &self.uri, &self.headers, &self.body)
    }
}

fn http_request(
    method: &str,
    uri: &str,
    headers: &[(String, String)],
    body: &str,
) -> Option<http::Request<String>> {
    let mut builder = http::Request::builder().method(method).uri(uri);
    for (name, value) in headers {
        builder = builder.header(name.as_str(), value.as_str());
    }
    builder.body(body.to_string()).ok()
}

impl Answer {
    pub fn of(response: &http::Response<String>) -> Self {
        Answer {
            status: response.status().as_u16(),
            headers: response
                .headers()
                .iter()
                .filter_map(|(name, value)| {
                    Some((name.to_string(), value.to_str().ok()?.to_string()))
                })
                .collect(),
            body: response.body().clone(),
        }
    }

    /// Back to an HTTP response; `None` if the status or a header is not valid HTTP.
    pub fn into_response(self) -> Option<http::Response<String>> {
        let mut builder = http::Response::builder().status(self.status);
        for (name, value) in &self.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        builder.body(self.body).ok()
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
enum Entry {
    Request {
        method: String,
        uri: String,
        headers: Vec<(String, String)>,
        body: String,
        at_ms: u64,
        /// Who sent it (a seeded account); the administrator when absent, as journals before accounts.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        account: Option<Account>,
        /// A tenant user it ran as instead (see `Exchange::as_upn`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        upn: Option<String>,
    },
    Faults(Faults),
    Reset,
    /// The page signs in as another seeded account from here on.
    SignIn(Account),
    /// The tenant gains or loses its Microsoft Entra ID P2 / Governance licence.
    Licence(bool),
    /// Assignment requests made from here on take this long to be delivered.
    Delivery(u64),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Journal {
    seed: u64,
    delivery_delay_ms: u64,
    entries: Vec<Entry>,
}

/// The tenant a page runs: signed in as one of its seeded accounts (the Global Administrator unless the
/// page chose another) with every scope the tutorials ask for, and kept as a journal.
pub struct JournaledTenant {
    tenant: Sandbox,
    journal: Journal,
    account: Account,
}

impl JournaledTenant {
    /// The tenant a saved journal describes, or a new one from `seed` when nothing usable was saved.
    /// `seed` and `delivery_delay_ms` only shape a new tenant: a saved one keeps its own, or replaying it
    /// would give other ids.
    pub fn open(saved: Option<&str>, seed: u64, delivery_delay_ms: u64) -> Self {
        let journal = saved
            .and_then(|text| serde_json::from_str::<Journal>(text).ok())
            .unwrap_or(Journal {
                seed,
                delivery_delay_ms,
                entries: Vec::new(),
            });
        let (tenant, account) = replay(&journal);
        JournaledTenant {
            tenant,
            journal,
            account,
        }
    }

    /// The seeded account the page's requests are signed as.
    pub fn account(&self) -> Account {
        self.account
    }

    /// Signs the page's next requests as `account` (its roles decide what they may do).
    pub fn sign_in(&mut self, account: Account) {
        if account != self.account {
            self.account = account;
            self.journal.entries.push(Entry::SignIn(account));
        }
    }

    /// Answers a request made at `at_ms` on the page's clock, and records it.
    pub fn handle(&mut self, exchange: Exchange, at_ms: u64) -> Answer {
        let response = match exchange.to_request() {
            Some(mut request) => {
                authorize(
                    &mut request,
                    &self.tenant,
                    self.account,
                    exchange.as_upn.as_deref(),
                    at_ms,
                );
                let response = self.tenant.handle(&request, at_ms);
                self.journal.entries.push(Entry::Request {
                    method: exchange.method,
                    uri: exchange.uri,
                    headers: exchange.headers,
                    body: exchange.body,
                    at_ms,
                    account: (self.account != Account::GlobalAdmin).then_some(self.account),
                    upn: exchange.as_upn,
                });
                self.compact_after(&request, response.status().as_u16());
                response
            }
            None => return not_http(&exchange),
        };
        Answer::of(&response)
    }

    pub fn set_faults(&mut self, faults: Faults) {
        self.tenant.set_faults(faults.clone());
        self.journal.entries.push(Entry::Faults(faults));
    }

    /// Gives the tenant a Microsoft Entra ID P2 / Governance licence or takes it away: without one,
    /// entitlement management refuses every request.
    pub fn set_governance_licence(&mut self, licensed: bool) {
        if licensed != self.governance_licence() {
            self.tenant.set_governance_licence(licensed);
            self.journal.entries.push(Entry::Licence(licensed));
        }
    }

    pub fn governance_licence(&self) -> bool {
        self.tenant.config().governance_licence
    }

    /// How long assignment requests made from now on take to be delivered.
    pub fn set_delivery_delay_ms(&mut self, ms: u64) {
        if ms != self.delivery_delay_ms() {
            self.tenant.set_delivery_delay_ms(ms);
            self.journal.entries.push(Entry::Delivery(ms));
        }
    }

    pub fn delivery_delay_ms(&self) -> u64 {
        self.tenant.config().delivery_delay_ms
    }

    pub fn faults(&self) -> &Faults {
        self.tenant.faults()
    }

    /// Back to the freshly seeded tenant.
    pub fn reset(&mut self) {
        self.tenant.reset();
        self.journal.entries.push(Entry::Reset);
    }

    /// The journal to save, unless it has grown past [`MAX_JOURNAL`] entries.
    pub fn journal(&self) -> Option<String> {
        if self.journal.entries.len() > MAX_JOURNAL {
            return None;
        }
        serde_json::to_string(&self.journal).ok()
    }

    /// Entries recorded since the tenant was seeded (what a reload would replay).
    pub fn journal_len(&self) -> usize {
        self.journal.entries.len()
    }

    pub fn tenant(&self) -> &Sandbox {
        &self.tenant
    }

    pub fn stats(&self) -> Stats {
        self.tenant.stats()
    }

    /// How many objects of each kind the tenant holds now, in the order a person would read them.
    pub fn counts(&self) -> Vec<(String, usize)> {
        let s = self.tenant.snapshot();
        [
            ("users", s.users.len()),
            ("groups", s.groups.len()),
            ("role assignments", s.role_assignments.len()),
            ("catalogs", s.catalogs.len()),
            ("access packages", s.access_packages.len()),
            ("policies", s.policies.len()),
            ("assignment requests", s.assignment_requests.len()),
            ("assignments", s.assignments.len()),
        ]
        .into_iter()
        .map(|(name, n)| (name.to_string(), n))
        .collect()
    }

    /// Once a removal leaves nothing beyond the seed, the history so far no longer matters: the tenant
    /// restarts from its seed (so its next ids are the ones a replay from the seed gives) and the journal
    /// starts again (keeping only the fault settings), so it does not grow run after run. Checked after each
    /// successful DELETE, so it holds however quickly runs follow.
    fn compact_after(&mut self, request: &http::Request<String>, status: u16) {
        let removed = request.method() == http::Method::DELETE && (200..300).contains(&status);
        if !removed || !self.tenant.snapshot().beyond_seed().is_empty() {
            return;
        }
        self.tenant.restart();
        self.journal.entries.clear();
        if *self.tenant.faults() != Faults::default() {
            let faults = self.tenant.faults().clone();
            self.journal.entries.push(Entry::Faults(faults));
        }
        if self.account != Account::GlobalAdmin {
            self.journal.entries.push(Entry::SignIn(self.account));
        }
        if !self.governance_licence() {
            self.journal.entries.push(Entry::Licence(false));
        }
        if self.delivery_delay_ms() != self.journal.delivery_delay_ms {
            let ms = self.delivery_delay_ms();
            self.journal.entries.push(Entry::Delivery(ms));
        }
    }
}

/// The page is signed in as `account`, with every scope the tutorials need; a request that runs as another
/// user of the tenant (`as_upn`) carries that user's token instead, and only that user's rights. A name the
/// tenant does not know gets a token the tenant will refuse, never the administrator's.
fn authorize(
    request: &mut http::Request<String>,
    tenant: &Sandbox,
    account: Account,
    as_upn: Option<&str>,
    at_ms: u64,
) {
    let token = match as_upn {
        Some(upn) => tenant.token_for(upn, at_ms).unwrap_or_else(|| {
            crate::mint_token(
                crate::TUTORIAL_SCOPES,
                upn,
                tenant.tenant_id(),
                at_ms / 1000 + 3600,
            )
        }),
        None => tenant
            .token_for(&tenant.account_upn(account), at_ms)
            .unwrap_or_else(|| tenant.admin_token(at_ms)),
    };
    if let Ok(bearer) = HeaderValue::from_str(&format!("Bearer {token}")) {
        request.headers_mut().insert(AUTHORIZATION, bearer);
    }
}

/// What Graph answers a request it cannot read at all.
fn not_http(exchange: &Exchange) -> Answer {
    let body = serde_json::json!({
        "error": {
            "code": "BadRequest",
            "message": format!("{} {} is not a valid HTTP request.", exchange.method, exchange.uri),
        }
    });
    Answer {
        status: 400,
        headers: vec![("content-type".into(), "application/json".into())],
        body: body.to_string(),
    }
}

fn replay(journal: &Journal) -> (Sandbox, Account) {
    let mut tenant = Sandbox::new(Config {
        seed: journal.seed,
        delivery_delay_ms: journal.delivery_delay_ms,
        ..Config::default()
    });
    let mut signed_in = Account::GlobalAdmin;
    for entry in &journal.entries {
        match entry {
            Entry::Request {
                method,
                uri,
                headers,
                body,
                at_ms,
                account,
                upn,
            } => {
                if let Some(mut request) = http_request(method, uri, headers, body) {
                    let account = account.unwrap_or(Account::GlobalAdmin);
                    authorize(&mut request, &tenant, account, upn.as_deref(), *at_ms);
                    tenant.handle(&request, *at_ms);
                }
            }
            Entry::Faults(faults) => tenant.set_faults(faults.clone()),
            Entry::Reset => tenant.reset(),
            Entry::SignIn(account) => signed_in = *account,
            Entry::Licence(licensed) => tenant.set_governance_licence(*licensed),
            Entry::Delivery(ms) => tenant.set_delivery_delay_ms(*ms),
        }
    }
    (tenant, signed_in)
}
