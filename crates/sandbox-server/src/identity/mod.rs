//! The Microsoft identity platform (v2.0 endpoints) as MSAL.js meets it, for the sandbox tenant's users:
//! sign-in and consent pages, authorization code with PKCE, refresh tokens, logout. Sans-IO: a request
//! and the time in, a response out. The rules and where each comes from: crates/sandbox/README.md.

mod crypto;
pub mod pages;

use std::collections::{BTreeSet, HashMap};

use http::{header, Request, Response, StatusCode};
use sandbox::{roles, Sandbox};
use serde_json::{json, Value};

use crypto::{b64url, b64url_decode, guid_of, iso_ticks, random_id, s256, timestamp};

/// Scopes of OpenID Connect itself: never consented to, never in an access token.
const OIDC_SCOPES: &[&str] = &["openid", "profile", "offline_access", "email"];
const GRAPH_RESOURCE: &str = "https://graph.microsoft.com/";
/// Microsoft Graph delegated permissions a user may consent to alone; every other one the sandbox
/// knows needs an administrator ("Admin consent required: Yes" in the Graph permissions reference).
const USER_CONSENTABLE: &[&str] = &["User.Read", "EntitlementMgmt-SubjectAccess.ReadWrite"];
/// The Graph delegated permissions the sandbox knows (the tutorials' and the basic profile).
const KNOWN_SCOPES: &[&str] = &[
    "User.Read",
    "User.ReadWrite.All",
    "User.Read.All",
    "Group.ReadWrite.All",
    "GroupMember.Read.All",
    "RoleManagement.ReadWrite.Directory",
    "RoleManagement.Read.Directory",
    "EntitlementManagement.ReadWrite.All",
    "EntitlementManagement.Read.All",
    "Directory.Read.All",
    "EntitlementMgmt-SubjectAccess.ReadWrite",
];
/// What graphwalk's tutorials ask for at sign-in (the `scopes:` of their front matter): the emulated
/// registration's configured permissions unless `--permission` says otherwise.
pub const GRAPHWALK_PERMISSIONS: &[&str] = &[
    "User.Read",
    "User.ReadWrite.All",
    "Group.ReadWrite.All",
    "GroupMember.Read.All",
    "RoleManagement.Read.Directory",
    "RoleManagement.ReadWrite.Directory",
    "EntitlementManagement.Read.All",
    "EntitlementManagement.ReadWrite.All",
];
const CODE_LIFETIME_MS: u64 = 10 * 60 * 1000;
/// A single-page app's refresh token lives 24 hours from sign-in, not extended by use.
pub const SPA_REFRESH_LIFETIME_MS: u64 = 24 * 60 * 60 * 1000;
const SESSION_COOKIE: &str = "ESTSAUTH";

/// The emulated app registration.
#[derive(Clone, Debug)]
pub struct Registration {
    pub client_id: String,
    pub name: String,
    /// Single-page application platform redirect URIs, compared exactly.
    pub redirect_uris: Vec<String>,
    /// "Accounts in any organizational directory"; otherwise only this tenant's authority works.
    pub multi_tenant: bool,
    /// The configured permissions (delegated, Microsoft Graph).
    pub permissions: Vec<String>,
    /// An administrator granted consent for `permissions` for the whole tenant.
    pub admin_consent: bool,
}

impl Default for Registration {
    fn default() -> Self {
        Registration {
            client_id: "8f4e2f6a-1c3b-4d5e-9f70-6a1b2c3d4e5f".into(),
            name: "graphwalk".into(),
            redirect_uris: vec![
                "http://127.0.0.1:8080/redirect.html".into(),
                "http://localhost:8080/redirect.html".into(),
            ],
            multi_tenant: true,
            permissions: GRAPHWALK_PERMISSIONS
                .iter()
                .map(|s| s.to_string())
                .collect(),
            admin_consent: true,
        }
    }
}

#[derive(Clone, Debug)]
pub struct IdentityConfig {
    pub registration: Registration,
    /// Where MSAL.js reaches this service: the authority host of the tokens and endpoints.
    pub login_base: String,
    /// The password of the tenant's seeded accounts.
    pub password: String,
    /// Accounts that must choose a new password when they first sign in.
    pub must_change_password: Vec<String>,
    pub refresh_lifetime_ms: u64,
    pub access_lifetime_secs: u64,
}

impl Default for IdentityConfig {
    fn default() -> Self {
        IdentityConfig {
            registration: Registration::default(),
            login_base: "https://login.microsoftonline.com".into(),
            password: DEFAULT_PASSWORD.into(),
            must_change_password: Vec::new(),
            refresh_lifetime_ms: SPA_REFRESH_LIFETIME_MS,
            access_lifetime_secs: 3600,
        }
    }
}

/// The seeded accounts' password unless `--password` says otherwise (a sandbox has no secrets).
pub const DEFAULT_PASSWORD: &str = "Sandbox-Passw0rd!";

/// An /authorize request waiting for the user.
#[derive(Clone, Debug)]
struct Pending {
    tenant: String,
    redirect_uri: String,
    state: Option<String>,
    nonce: Option<String>,
    challenge: String,
    query_mode: bool,
    /// Graph permissions asked for (short names).
    scopes: Vec<String>,
    login_hint: String,
    /// The user once the password was right.
    user: Option<UserRef>,
}

#[derive(Clone, Debug)]
struct UserRef {
    id: String,
    upn: String,
    name: String,
}

#[derive(Clone, Debug)]
struct Code {
    redirect_uri: String,
    challenge: String,
    nonce: Option<String>,
    user: UserRef,
    expires_ms: u64,
    redeemed: bool,
}

#[derive(Clone, Debug)]
struct Refresh {
    user: UserRef,
    /// When the user signed in: the token, and the ones that replace it, expire a fixed time later.
    signed_in_ms: u64,
}

