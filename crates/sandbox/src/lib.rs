//! An in-memory Microsoft Graph tenant (directory and entitlement management, beta and v1.0)
//! that answers HTTP requests the way Graph does. Pure Rust: no clock, no I/O, no OS randomness.

mod auth;
mod clock;
mod coverage;
mod deleted;
mod directory;
mod entitlement;
mod ids;
pub mod journal;
mod odata;
mod render;
mod reply;
mod router;
mod schema;
mod snapshot;
mod store;
mod target;
mod tenant;
mod timing;
mod token;

pub use coverage::answers;
pub use snapshot::{
    ObjectRef, Snapshot, SnapshotAccessPackage, SnapshotAssignment, SnapshotCatalog, SnapshotGroup,
    SnapshotPolicy, SnapshotRequest, SnapshotResource, SnapshotRoleAssignment, SnapshotUser,
};
pub use store::PasswordProfile;
pub use timing::Timing;

/// What [`Sandbox::sign_in_profile`] tells the sign-in emulator about a user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignInProfile {
    /// `accountEnabled`: a disabled account cannot sign in.
    pub enabled: bool,
    pub password: Option<PasswordProfile>,
}
pub use token::{mint_token, mint_token_with_roles};

use ids::Prng;
use odata::{Family, Query};
use reply::{GraphError, Reply};
use serde::{Deserialize, Serialize};
use serde_json::json;
use target::Target;
use tenant::{Ctx, Tenant};

/// The delegated permissions the access-package tutorial needs, plus those `/me`,
/// `/organization` and `/domains` need to find the tenant's default domain.
pub const TUTORIAL_SCOPES: &[&str] = &[
    "User.ReadWrite.All",
    "Group.ReadWrite.All",
    "RoleManagement.ReadWrite.Directory",
    "EntitlementManagement.ReadWrite.All",
    "User.Read",
    "Directory.Read.All",
];

/// The default tenant id (a fixed GUID, so tokens minted elsewhere can name it).
pub const DEFAULT_TENANT_ID: &str = "5f3c8a1e-2b7d-4c9a-9e61-7d2f0b4a6c15";
/// The default verified domain.
pub const DEFAULT_DOMAIN: &str = "graphwalk-sandbox.onmicrosoft.com";

/// Injected faults, each off by default; decisions come from the seed, so runs repeat exactly.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Faults {
    /// Chance (0..1) that a request is answered 429 Too Many Requests.
    pub throttle_rate: f64,
    /// The `Retry-After` seconds sent with 429 and 503.
    pub retry_after_secs: u64,
    /// Chance (0..1) that a request is answered 503 Service Unavailable.
    pub unavailable_rate: f64,
    /// Objects younger than this many milliseconds answer 404, as if not yet replicated.
    pub replication_lag_ms: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Config {
    /// Seeds every id and every fault decision.
    pub seed: u64,
    /// How long an assignment request takes to be delivered, on the caller's clock.
    pub delivery_delay_ms: u64,
    pub faults: Faults,
    /// The tenant's verified (and default) domain; new users' UPNs must use it.
    pub default_domain: String,
    pub tenant_id: String,
    pub organization_name: String,
    /// Answer beta role definitions with their old names ("Company Administrator"),
    /// as Graph did when the original tutorial was written. Off: today's names.
    pub legacy_role_names: bool,
    /// Items per page when the request has no `$top`.
    pub page_size: usize,
    /// The tenant has a Microsoft Entra ID P2 or Microsoft Entra ID Governance licence. Off:
    /// entitlement management refuses every request, as Graph does for an unlicensed tenant.
    #[serde(default = "licensed")]
    pub governance_licence: bool,
}

fn licensed() -> bool {
    true
}

impl Default for Config {
    fn default() -> Self {
        Config {
            seed: 1,
            delivery_delay_ms: 2_000,
            faults: Faults::default(),
            default_domain: DEFAULT_DOMAIN.to_string(),
            tenant_id: DEFAULT_TENANT_ID.to_string(),
            organization_name: "Graphwalk Sandbox".to_string(),
            legacy_role_names: false,
            page_size: 100,
            governance_licence: true,
        }
    }
}