/// The emulated identity platform's state: sign-in sessions, codes, refresh tokens and consent.
pub struct Identity {
    cfg: IdentityConfig,
    pending: HashMap<String, Pending>,
    codes: HashMap<String, Code>,
    refresh: HashMap<String, Refresh>,
    /// Each browser's sign-in sessions, by its session cookie: Entra keeps one per account signed in
    /// there, so a second account's sign-in adds to the first's rather than replacing it.
    sessions: HashMap<String, Vec<UserRef>>,
    /// Permissions each user consented to for themself, by object id.
    user_consent: HashMap<String, BTreeSet<String>>,
    /// Permissions an administrator consented to for the tenant.
    admin_consent: BTreeSet<String>,
    /// New passwords chosen at a first sign-in, by object id (a user deleted and created again under the
    /// same name starts over with the password Graph gives it).
    passwords: HashMap<String, String>,
}

/// The session a request is answered with.
enum Session {
    One(UserRef),
    /// Several accounts are signed in and the request names none.
    Several,
    /// Nobody is signed in, or nobody by the name the request gives.
    NoneMatch,
}

/// What a `login_hint` (or `logout_hint`) names.
#[derive(Debug, PartialEq)]
enum Hint {
    Nobody,
    /// A user name, as typed: whoever holds it now.
    Name(String),
    /// The opaque `login_hint` claim of an ID token, which MSAL.js sends back for a known account: that
    /// account and no other, even one created later under its name (graphwalk-sandbox's claim holds the
    /// object id and the name, in base64url; Entra's is opaque).
    Account {
        id: String,
        upn: String,
    },
}

impl Hint {
    fn parse(text: &str) -> Hint {
        if text.is_empty() {
            return Hint::Nobody;
        }
        let claim = b64url_decode(text)
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .and_then(|inner| {
                let rest = inner.strip_prefix("oid:")?;
                let (id, upn) = rest.split_once(':')?;
                Some(Hint::Account {
                    id: id.to_string(),
                    upn: upn.to_string(),
                })
            });
        claim.unwrap_or_else(|| Hint::Name(text.to_string()))
    }

    fn names(&self, user: &UserRef) -> bool {
        match self {
            Hint::Nobody => false,
            Hint::Name(upn) => user.upn.eq_ignore_ascii_case(upn),
            Hint::Account { id, .. } => user.id == *id,
        }
    }

    /// The user name to fill in on the sign-in page.
    fn upn(&self) -> &str {
        match self {
            Hint::Nobody => "",
            Hint::Name(upn) | Hint::Account { upn, .. } => upn,
        }
    }
}

/// The ID token's `login_hint` claim for `user` (see [`Hint::Account`]).
fn login_hint_claim(user: &UserRef) -> String {
    b64url(format!("oid:{}:{}", user.id, user.upn).as_bytes())
}

enum Tenant {
    /// `organizations` or `common`.
    Any,
    /// The sandbox tenant by id or domain.
    Own,
}

fn tenant_of(sb: &Sandbox, segment: &str) -> Option<Tenant> {
    if segment.eq_ignore_ascii_case("organizations") || segment.eq_ignore_ascii_case("common") {
        Some(Tenant::Any)
    } else if segment.eq_ignore_ascii_case(sb.tenant_id())
        || segment.eq_ignore_ascii_case(sb.default_domain())
    {
        Some(Tenant::Own)
    } else {
        None
    }
}

/// `a=b&c=d` (form bodies and queries), percent-decoded, `+` as space.
pub fn form(text: &str) -> HashMap<String, String> {
    text.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(k), decode(v))
        })
        .collect()
}

/// Form and query encoding undone: `%XX` bytes and `+` for a space.
pub(crate) fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b'+', _) => {
                out.push(b' ');
                i += 1;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn html(status: StatusCode, body: String) -> Response<String> {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
        .header(header::CACHE_CONTROL, "no-store")
        // Entra's pages refuse to be framed; these run no script at all. No form-action: browsers apply it
        // to the redirect that follows a form post, which goes back to the app's redirect URI.
        .header(header::X_FRAME_OPTIONS, "DENY")
        .header(
            "content-security-policy",
            "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
        )
        .body(body)
        .unwrap_or_default()
}

fn json_response(status: StatusCode, body: Value) -> Response<String> {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "application/json; charset=utf-8")
        .header(header::CACHE_CONTROL, "no-store")
        .body(body.to_string())
        .unwrap_or_default()
}

fn redirect(location: &str, cookie: Option<String>) -> Response<String> {
    let mut builder = Response::builder()
        .status(StatusCode::FOUND)
        .header(header::LOCATION, location)
        .header(header::CACHE_CONTROL, "no-store");
    if let Some(c) = cookie {
        builder = builder.header(header::SET_COOKIE, c);
    }
    builder.body(String::new()).unwrap_or_default()
}

/// An OAuth error body as the token endpoint sends it, with its AADSTS code.
fn token_error(
    status: StatusCode,
    error: &str,
    code: u32,
    message: &str,
    suberror: Option<&str>,
    now_ms: u64,
) -> Response<String> {
    let trace = guid_of(&random_id());
    let correlation = guid_of(&random_id());
    let stamp = timestamp(now_ms);
    let mut body = json!({
        "error": error,
        "error_description": format!("AADSTS{code}: {message} Trace ID: {trace} Correlation ID: {correlation} Timestamp: {stamp}"),
        "error_codes": [code],
        "timestamp": stamp,
        "trace_id": trace,
        "correlation_id": correlation,
        "error_uri": format!("https://login.microsoftonline.com/error?code={code}"),
    });
    if let Some(sub) = suberror {
        body["suberror"] = json!(sub);
    }
    json_response(status, body)
}

fn cookie_of(req: &Request<String>, name: &str) -> Option<String> {
    req.headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| {
            let (k, v) = pair.trim().split_once('=')?;
            (k == name).then(|| v.to_string())
        })
}