/// What the sandbox has answered so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    pub requests: u64,
    /// Answered 429 by fault injection.
    pub throttled: u64,
    /// Answered 503 by fault injection.
    pub unavailable: u64,
    /// Answered 404 because of replication lag.
    pub lagged: u64,
}

/// What the checks against Graph's type definitions (`@microsoft/microsoft-graph-types` and
/// `-beta`) have counted: request bodies read, objects rendered, and any rendered property the
/// definitions do not declare or whose value has the wrong JSON type (none, when all is well).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SchemaChecks {
    pub bodies: u64,
    pub answers: u64,
    pub answer_problems: Vec<String>,
}

/// The emulated tenant.
pub struct Sandbox {
    config: Config,
    tenant: Tenant,
    fault_rng: Prng,
    request_rng: Prng,
    stats: Stats,
    token_cache: auth::TokenCache,
}

impl Sandbox {
    pub fn new(config: Config) -> Self {
        let mut ids = Prng::new(config.seed);
        let mut accounts = Prng::new(config.seed ^ 0xACC0_0375_0000_0003);
        let store = store::seed(&mut ids, &mut accounts, &config.default_domain);
        let tenant = Tenant {
            store,
            ids,
            domain: config.default_domain.clone(),
            tenant_id: config.tenant_id.clone(),
            org_name: config.organization_name.clone(),
            legacy_role_names: config.legacy_role_names,
            page_size: config.page_size.clamp(1, odata_max_top()),
            delivery_delay_ms: config.delivery_delay_ms,
            lag_ms: config.faults.replication_lag_ms,
            now: 0,
            schema: tenant::SchemaTally::default(),
        };
        Sandbox {
            fault_rng: Prng::new(config.seed ^ 0xFA17_5EED_0000_0001),
            request_rng: Prng::new(config.seed ^ 0x0E0E_57ED_0000_0002),
            config,
            tenant,
            stats: Stats::default(),
            token_cache: None,
        }
    }

    /// The single entry point. `now_ms` = Unix epoch milliseconds from the caller's clock.
    /// Accepts absolute URLs (`https://graph.microsoft.com/beta/users`, `http://127.0.0.1:PORT/v1.0/...`)
    /// or path-only (`/beta/users`); ignores the host.
    pub fn handle(
        &mut self,
        request: &http::Request<String>,
        now_ms: u64,
    ) -> http::Response<String> {
        self.stats.requests += 1;
        self.tenant.now = self.tenant.now.max(now_ms);
        entitlement::delivery::advance(&mut self.tenant);
        deleted::purge(&mut self.tenant);
        let request_id = self.request_rng.guid();
        let client_request_id = request
            .headers()
            .get("client-request-id")
            .and_then(|h| h.to_str().ok())
            .map(str::to_string);
        // Two draws per request whatever the rates, so changing faults never shifts later decisions.
        let throttle_draw = self.fault_rng.next_f64();
        let unavailable_draw = self.fault_rng.next_f64();
        let outcome = self.answer(request, throttle_draw, unavailable_draw);
        if let Err(e) = &outcome {
            match e.status {
                429 => self.stats.throttled += 1,
                503 => self.stats.unavailable += 1,
                404 if e.lagged => self.stats.lagged += 1,
                _ => {}
            }
        }
        let client_id = client_request_id
            .clone()
            .unwrap_or_else(|| request_id.clone());
        respond(outcome, &request_id, &client_id, self.tenant.now)
    }

    /// A Graph-shaped error for a request the caller could not hand over (too large, unreadable),
    /// with a request id and date like every other answer.
    pub fn refuse(
        &mut self,
        status: u16,
        code: &str,
        message: &str,
        headers: &http::HeaderMap,
        now_ms: u64,
    ) -> http::Response<String> {
        self.stats.requests += 1;
        self.tenant.now = self.tenant.now.max(now_ms);
        let request_id = self.request_rng.guid();
        let client_id = headers
            .get("client-request-id")
            .and_then(|h| h.to_str().ok())
            .map_or_else(|| request_id.clone(), str::to_string);
        let e = GraphError::new(status, code, message);
        respond(Err(e), &request_id, &client_id, self.tenant.now)
    }

    fn answer(
        &mut self,
        request: &http::Request<String>,
        throttle_draw: f64,
        unavailable_draw: f64,
    ) -> reply::Outcome {
        let target = Target::parse(request.uri())?;
        let caller = auth::authenticate(&self.tenant, &mut self.token_cache, request.headers())?;
        let faults = &self.config.faults;
        if throttle_draw < faults.throttle_rate {
            let mut e = GraphError::new(429, "TooManyRequests", "Please retry again later.");
            e.retry_after = Some(faults.retry_after_secs);
            return Err(e);
        }
        if unavailable_draw < faults.unavailable_rate {
            let mut e = GraphError::new(
                503,
                "ServiceUnavailable",
                "The service is temporarily unavailable. Please retry later.",
            );
            e.retry_after = Some(faults.retry_after_secs);
            return Err(e);
        }
        let family = match target.segments.first() {
            Some(s) if s.eq_ignore_ascii_case("identityGovernance") => Family::Entitlement,
            _ => Family::Directory,
        };
        let eventual = request
            .headers()
            .get("consistencylevel")
            .and_then(|h| h.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("eventual"));
        if family == Family::Entitlement && !self.config.governance_licence {
            return Err(GraphError::no_governance_licence());
        }
        let query = Query::parse(&target, family, eventual)?;
        // Beta serves the v1.0-named entitlement-management sets too, with the v1.0 types.
        let v1_on_beta = family == Family::Entitlement
            && target.version == target::Version::Beta
            && target
                .segments
                .get(2)
                .is_some_and(|s| entitlement::v1_only_set(s));
        let cx = Ctx {
            v: if v1_on_beta {
                target::Version::V1
            } else {
                target.version
            },
            target: &target,
            query,
            body: request.body(),
            content_type: request
                .headers()
                .get(http::header::CONTENT_TYPE)
                .and_then(|h| h.to_str().ok()),
            caller,
        };
        let mut reply = router::route(&mut self.tenant, &cx, request.method())?;
        if let Reply::Json(status, body) = &mut reply {
            if v1_on_beta {
                reply::beta_context(body);
            }
            if *status == 201 {
                let location = reply::location(body, &target.origin, &self.tenant.tenant_id);
                if let Some(location) = location {
                    let body = std::mem::take(body);
                    return Ok(Reply::Created(body, location));
                }
            }
        }
        Ok(reply)
    }

    /// Give the tenant a Microsoft Entra ID P2 / Governance licence, or take it away (kept by `reset`).
    pub fn set_governance_licence(&mut self, licensed: bool) {
        self.config.governance_licence = licensed;
    }

    /// How long assignment requests made from now on take to be delivered (kept by `reset`).
    pub fn set_delivery_delay_ms(&mut self, ms: u64) {
        self.config.delivery_delay_ms = ms;
        self.tenant.delivery_delay_ms = ms;
    }

    pub fn set_faults(&mut self, faults: Faults) {
        self.tenant.lag_ms = faults.replication_lag_ms;
        self.config.faults = faults;
    }