/// A Graph scope's short name: `https://graph.microsoft.com/User.Read` → `User.Read`.
fn short_scope(scope: &str) -> String {
    scope
        .strip_prefix(GRAPH_RESOURCE)
        .unwrap_or(scope)
        .to_string()
}

fn unsigned_jwt(claims: &Value) -> String {
    let header = json!({"typ": "JWT", "alg": "none", "kid": "graphwalk-sandbox"});
    format!(
        "{}.{}.{}",
        b64url(header.to_string().as_bytes()),
        b64url(claims.to_string().as_bytes()),
        b64url(b"unsigned-sandbox-token")
    )
}

impl Identity {
    pub fn new(cfg: IdentityConfig) -> Identity {
        let admin_consent = if cfg.registration.admin_consent {
            cfg.registration.permissions.iter().cloned().collect()
        } else {
            BTreeSet::new()
        };
        Identity {
            cfg,
            pending: HashMap::new(),
            codes: HashMap::new(),
            refresh: HashMap::new(),
            sessions: HashMap::new(),
            user_consent: HashMap::new(),
            admin_consent,
            passwords: HashMap::new(),
        }
    }

    /// Forgets sessions, codes, tokens and consents given since the start (with `/_sandbox/reset`).
    pub fn reset(&mut self) {
        *self = Identity::new(self.cfg.clone());
    }

    /// The answer to an identity-platform request, or `None` when `req` is not one (Graph, say).
    pub fn handle(
        &mut self,
        sb: &Sandbox,
        req: &Request<String>,
        now_ms: u64,
    ) -> Option<Response<String>> {
        let path = req.uri().path();
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        let query = form(req.uri().query().unwrap_or(""));
        match segments.as_slice() {
            ["common", "discovery", "instance"] => Some(self.instance_discovery()),
            [tenant, "v2.0", ".well-known", "openid-configuration"] => {
                Some(self.openid_configuration(sb, tenant))
            }
            [_, "discovery", "v2.0", "keys"] | ["common", "discovery", "keys"] => {
                // The sandbox's tokens are unsigned (alg "none"), as its Graph tokens always were.
                Some(json_response(StatusCode::OK, json!({"keys": []})))
            }
            [tenant, "oauth2", "v2.0", "authorize"] => {
                Some(if req.method() == http::Method::POST {
                    self.authorize_form(sb, req, tenant, now_ms)
                } else {
                    self.authorize(sb, req, tenant, &query, now_ms)
                })
            }
            [tenant, "oauth2", "v2.0", "token"] => Some(self.token(sb, req, tenant, now_ms)),
            [_, "oauth2", "v2.0", "logout"] => Some(self.logout(req, &query)),
            _ => None,
        }
    }

    fn instance_discovery(&self) -> Response<String> {
        let host = self.login_host();
        json_response(
            StatusCode::OK,
            json!({
                "tenant_discovery_endpoint": format!("{}/{{tenant}}/v2.0/.well-known/openid-configuration", self.cfg.login_base),
                "api-version": "1.1",
                "metadata": [{
                    "preferred_network": host,
                    "preferred_cache": if host == "login.microsoftonline.com" { "login.windows.net" } else { host },
                    "aliases": [host, "login.windows.net", "login.microsoft.com", "sts.windows.net"],
                }],
            }),
        )
    }

    fn login_host(&self) -> &str {
        self.cfg
            .login_base
            .split("://")
            .nth(1)
            .unwrap_or("login.microsoftonline.com")
            .trim_end_matches('/')
    }