    pub fn faults(&self) -> &Faults {
        &self.config.faults
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// What the tenant holds now (pending deliveries are applied at the next `handle`).
    pub fn snapshot(&self) -> Snapshot {
        Snapshot::of(
            &self.tenant.store,
            &self.tenant.tenant_id,
            &self.tenant.domain,
        )
    }

    /// Back to the seeded state: same ids as a fresh sandbox with this config, stats cleared,
    /// faults kept as they are now.
    pub fn reset(&mut self) {
        let faults = self.config.faults.clone();
        *self = Sandbox::new(Config {
            faults,
            ..self.config.clone()
        });
    }

    /// [`reset`](Self::reset), but the request counts carry on. For a tenant already back at its seed
    /// (everything created has been removed): it then generates the same ids as a fresh one would, so
    /// what it does next replays exactly from the seed.
    pub fn restart(&mut self) {
        let stats = self.stats;
        let schema = std::mem::take(&mut self.tenant.schema);
        self.reset();
        self.stats = stats;
        self.tenant.schema = schema;
    }

    /// How many request bodies and rendered objects were checked against Graph's type definitions
    /// since this tenant was created, and what the checks of rendered objects found.
    pub fn schema_checks(&self) -> SchemaChecks {
        let s = &self.tenant.schema;
        SchemaChecks {
            bodies: s.bodies.get(),
            answers: s.answers.get(),
            answer_problems: s.problems.borrow().clone(),
        }
    }

    pub fn default_domain(&self) -> &str {
        &self.tenant.domain
    }

    pub fn tenant_id(&self) -> &str {
        &self.tenant.tenant_id
    }

    /// The seeded signed-in administrator (a Global Administrator) that `/me` answers with.
    pub fn admin_upn(&self) -> &str {
        self.tenant
            .store
            .users
            .first()
            .map_or("", |u| u.upn.as_str())
    }

    /// The UPN of one of the seeded accounts.
    pub fn account_upn(&self, account: Account) -> String {
        format!("{}@{}", account.local_part(), self.tenant.domain)
    }

    /// A token for the seeded administrator with [`TUTORIAL_SCOPES`], valid for an hour after `now_ms`.
    pub fn admin_token(&self, now_ms: u64) -> String {
        self.token_for(self.admin_upn(), now_ms).unwrap_or_default()
    }

    /// A token for a user of this tenant with [`TUTORIAL_SCOPES`] and, in `wids`, the template ids of
    /// the directory roles the user holds now, valid for an hour after `now_ms`. `None` for a UPN the
    /// tenant does not have.
    pub fn token_for(&self, upn: &str, now_ms: u64) -> Option<String> {
        let user = self
            .tenant
            .store
            .users
            .iter()
            .find(|u| u.upn.eq_ignore_ascii_case(upn))?;
        let roles = self.roles_of(&user.upn);
        Some(mint_token_with_roles(
            TUTORIAL_SCOPES,
            &user.upn,
            self.tenant_id(),
            now_ms / 1000 + 3600,
            &roles,
        ))
    }

    /// How a user of this tenant signs in, for the sign-in emulator: whether the account is enabled,
    /// and the `passwordProfile` Graph created it with (`None` for the seeded accounts, which use the
    /// emulator's own password). `None` for a UPN the tenant does not have. Never part of a snapshot.
    pub fn sign_in_profile(&self, upn: &str) -> Option<SignInProfile> {
        let user = self
            .tenant
            .store
            .users
            .iter()
            .find(|u| u.upn.eq_ignore_ascii_case(upn))?;
        Some(SignInProfile {
            enabled: user.account_enabled,
            password: user.password.clone(),
        })
    }

    /// The template ids of the directory roles a user holds (none for an unknown UPN).
    pub fn roles_of(&self, upn: &str) -> Vec<&'static str> {
        let s = &self.tenant.store;
        let Some(user) = s.users.iter().find(|u| u.upn.eq_ignore_ascii_case(upn)) else {
            return Vec::new();
        };
        s.role_definitions
            .iter()
            .filter(|r| {
                s.role_assignments
                    .iter()
                    .any(|a| a.principal_id == user.meta.id && a.role_definition_id == r.id)
            })
            .map(|r| r.id)
            .collect()
    }
}

/// The accounts every sandbox tenant is seeded with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Account {
    /// `admin@…`: Global Administrator; `/me` for [`Sandbox::admin_token`].
    GlobalAdmin,
    /// `least-privilege-admin@…`: User Administrator, Privileged Role Administrator and Identity
    /// Governance Administrator, exactly the roles the tutorials need.
    LeastPrivilegeAdmin,
    /// `member@…`: a member user with no directory role.
    Member,
}

impl Account {
    pub const ALL: [Account; 3] = [
        Account::GlobalAdmin,
        Account::LeastPrivilegeAdmin,
        Account::Member,
    ];

    /// Its name in settings and saved journals: `global-admin`, `least-privilege-admin`, `member`.
    pub fn as_str(self) -> &'static str {
        match self {
            Account::GlobalAdmin => "global-admin",
            Account::LeastPrivilegeAdmin => "least-privilege-admin",
            Account::Member => "member",
        }
    }

    pub fn parse(name: &str) -> Option<Account> {
        Account::ALL.into_iter().find(|a| a.as_str() == name)
    }

    /// What it is, for people.
    pub fn label(self) -> &'static str {
        match self {
            Account::GlobalAdmin => "Global Administrator",
            Account::LeastPrivilegeAdmin => {
                "Least-privilege administrator (User, Privileged Role and Identity Governance Administrator)"
            }
            Account::Member => "A user with no directory role",
        }
    }

    pub fn local_part(self) -> &'static str {
        match self {
            Account::GlobalAdmin => store::ADMIN,
            Account::LeastPrivilegeAdmin => store::LEAST_PRIVILEGE_ADMIN,
            Account::Member => store::MEMBER,
        }
    }
}

/// Microsoft Entra built-in role template ids the sandbox knows by name.
pub mod roles {
    /// Entitlement management's own roles, assigned with `roleManagement/entitlementManagement`.
    pub use crate::store::{
        ACCESS_PACKAGE_ASSIGNMENT_MANAGER, ACCESS_PACKAGE_MANAGER, CATALOG_CREATOR, CATALOG_OWNER,
        CATALOG_READER,
    };
    pub use crate::store::{
        GLOBAL_ADMIN, GLOBAL_READER, GROUPS_ADMIN, IDENTITY_GOVERNANCE_ADMIN,
        PRIVILEGED_ROLE_ADMIN, USER_ADMIN,
    };
}

/// The packages (name@version) Graph's type definitions come from: v1.0, then beta.
pub fn schema_sources() -> (&'static str, &'static str) {
    (
        schema::source(target::Version::V1),
        schema::source(target::Version::Beta),
    )
}

fn odata_max_top() -> usize {
    odata::MAX_TOP
}

/// Turn an outcome into Graph's HTTP response.
fn respond(
    outcome: reply::Outcome,
    request_id: &str,
    client_request_id: &str,
    now: u64,
) -> http::Response<String> {
    let mut location = None;
    let (status, body, extra) = match outcome {
        Ok(Reply::Json(status, body)) => (status, body.to_string(), None),
        Ok(Reply::Created(body, loc)) => {
            location = Some(loc);
            (201, body.to_string(), None)
        }
        Ok(Reply::NoContent) => (204, String::new(), None),
        Err(e) => {
            let mut inner = serde_json::Map::new();
            if e.status == 429 {
                inner.insert("code".into(), json!("429"));
                inner.insert("message".into(), json!("Please retry after"));
                inner.insert("status".into(), json!("429"));
            }
            inner.insert("date".into(), json!(clock::error_date(now)));
            inner.insert("request-id".into(), json!(request_id));
            inner.insert("client-request-id".into(), json!(client_request_id));
            let mut error = serde_json::Map::new();
            error.insert("code".into(), json!(e.code));
            error.insert("message".into(), json!(e.message));
            if let Some(d) = &e.details {
                error.insert("details".into(), (**d).clone());
            }
            error.insert("innerError".into(), serde_json::Value::Object(inner));
            let body = json!({ "error": error }).to_string();
            (e.status, body, Some(e))
        }
    };
    let mut b = http::Response::builder()
        .status(status)
        .header("request-id", request_id)
        .header("client-request-id", client_request_id)
        .header("x-ms-ags-diagnostic", r#"{"ServerInfo":{"DataCenter":"Sandbox","Slice":"E","Ring":"0","ScaleUnit":"000","RoleInstance":"graphwalk-sandbox"}}"#);
    if status != 204 {
        b = b.header(
            http::header::CONTENT_TYPE,
            "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8",
        );
    }
    if let Some(loc) = location {
        b = b.header(http::header::LOCATION, loc);
    }
    if let Some(e) = &extra {
        if let Some(secs) = e.retry_after {
            b = b.header(http::header::RETRY_AFTER, secs.to_string());
        }
        if let Some(allow) = e.allow {
            b = b.header(http::header::ALLOW, allow);
        }
        if e.status == 401 {
            b = b.header(
                http::header::WWW_AUTHENTICATE,
                r#"Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000""#,
            );
        }
    }
    // Every header value above is ASCII built from known parts, so building cannot fail;
    // fall back to a bare 500 rather than panic if that ever changes.
    b.body(body).unwrap_or_else(|_| {
        let mut r = http::Response::new(String::new());
        *r.status_mut() = http::StatusCode::INTERNAL_SERVER_ERROR;
        r
    })
}