    fn openid_configuration(&self, sb: &Sandbox, tenant: &str) -> Response<String> {
        let base = &self.cfg.login_base;
        let (segment, issuer_tenant) = match tenant_of(sb, tenant) {
            Some(Tenant::Any) => (tenant.to_string(), "{tenantid}".to_string()),
            Some(Tenant::Own) => (sb.tenant_id().to_string(), sb.tenant_id().to_string()),
            None => return self.unknown_tenant_json(tenant),
        };
        json_response(
            StatusCode::OK,
            json!({
                "token_endpoint": format!("{base}/{segment}/oauth2/v2.0/token"),
                "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
                "jwks_uri": format!("{base}/{segment}/discovery/v2.0/keys"),
                "response_modes_supported": ["query", "fragment", "form_post"],
                "subject_types_supported": ["pairwise"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
                "scopes_supported": ["openid", "profile", "email", "offline_access"],
                "issuer": format!("{base}/{issuer_tenant}/v2.0"),
                "request_uri_parameter_supported": false,
                "userinfo_endpoint": "https://graph.microsoft.com/oidc/userinfo",
                "authorization_endpoint": format!("{base}/{segment}/oauth2/v2.0/authorize"),
                "device_authorization_endpoint": format!("{base}/{segment}/oauth2/v2.0/devicecode"),
                "http_logout_supported": true,
                "frontchannel_logout_supported": true,
                "end_session_endpoint": format!("{base}/{segment}/oauth2/v2.0/logout"),
                "claims_supported": ["sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "preferred_username", "name", "tid", "ver", "oid", "email"],
                "tenant_region_scope": "EU",
                "cloud_instance_name": "microsoftonline.com",
                "cloud_graph_host_name": "graph.windows.net",
                "msgraph_host": "graph.microsoft.com",
                "rbac_url": "https://pas.windows.net",
            }),
        )
    }

    fn unknown_tenant_message(tenant: &str) -> String {
        format!(
            "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. \
Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant."
        )
    }

    fn unknown_tenant_json(&self, tenant: &str) -> Response<String> {
        json_response(
            StatusCode::BAD_REQUEST,
            json!({"error": "invalid_tenant", "error_description": format!("AADSTS90002: {}", Self::unknown_tenant_message(tenant)), "error_codes": [90002]}),
        )
    }

    fn error_page(&self, code: u32, message: &str) -> Response<String> {
        html(
            StatusCode::BAD_REQUEST,
            pages::error_page(code, message, &guid_of(&random_id())),
        )
    }

    /// The checks Entra makes before it shows anything: the app, the authority, the redirect URI.
    fn check_client(
        &self,
        sb: &Sandbox,
        tenant: &str,
        client_id: Option<&String>,
    ) -> Result<(), (u32, String)> {
        let reg = &self.cfg.registration;
        let Some(client_id) = client_id.filter(|c| !c.is_empty()) else {
            return Err((
                900144,
                "The request body must contain the following parameter: 'client_id'.".into(),
            ));
        };
        let kind =
            tenant_of(sb, tenant).ok_or_else(|| (90002, Self::unknown_tenant_message(tenant)))?;
        if !client_id.eq_ignore_ascii_case(&reg.client_id) {
            return Err((700016, format!(
                "Application with identifier '{client_id}' was not found in the directory '{}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.",
                sb.default_domain()
            )));
        }
        if matches!(kind, Tenant::Any) && !reg.multi_tenant {
            return Err((50194, format!(
                "Application '{}'({}) is not configured as a multi-tenant application. Usage of the /common endpoint is not supported for such applications created after '10/15/2018'. Use a tenant-specific endpoint or configure the application to be multi-tenant.",
                reg.client_id, reg.name
            )));
        }
        Ok(())
    }

    fn authorize(
        &mut self,
        sb: &Sandbox,
        req: &Request<String>,
        tenant: &str,
        q: &HashMap<String, String>,
        now_ms: u64,
    ) -> Response<String> {
        if let Err((code, message)) = self.check_client(sb, tenant, q.get("client_id")) {
            return self.error_page(code, &message);
        }
        let redirect_uri = q.get("redirect_uri").cloned().unwrap_or_default();
        if !self.cfg.registration.redirect_uris.contains(&redirect_uri) {
            return self.error_page(50011, &format!(
                "The redirect URI '{redirect_uri}' specified in the request does not match the redirect URIs configured for the application '{}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal. Navigate to https://aka.ms/redirectUriMismatchError to learn more about how to fix this.",
                self.cfg.registration.client_id
            ));
        }
        let mode = q.get("response_mode").map_or("fragment", String::as_str);
        let mut pending = Pending {
            tenant: tenant.to_string(),
            redirect_uri,
            state: q.get("state").cloned(),
            nonce: q.get("nonce").cloned(),
            challenge: q.get("code_challenge").cloned().unwrap_or_default(),
            query_mode: mode == "query",
            scopes: Vec::new(),
            login_hint: q.get("login_hint").cloned().unwrap_or_default(),
            user: None,
        };
        if q.get("response_type").map(String::as_str) != Some("code") {
            return self.error_redirect(
                &pending,
                "unsupported_response_type",
                700054,
                "response_type 'id_token' is not enabled for the application.",
                now_ms,
            );
        }
        if !matches!(mode, "fragment" | "query") {
            return self.error_redirect(&pending, "invalid_request", 9002326, "Cross-origin token redemption is permitted only for the 'Single-Page Application' client-type. Use response_mode fragment or query.", now_ms);
        }
        if pending.challenge.is_empty() {
            return self.error_redirect(&pending, "invalid_request", 9002325, "Proof Key for Code Exchange is required for cross-origin authorization code redemption.", now_ms);
        }
        if q.get("code_challenge_method").map(String::as_str) != Some("S256") {
            // Entra also takes `plain`; the sandbox asks for what MSAL.js sends.
            return self.error_redirect(
                &pending,
                "invalid_request",
                9002325,
                "The code_challenge_method must be S256.",
                now_ms,
            );
        }
        let mut scopes = Vec::new();
        for scope in q.get("scope").map_or("", String::as_str).split_whitespace() {
            let short = short_scope(scope);
            if OIDC_SCOPES.contains(&short.as_str()) {
                continue;
            }
            if short == ".default" {
                scopes.extend(self.cfg.registration.permissions.iter().cloned());
            } else if KNOWN_SCOPES.iter().any(|k| k.eq_ignore_ascii_case(&short)) {
                scopes.push(short);
            } else {
                return self.error_redirect(&pending, "invalid_scope", 70011, &format!("The provided value for the input parameter 'scope' is not valid. The scope {scope} is not valid."), now_ms);
            }
        }
        scopes.sort();
        scopes.dedup();
        pending.scopes = scopes;
        let prompt = q.get("prompt").map_or("", String::as_str);
        // A session of a user since deleted (or created again under the name) or disabled answers nothing.
        let signed_in: Vec<UserRef> = cookie_of(req, SESSION_COOKIE)
            .and_then(|sid| self.sessions.get(&sid).cloned())
            .unwrap_or_default()
            .into_iter()
            .filter(|u| Self::refused(sb, u).is_none())
            .collect();
        let hint = Hint::parse(&pending.login_hint);
        match (Self::session_for(&signed_in, &hint), prompt) {
            (Session::One(user), "" | "none" | "consent") => {
                pending.user = Some(user);
                if prompt == "consent" {
                    let txn = self.park(pending);
                    return self.next_page(sb, &txn, now_ms, None);
                }
                if !self.missing_consent(&pending).is_empty() {
                    if prompt == "none" {
                        return self.error_redirect(&pending, "consent_required", 65001, &format!(
                            "The user or administrator has not consented to use the application with ID '{}' named '{}'. Send an interactive authorization request for this user and resource.",
                            self.cfg.registration.client_id, self.cfg.registration.name
                        ), now_ms);
                    }
                    let txn = self.park(pending);
                    return self.next_page(sb, &txn, now_ms, None);
                }
                self.issue_code(sb, pending, now_ms, None)
            }
            (Session::Several, "none") => self.error_redirect(
                &pending,
                "interaction_required",
                16000,
                "Either multiple user identities are available for the current request or selected account is not supported for the scenario.",
                now_ms,
            ),
            (Session::NoneMatch, "none") if !signed_in.is_empty() => self.error_redirect(
                &pending,
                "login_required",
                50058,
                "A silent sign-in request was sent but none of the currently signed in user(s) match the requested login hint.",
                now_ms,
            ),
            (_, "none") => self.error_redirect(
                &pending,
                "login_required",
                50058,
                "A silent sign-in request was sent but no user is signed in.",
                now_ms,
            ),
            _ => {
                let txn = self.park(pending);
                html(
                    StatusCode::OK,
                    pages::sign_in(&self.action(tenant), &txn, hint.upn(), None),
                )
            }
        }
    }

    /// Which of this browser's sessions answers a request: the one `hint` names, or the only one when
    /// nothing is named. Several without a name is Entra's account picker (`interaction_required`,
    /// AADSTS16000, when nobody may be asked).
    fn session_for(signed_in: &[UserRef], hint: &Hint) -> Session {
        if *hint != Hint::Nobody {
            return signed_in
                .iter()
                .find(|u| hint.names(u))
                .map_or(Session::NoneMatch, |u| Session::One(u.clone()));
        }
        match signed_in {
            [] => Session::NoneMatch,
            [one] => Session::One(one.clone()),
            _ => Session::Several,
        }
    }

    fn action(&self, tenant: &str) -> String {
        format!("/{tenant}/oauth2/v2.0/authorize")
    }

    fn park(&mut self, pending: Pending) -> String {
        let txn = random_id();
        self.pending.insert(txn.clone(), pending);
        txn
    }

    /// Sends the browser back to the app with an OAuth error (as Entra does once the redirect URI is
    /// known to be registered).
    fn error_redirect(
        &self,
        p: &Pending,
        error: &str,
        code: u32,
        message: &str,
        now_ms: u64,
    ) -> Response<String> {
        let trace = guid_of(&random_id());
        let description = format!(
            "AADSTS{code}: {message} Trace ID: {trace} Correlation ID: {} Timestamp: {}",
            guid_of(&random_id()),
            timestamp(now_ms)
        );
        let mut params = format!(
            "error={}&error_description={}",
            encode(error),
            encode(&description)
        );
        if let Some(state) = &p.state {
            params.push_str(&format!("&state={}", encode(state)));
        }
        let sep = if p.query_mode { '?' } else { '#' };
        redirect(&format!("{}{sep}{params}", p.redirect_uri), None)
    }

    /// Graph permissions asked for that nobody has consented to for this user.
    fn missing_consent(&self, p: &Pending) -> Vec<String> {
        let Some(user) = &p.user else {
            return p.scopes.clone();
        };
        let mine = self.user_consent.get(&user.id);
        p.scopes
            .iter()
            .filter(|s| {
                !self.admin_consent.iter().any(|a| a.eq_ignore_ascii_case(s))
                    && !mine.is_some_and(|m| m.iter().any(|a| a.eq_ignore_ascii_case(s)))
            })
            .cloned()
            .collect()
    }

    /// After the password: a consent page if something is missing, else back to the app with a code.
    fn next_page(
        &mut self,
        sb: &Sandbox,
        txn: &str,
        now_ms: u64,
        cookie: Option<String>,
    ) -> Response<String> {
        let Some(p) = self.pending.get(txn).cloned() else {
            return self.expired_page();
        };
        let missing = self.missing_consent(&p);
        let Some(user) = p.user.clone() else {
            return self.expired_page();
        };
        if missing.is_empty() {
            self.pending.remove(txn);
            return self.issue_code(sb, p, now_ms, cookie);
        }
        let needs_admin = missing
            .iter()
            .any(|s| !USER_CONSENTABLE.iter().any(|u| u.eq_ignore_ascii_case(s)));
        let is_admin = Self::may_consent_for_org(sb, &user.upn);
        let body = if needs_admin && !is_admin {
            pages::need_admin(
                &self.action(&p.tenant),
                txn,
                &self.cfg.registration.name,
                &missing,
                "AADSTS90094: The grant requires admin permission.",
            )
        } else {
            pages::consent(
                &self.action(&p.tenant),
                txn,
                &self.cfg.registration.name,
                &user.upn,
                &missing,
                needs_admin,
            )
        };
        let mut resp = html(StatusCode::OK, body);
        if let Some(c) = cookie.and_then(|c| http::HeaderValue::from_str(&c).ok()) {
            resp.headers_mut().insert(header::SET_COOKIE, c);
        }
        resp
    }

    /// Who may grant tenant-wide consent to Microsoft Graph permissions: Global Administrator and
    /// Privileged Role Administrator.
    fn may_consent_for_org(sb: &Sandbox, upn: &str) -> bool {
        sb.roles_of(upn)
            .iter()
            .any(|r| *r == roles::GLOBAL_ADMIN || *r == roles::PRIVILEGED_ROLE_ADMIN)
    }

    fn expired_page(&self) -> Response<String> {
        self.error_page(
            90014,
            "The sign-in request has expired or was already used. Go back to the application and sign in again.",
        )
    }

    fn issue_code(
        &mut self,
        sb: &Sandbox,
        p: Pending,
        now_ms: u64,
        cookie: Option<String>,
    ) -> Response<String> {
        let Some(user) = p.user.clone() else {
            return self.expired_page();
        };
        let code = random_id();
        self.codes.insert(
            code.clone(),
            Code {
                redirect_uri: p.redirect_uri.clone(),
                challenge: p.challenge.clone(),
                nonce: p.nonce.clone(),
                user: user.clone(),
                expires_ms: now_ms + CODE_LIFETIME_MS,
                redeemed: false,
            },
        );
        let mut params = format!(
            "code={}&client_info={}",
            encode(&code),
            encode(&Self::client_info(&user, sb.tenant_id()))
        );
        if let Some(state) = &p.state {
            params.push_str(&format!("&state={}", encode(state)));
        }
        params.push_str(&format!("&session_state={}", guid_of(&user.id)));
        let sep = if p.query_mode { '?' } else { '#' };
        redirect(&format!("{}{sep}{params}", p.redirect_uri), cookie)
    }

    /// `uid.utid` is the home account id MSAL.js keeps the account under.
    fn client_info(user: &UserRef, tenant_id: &str) -> String {
        b64url(
            json!({"uid": user.id, "utid": tenant_id})
                .to_string()
                .as_bytes(),
        )
    }
}

impl Identity {
    fn find_user(sb: &Sandbox, login: &str) -> Option<UserRef> {
        sb.snapshot()
            .users
            .into_iter()
            .find(|u| u.user_principal_name.eq_ignore_ascii_case(login.trim()))
            .map(|u| UserRef {
                id: u.id,
                upn: u.user_principal_name,
                name: u.display_name,
            })
    }

    /// Why `user`'s session or refresh token no longer gets tokens: the account was deleted (a new one
    /// under the same name is someone else), or disabled.
    fn refused(sb: &Sandbox, user: &UserRef) -> Option<(u32, String)> {
        match Self::find_user(sb, &user.upn) {
            Some(now) if now.id == user.id => sb
                .sign_in_profile(&user.upn)
                .is_some_and(|p| !p.enabled)
                .then(|| (50057, "The user account is disabled.".to_string())),
            _ => Some((50034, format!(
                "The user account {} does not exist in the {} directory. To sign into this application, the account must be added to the directory.",
                user.upn, sb.tenant_id()
            ))),
        }
    }

    /// The password a user signs in with: the one they chose here at a first sign-in, else the
    /// `passwordProfile` Graph created them with, else (the seeded accounts) the emulator's own.
    fn password_of(&self, sb: &Sandbox, user: &UserRef) -> Option<String> {
        if let Some(p) = self.passwords.get(&user.id) {
            return Some(p.clone());
        }
        let upn = user.upn.as_str();
        if let Some(profile) = sb.sign_in_profile(upn).and_then(|p| p.password) {
            return Some(profile.password);
        }
        sandbox::Account::ALL
            .iter()
            .any(|a| sb.account_upn(*a).eq_ignore_ascii_case(upn))
            .then(|| self.cfg.password.clone())
    }

    /// A first sign-in that must choose a new password: `--must-change-password` for a seeded
    /// account, `forceChangePasswordNextSignIn` for a user Graph created; until they have chosen one.
    fn must_change(&self, sb: &Sandbox, user: &UserRef) -> bool {
        let upn = user.upn.as_str();
        let forced = self
            .cfg
            .must_change_password
            .iter()
            .any(|u| u.eq_ignore_ascii_case(upn))
            || sb
                .sign_in_profile(upn)
                .and_then(|p| p.password)
                .is_some_and(|p| p.force_change_next_sign_in);
        forced && !self.passwords.contains_key(&user.id)
    }

    /// Adds `user`'s session to the browser's (a new one when it has none here yet).
    fn session_cookie(&mut self, req: &Request<String>, user: &UserRef) -> String {
        let sid = cookie_of(req, SESSION_COOKIE)
            .filter(|sid| self.sessions.contains_key(sid))
            .unwrap_or_else(random_id);
        let sessions = self.sessions.entry(sid.clone()).or_default();
        sessions.retain(|u| u.id != user.id);
        sessions.push(user.clone());
        format!("{SESSION_COOKIE}={sid}; Path=/; Secure; HttpOnly; SameSite=None")
    }

    /// The sign-in, password-change and consent forms post here.
    fn authorize_form(
        &mut self,
        sb: &Sandbox,
        req: &Request<String>,
        tenant: &str,
        now_ms: u64,
    ) -> Response<String> {
        let f = form(req.body());
        let txn = f.get("txn").cloned().unwrap_or_default();
        let Some(mut p) = self.pending.get(&txn).cloned() else {
            return self.expired_page();
        };
        let action = self.action(tenant);
        match f.get("step").map(String::as_str) {
            Some("signin") => {
                let login = f.get("login").cloned().unwrap_or_default();
                let password = f.get("passwd").cloned().unwrap_or_default();
                let Some(user) = Self::find_user(sb, &login) else {
                    return html(StatusCode::OK, pages::sign_in(&action, &txn, &login, Some(
                        "This username may be incorrect. Make sure you typed it correctly. Otherwise, contact your admin. (AADSTS50034: The user account does not exist in the directory.)",
                    )));
                };
                if self.password_of(sb, &user).as_deref() != Some(password.as_str()) {
                    return html(StatusCode::OK, pages::sign_in(&action, &txn, &login, Some(
                        "Your account or password is incorrect. If you don't remember your password, reset it now. (AADSTS50126: Error validating credentials due to invalid username or password.)",
                    )));
                }
                if sb.sign_in_profile(&user.upn).is_some_and(|p| !p.enabled) {
                    return html(StatusCode::OK, pages::sign_in(&action, &txn, &login, Some(
                        "Your account has been locked. Contact your support person to unlock it, then try again. (AADSTS50057: The user account is disabled.)",
                    )));
                }
                p.user = Some(user.clone());
                self.pending.insert(txn.clone(), p);
                if self.must_change(sb, &user) {
                    return html(
                        StatusCode::OK,
                        pages::change_password(&action, &txn, &user.upn, None),
                    );
                }
                let cookie = self.session_cookie(req, &user);
                self.next_page(sb, &txn, now_ms, Some(cookie))
            }
            Some("change") => {
                let Some(user) = p.user.clone() else {
                    return self.expired_page();
                };
                let current = f.get("current").cloned().unwrap_or_default();
                let new = f.get("new").cloned().unwrap_or_default();
                let problem = if self.password_of(sb, &user).as_deref() != Some(current.as_str()) {
                    Some("Your current password is incorrect.")
                } else if new != f.get("confirm").cloned().unwrap_or_default() {
                    Some("The passwords don't match.")
                } else if new == current {
                    Some("You can't use a password you've used before.")
                } else if !strong(&new) {
                    Some("Your password must have at least 8 characters and three of: lower-case letters, upper-case letters, digits, symbols.")
                } else {
                    None
                };
                if let Some(problem) = problem {
                    return html(
                        StatusCode::OK,
                        pages::change_password(&action, &txn, &user.upn, Some(problem)),
                    );
                }
                self.passwords.insert(user.id.clone(), new);
                let cookie = self.session_cookie(req, &user);
                self.next_page(sb, &txn, now_ms, Some(cookie))
            }
            Some("consent") => {
                let Some(user) = p.user.clone() else {
                    return self.expired_page();
                };
                let missing = self.missing_consent(&p);
                let needs_admin = missing
                    .iter()
                    .any(|s| !USER_CONSENTABLE.iter().any(|u| u.eq_ignore_ascii_case(s)));
                if needs_admin {
                    if !Self::may_consent_for_org(sb, &user.upn) {
                        return self.next_page(sb, &txn, now_ms, None);
                    }
                    self.admin_consent.extend(missing);
                } else {
                    self.user_consent
                        .entry(user.id.clone())
                        .or_default()
                        .extend(missing);
                }
                self.next_page(sb, &txn, now_ms, None)
            }
            Some("decline") => {
                self.pending.remove(&txn);
                self.error_redirect(
                    &p,
                    "access_denied",
                    65004,
                    "User declined to consent to access the app.",
                    now_ms,
                )
            }
            Some("back") => {
                self.pending.remove(&txn);
                self.error_redirect(
                    &p,
                    "access_denied",
                    90094,
                    "The grant requires admin permission.",
                    now_ms,
                )
            }
            _ => self.expired_page(),
        }
    }

    /// Graph scopes this user may have in a token now: what the tenant and the user consented to.
    fn consented(&self, user: &UserRef) -> Vec<String> {
        let mut all: BTreeSet<String> = self.admin_consent.clone();
        if let Some(mine) = self.user_consent.get(&user.id) {
            all.extend(mine.iter().cloned());
        }
        all.into_iter().collect()
    }

    fn token(
        &mut self,
        sb: &Sandbox,
        req: &Request<String>,
        tenant: &str,
        now_ms: u64,
    ) -> Response<String> {
        let bad = StatusCode::BAD_REQUEST;
        if req.method() != http::Method::POST {
            return token_error(
                bad,
                "invalid_request",
                900561,
                "The endpoint only accepts POST requests.",
                None,
                now_ms,
            );
        }
        let f = form(req.body());
        if let Err((code, message)) = self.check_client(sb, tenant, f.get("client_id")) {
            let error = if code == 700016 {
                "unauthorized_client"
            } else {
                "invalid_request"
            };
            return token_error(bad, error, code, &message, None, now_ms);
        }
        // A single-page app's tokens are redeemed by the browser, which always sends Origin.
        if !req.headers().contains_key(header::ORIGIN) {
            return token_error(bad, "invalid_request", 9002327, "Tokens issued for the 'Single-Page Application' client-type may only be redeemed via cross-origin requests.", None, now_ms);
        }
        let asked: Vec<String> = f
            .get("scope")
            .map_or("", String::as_str)
            .split_whitespace()
            .map(short_scope)
            .filter(|s| !OIDC_SCOPES.contains(&s.as_str()) && s != ".default")
            .collect();
        match f.get("grant_type").map(String::as_str) {
            Some("authorization_code") => {
                let code_text = f.get("code").cloned().unwrap_or_default();
                let Some(code) = self.codes.get_mut(&code_text) else {
                    return token_error(
                        bad,
                        "invalid_grant",
                        9002313,
                        "Invalid request. Request is malformed or invalid.",
                        None,
                        now_ms,
                    );
                };
                if code.redeemed {
                    return token_error(bad, "invalid_grant", 54005, "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.", None, now_ms);
                }
                if now_ms >= code.expires_ms {
                    return token_error(bad, "invalid_grant", 70008, "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.", None, now_ms);
                }
                if f.get("redirect_uri") != Some(&code.redirect_uri) {
                    return token_error(bad, "invalid_grant", 50011, "The redirect URI specified in the request does not match the redirect URI used when the authorization code was issued.", None, now_ms);
                }
                let verifier = f.get("code_verifier").cloned().unwrap_or_default();
                if verifier.is_empty() {
                    return token_error(bad, "invalid_request", 9002325, "Proof Key for Code Exchange is required for cross-origin authorization code redemption.", None, now_ms);
                }
                if s256(&verifier) != code.challenge {
                    return token_error(bad, "invalid_grant", 501481, "The Code_Verifier does not match the code_challenge supplied in the authorization request.", None, now_ms);
                }
                code.redeemed = true;
                let (user, nonce) = (code.user.clone(), code.nonce.clone());
                self.tokens(sb, &user, nonce, now_ms, now_ms, tenant)
            }
            Some("refresh_token") => {
                let text = f.get("refresh_token").cloned().unwrap_or_default();
                let Some(rt) = self.refresh.get(&text).cloned() else {
                    return token_error(
                        bad,
                        "invalid_grant",
                        9002313,
                        "Invalid request. Request is malformed or invalid.",
                        None,
                        now_ms,
                    );
                };
                if now_ms >= rt.signed_in_ms + self.cfg.refresh_lifetime_ms {
                    let lifetime = self.cfg.refresh_lifetime_ms / 1000;
                    return token_error(bad, "invalid_grant", 700084, &format!(
                        "The refresh token was issued to a single page app (SPA), and therefore has a fixed, limited lifetime of {}, which cannot be extended. It is now expired and a new sign in request must be sent by the SPA to the sign in page. The token was issued on {}.",
                        span(lifetime), iso_ticks(rt.signed_in_ms)
                    ), None, now_ms);
                }
                if let Some((code, message)) = Self::refused(sb, &rt.user) {
                    return token_error(bad, "invalid_grant", code, &message, None, now_ms);
                }
                let consented = self.consented(&rt.user);
                if asked
                    .iter()
                    .any(|s| !consented.iter().any(|c| c.eq_ignore_ascii_case(s)))
                {
                    return token_error(bad, "invalid_grant", 65001, &format!(
                        "The user or administrator has not consented to use the application with ID '{}' named '{}'. Send an interactive authorization request for this user and resource.",
                        self.cfg.registration.client_id, self.cfg.registration.name
                    ), Some("consent_required"), now_ms);
                }
                self.tokens(sb, &rt.user, None, rt.signed_in_ms, now_ms, tenant)
            }
            Some(other) => token_error(
                bad,
                "unsupported_grant_type",
                70003,
                &format!("The app requested an unsupported grant type '{other}'."),
                None,
                now_ms,
            ),
            None => token_error(
                bad,
                "invalid_request",
                900144,
                "The request body must contain the following parameter: 'grant_type'.",
                None,
                now_ms,
            ),
        }
    }

    /// Access, id and refresh token for `user`; the refresh token keeps the sign-in time it came from.
    fn tokens(
        &mut self,
        sb: &Sandbox,
        user: &UserRef,
        nonce: Option<String>,
        signed_in_ms: u64,
        now_ms: u64,
        _tenant: &str,
    ) -> Response<String> {
        let now = now_ms / 1000;
        let exp = now + self.cfg.access_lifetime_secs;
        let tid = sb.tenant_id().to_string();
        let scopes = self.consented(user);
        let wids = sb.roles_of(&user.upn);
        let reg = &self.cfg.registration;
        let access = unsigned_jwt(&json!({
            "aud": "https://graph.microsoft.com",
            "iss": format!("https://sts.windows.net/{tid}/"),
            "iat": now, "nbf": now, "exp": exp,
            "app_displayname": reg.name,
            "appid": reg.client_id,
            "idtyp": "user",
            "name": user.name,
            "oid": user.id,
            "scp": scopes.join(" "),
            "tid": tid,
            "unique_name": user.upn,
            "upn": user.upn,
            "ver": "1.0",
            "wids": wids,
        }));
        let mut id_claims = json!({
            "aud": reg.client_id,
            "iss": format!("{}/{tid}/v2.0", self.cfg.login_base),
            "iat": now, "nbf": now, "exp": now + 3600,
            "name": user.name,
            "oid": user.id,
            "preferred_username": user.upn,
            "login_hint": login_hint_claim(user),
            "sub": guid_of(&format!("{}:{}", reg.client_id, user.id)),
            "tid": tid,
            "ver": "2.0",
        });
        if let Some(n) = nonce {
            id_claims["nonce"] = json!(n);
        }
        let refresh = random_id();
        self.refresh.insert(
            refresh.clone(),
            Refresh {
                user: user.clone(),
                signed_in_ms,
            },
        );
        let mut scope: Vec<String> = scopes.clone();
        scope.extend(["openid", "profile", "offline_access"].map(String::from));
        json_response(
            StatusCode::OK,
            json!({
                "token_type": "Bearer",
                "scope": scope.join(" "),
                "expires_in": self.cfg.access_lifetime_secs,
                "ext_expires_in": self.cfg.access_lifetime_secs,
                "access_token": access,
                "refresh_token": refresh,
                "id_token": unsigned_jwt(&id_claims),
                "client_info": Self::client_info(user, &tid),
            }),
        )
    }

    /// Ends the sign-in session; back to the app when its address is a registered redirect URI.
    fn logout(&mut self, req: &Request<String>, q: &HashMap<String, String>) -> Response<String> {
        // `logout_hint` (MSAL.js sends the account's login_hint claim) ends that account's session only;
        // without one, every session in the browser ends.
        let hint = Hint::parse(q.get("logout_hint").map_or("", String::as_str));
        let mut others_remain = false;
        if let Some(sid) = cookie_of(req, SESSION_COOKIE) {
            if let Some(sessions) = self.sessions.get_mut(&sid).filter(|_| hint != Hint::Nobody) {
                sessions.retain(|u| !hint.names(u));
                others_remain = !sessions.is_empty();
            }
            if !others_remain {
                self.sessions.remove(&sid);
            }
        }
        let clear = if others_remain {
            None
        } else {
            Some(format!(
                "{SESSION_COOKIE}=; Path=/; Secure; HttpOnly; SameSite=None; Max-Age=0"
            ))
        };
        match q.get("post_logout_redirect_uri") {
            Some(uri) if self.cfg.registration.redirect_uris.contains(uri) => {
                let location = match q.get("state") {
                    Some(state) => format!("{uri}?state={}", encode(state)),
                    None => uri.clone(),
                };
                redirect(&location, clear)
            }
            _ => {
                let mut resp = html(StatusCode::OK, pages::signed_out());
                if let Some(v) = clear.and_then(|c| http::HeaderValue::from_str(&c).ok()) {
                    resp.headers_mut().insert(header::SET_COOKIE, v);
                }
                resp
            }
        }
    }
}

/// Entra's wording of a lifetime: `1.00:00:00` for a day, `00:05:00` for five minutes.
fn span(secs: u64) -> String {
    let (d, h, m, s) = (
        secs / 86_400,
        secs % 86_400 / 3600,
        secs % 3600 / 60,
        secs % 60,
    );
    if d > 0 {
        format!("{d}.{h:02}:{m:02}:{s:02}")
    } else {
        format!("{h:02}:{m:02}:{s:02}")
    }
}

/// Entra's default password rule: 8 to 256 characters, three of four kinds.
fn strong(p: &str) -> bool {
    let kinds = [
        p.chars().any(|c| c.is_ascii_lowercase()),
        p.chars().any(|c| c.is_ascii_uppercase()),
        p.chars().any(|c| c.is_ascii_digit()),
        p.chars().any(|c| !c.is_ascii_alphanumeric()),
    ];
    (8..=256).contains(&p.chars().count()) && kinds.iter().filter(|k| **k).count() >= 3
}

#[cfg(test)]
mod tests;
