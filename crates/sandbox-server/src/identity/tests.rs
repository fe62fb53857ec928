//! Each rule of the emulated identity platform, driven through `Identity::handle` without HTTP.

use super::*;
use sandbox::{Account, Config};

const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
const REDIRECT: &str = "http://127.0.0.1:8080/redirect.html";
const T0: u64 = 1_800_000_000_000;

struct World {
    sb: Sandbox,
    id: Identity,
    cookie: Option<String>,
}

fn world(cfg: IdentityConfig) -> World {
    World {
        sb: Sandbox::new(Config::default()),
        id: Identity::new(cfg),
        cookie: None,
    }
}

fn client_id() -> String {
    Registration::default().client_id
}

fn authorize_query(extra: &str) -> String {
    format!(
        "client_id={}&scope=User.Read%20User.ReadWrite.All%20openid%20profile%20offline_access&redirect_uri={}&response_mode=fragment&response_type=code&code_challenge={CHALLENGE}&code_challenge_method=S256&state=st-1&nonce=n-1{extra}",
        client_id(),
        encode(REDIRECT)
    )
}

impl World {
    fn send(&mut self, method: &str, uri: &str, body: &str, origin: bool) -> Response<String> {
        let mut b = Request::builder().method(method).uri(uri);
        if let Some(c) = &self.cookie {
            b = b.header(header::COOKIE, c);
        }
        if origin {
            b = b.header(header::ORIGIN, "http://127.0.0.1:8080");
        }
        let req = b.body(body.to_string()).expect("request");
        let resp = self
            .id
            .handle(&self.sb, &req, T0)
            .expect("an identity path");
        if let Some(set) = resp.headers().get(header::SET_COOKIE) {
            let text = set.to_str().expect("ascii").to_string();
            let pair = text.split(';').next().unwrap_or("").to_string();
            self.cookie = if text.contains("Max-Age=0") {
                None
            } else {
                Some(pair)
            };
        }
        resp
    }

    fn send_at(&mut self, at: u64, uri: &str, body: &str) -> Response<String> {
        let req = Request::builder()
            .method("POST")
            .uri(uri)
            .header(header::ORIGIN, "http://127.0.0.1:8080")
            .body(body.to_string())
            .expect("request");
        self.id
            .handle(&self.sb, &req, at)
            .expect("an identity path")
    }

    fn upn(&self, a: Account) -> String {
        self.sb.account_upn(a)
    }

    /// The sign-in page for `tenant`, then the form with `upn` and `password`.
    fn sign_in(&mut self, tenant: &str, upn: &str, password: &str) -> Response<String> {
        self.cookie = None;
        let page = self.send(
            "GET",
            &format!("/{tenant}/oauth2/v2.0/authorize?{}", authorize_query("")),
            "",
            false,
        );
        assert_eq!(page.status(), 200, "{}", page.body());
        let txn = txn_of(page.body());
        self.send(
            "POST",
            &format!("/{tenant}/oauth2/v2.0/authorize"),
            &format!(
                "txn={txn}&step=signin&login={}&passwd={}",
                encode(upn),
                encode(password)
            ),
            false,
        )
    }

    fn redeem(&mut self, code: &str, verifier: &str) -> Response<String> {
        self.send(
            "POST",
            "/organizations/oauth2/v2.0/token",
            &format!(
                "client_id={}&grant_type=authorization_code&code={}&redirect_uri={}&code_verifier={verifier}&scope=User.Read%20openid",
                client_id(),
                encode(code),
                encode(REDIRECT)
            ),
            true,
        )
    }
}

fn txn_of(html: &str) -> String {
    let at = html.find("name=\"txn\" value=\"").expect("a txn field") + 18;
    html[at..].split('"').next().unwrap_or("").to_string()
}

fn location(resp: &Response<String>) -> String {
    resp.headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

fn fragment(resp: &Response<String>) -> HashMap<String, String> {
    let loc = location(resp);
    form(loc.split_once('#').map_or("", |(_, f)| f))
}

fn claims(jwt: &str) -> Value {
    let part = jwt.split('.').nth(1).expect("payload");
    serde_json::from_slice(&b64url_decode(part).expect("base64url")).expect("json")
}

fn error_code(resp: &Response<String>) -> u64 {
    let v: Value = serde_json::from_str(resp.body()).expect("json error");
    v["error_codes"][0].as_u64().expect("a code")
}

#[test]
fn discovery_documents_name_the_endpoints_msal_uses() {
    let mut w = world(IdentityConfig::default());
    let r = w.send(
        "GET",
        "/organizations/v2.0/.well-known/openid-configuration",
        "",
        false,
    );
    let v: Value = serde_json::from_str(r.body()).expect("json");
    assert_eq!(
        v["issuer"],
        "https://login.microsoftonline.com/{tenantid}/v2.0"
    );
    assert_eq!(
        v["authorization_endpoint"],
        "https://login.microsoftonline.com/organizations/oauth2/v2.0/authorize"
    );
    let tid = w.sb.tenant_id().to_string();
    let r = w.send(
        "GET",
        &format!(
            "/{}/v2.0/.well-known/openid-configuration",
            w.sb.default_domain()
        ),
        "",
        false,
    );
    let v: Value = serde_json::from_str(r.body()).expect("json");
    assert_eq!(
        v["token_endpoint"],
        format!("https://login.microsoftonline.com/{tid}/oauth2/v2.0/token")
    );
    let r = w.send(
        "GET",
        "/common/discovery/instance?api-version=1.1&authorization_endpoint=x",
        "",
        false,
    );
    assert!(r.body().contains("tenant_discovery_endpoint"));
    let r = w.send(
        "GET",
        "/contoso.example/v2.0/.well-known/openid-configuration",
        "",
        false,
    );
    assert_eq!(r.status(), 400);
    assert!(r.body().contains("AADSTS90002"));
    assert!(w
        .send("GET", &format!("/{tid}/discovery/v2.0/keys"), "", false)
        .body()
        .contains("keys"));
    let graph = Request::builder()
        .uri("/v1.0/me")
        .body(String::new())
        .expect("req");
    assert!(
        w.id.handle(&w.sb, &graph, T0).is_none(),
        "Graph paths are not the identity platform's"
    );
}

#[test]
fn code_with_pkce_gives_tokens_with_the_users_oid_roles_and_consented_scopes() {
    let mut w = world(IdentityConfig::default());
    let upn = w.upn(Account::LeastPrivilegeAdmin);
    let back = w.sign_in("organizations", &upn, DEFAULT_PASSWORD);
    assert_eq!(back.status(), 302, "{}", back.body());
    assert!(location(&back).starts_with(&format!("{REDIRECT}#code=")));
    let f = fragment(&back);
    assert_eq!(f["state"], "st-1");
    assert!(w.cookie.is_some(), "a session cookie");
    let resp = w.redeem(&f["code"], VERIFIER);
    assert_eq!(resp.status(), 200, "{}", resp.body());
    let v: Value = serde_json::from_str(resp.body()).expect("json");
    let id = claims(v["id_token"].as_str().expect("id token"));
    assert_eq!(id["nonce"], "n-1");
    assert_eq!(id["aud"], client_id());
    assert_eq!(id["preferred_username"], upn);
    assert_eq!(id["tid"], w.sb.tenant_id());
    assert_eq!(
        id["iss"],
        format!(
            "https://login.microsoftonline.com/{}/v2.0",
            w.sb.tenant_id()
        )
    );
    let at = claims(v["access_token"].as_str().expect("access token"));
    let user =
        w.sb.snapshot()
            .users
            .into_iter()
            .find(|u| u.user_principal_name == upn)
            .expect("user");
    assert_eq!(at["oid"], user.id);
    assert_eq!(id["oid"], user.id);
    assert_eq!(at["upn"], upn);
    let wids: Vec<&str> = at["wids"]
        .as_array()
        .expect("wids")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(wids.len(), 3);
    assert!(wids.contains(&roles::USER_ADMIN));
    // Admin consent covers every configured permission: all of them are in scp.
    let scp = at["scp"].as_str().expect("scp");
    for s in GRAPHWALK_PERMISSIONS {
        assert!(scp.split(' ').any(|x| x == *s), "{s} in {scp}");
    }
    // The token works against the tenant.
    let me = Request::builder()
        .uri("/v1.0/me")
        .header(
            "authorization",
            format!("Bearer {}", v["access_token"].as_str().unwrap_or("")),
        )
        .body(String::new())
        .expect("req");
    assert_eq!(w.sb.handle(&me, T0).status(), 200);
    // A code is redeemed once.
    assert_eq!(error_code(&w.redeem(&f["code"], VERIFIER)), 54005);
}

#[test]
fn a_wrong_verifier_or_no_origin_is_refused() {
    let mut w = world(IdentityConfig::default());
    let upn = w.upn(Account::GlobalAdmin);
    let f = fragment(&w.sign_in("organizations", &upn, DEFAULT_PASSWORD));
    assert_eq!(
        error_code(&w.redeem(&f["code"], "not-the-verifier-at-all-0123456789012345")),
        501481
    );
    let f = fragment(&w.sign_in("organizations", &upn, DEFAULT_PASSWORD));
    let no_origin = w.send(
        "POST",
        "/organizations/oauth2/v2.0/token",
        &format!("client_id={}&grant_type=authorization_code&code={}&redirect_uri={}&code_verifier={VERIFIER}", client_id(), encode(&f["code"]), encode(REDIRECT)),
        false,
    );
    assert_eq!(error_code(&no_origin), 9002327);
}

#[test]
fn a_wrong_password_stays_on_the_page_with_aadsts50126() {
    let mut w = world(IdentityConfig::default());
    let upn = w.upn(Account::Member);
    let resp = w.sign_in("organizations", &upn, "wrong");
    assert_eq!(resp.status(), 200);
    assert!(resp.body().contains("AADSTS50126"));
    assert!(resp.body().contains("role=\"alert\""));
    assert!(w.cookie.is_none());
    let unknown = w.sign_in(
        "organizations",
        "nobody@graphwalk-sandbox.onmicrosoft.com",
        DEFAULT_PASSWORD,
    );
    assert!(unknown.body().contains("AADSTS50034"));
}

#[test]
fn an_unregistered_redirect_uri_is_aadsts50011_on_entras_own_page() {
    let mut w = world(IdentityConfig::default());
    let q = authorize_query("").replace(
        &encode(REDIRECT),
        &encode("http://127.0.0.1:9999/redirect.html"),
    );
    let resp = w.send(
        "GET",
        &format!("/organizations/oauth2/v2.0/authorize?{q}"),
        "",
        false,
    );
    assert_eq!(resp.status(), 400);
    assert!(resp.body().contains("AADSTS50011"));
    assert!(
        location(&resp).is_empty(),
        "never redirected to an unregistered address"
    );
}

#[test]
fn a_single_tenant_app_through_organizations_is_aadsts50194() {
    let mut cfg = IdentityConfig::default();
    cfg.registration.multi_tenant = false;
    let mut w = world(cfg);
    for tenant in ["organizations", "common"] {
        let resp = w.send(
            "GET",
            &format!("/{tenant}/oauth2/v2.0/authorize?{}", authorize_query("")),
            "",
            false,
        );
        assert!(resp.body().contains("AADSTS50194"), "{tenant}");
    }
    let tid = w.sb.tenant_id().to_string();
    let resp = w.send(
        "GET",
        &format!("/{tid}/oauth2/v2.0/authorize?{}", authorize_query("")),
        "",
        false,
    );
    assert_eq!(resp.status(), 200, "the tenant's own authority works");
}

#[test]
fn without_admin_consent_an_administrator_sees_the_scopes_and_a_member_needs_admin_approval() {
    let mut cfg = IdentityConfig::default();
    cfg.registration.admin_consent = false;
    let mut w = world(cfg);
    let member = w.upn(Account::Member);
    let page = w.sign_in("organizations", &member, DEFAULT_PASSWORD);
    assert_eq!(page.status(), 200);
    assert!(page.body().contains("Need admin approval"));
    assert!(page.body().contains("User.ReadWrite.All"));
    let txn = txn_of(page.body());
    let back = w.send(
        "POST",
        "/organizations/oauth2/v2.0/authorize",
        &format!("txn={txn}&step=back"),
        false,
    );
    assert_eq!(fragment(&back)["error"], "access_denied");
    // Silently, with a session but no consent: consent_required, AADSTS65001.
    let silent = w.send(
        "GET",
        &format!(
            "/organizations/oauth2/v2.0/authorize?{}",
            authorize_query("&prompt=none")
        ),
        "",
        false,
    );
    let f = fragment(&silent);
    assert_eq!(f["error"], "consent_required");
    assert!(f["error_description"].starts_with("AADSTS65001"));
    // The Global Administrator consents for the organization; then the member gets through.
    w.cookie = None;
    let admin = w.upn(Account::GlobalAdmin);
    let page = w.sign_in("organizations", &admin, DEFAULT_PASSWORD);
    assert!(page.body().contains("Permissions requested"));
    assert!(page.body().contains("on behalf of your organization"));
    let txn = txn_of(page.body());
    let done = w.send(
        "POST",
        "/organizations/oauth2/v2.0/authorize",
        &format!("txn={txn}&step=consent"),
        false,
    );
    assert!(fragment(&done).contains_key("code"), "{}", location(&done));
    w.cookie = None;
    let back = w.sign_in("organizations", &member, DEFAULT_PASSWORD);
    assert!(fragment(&back).contains_key("code"));
}

#[test]
fn declining_consent_goes_back_with_access_denied() {
    let mut cfg = IdentityConfig::default();
    cfg.registration.admin_consent = false;
    let mut w = world(cfg);
    let admin = w.upn(Account::GlobalAdmin);
    let page = w.sign_in("organizations", &admin, DEFAULT_PASSWORD);
    let txn = txn_of(page.body());
    let back = w.send(
        "POST",
        "/organizations/oauth2/v2.0/authorize",
        &format!("txn={txn}&step=decline"),
        false,
    );
    let f = fragment(&back);
    assert_eq!(f["error"], "access_denied");
    assert!(f["error_description"].starts_with("AADSTS65004"));
    assert_eq!(f["state"], "st-1");
}

#[test]
fn silent_sign_in_needs_the_session_cookie() {
    let mut w = world(IdentityConfig::default());
    let none = w.send(
        "GET",
        &format!(
            "/organizations/oauth2/v2.0/authorize?{}",
            authorize_query("&prompt=none")
        ),
        "",
        false,
    );
    let f = fragment(&none);
    assert_eq!(f["error"], "login_required");
    assert!(f["error_description"].starts_with("AADSTS50058"));
    let upn = w.upn(Account::GlobalAdmin);
    w.sign_in("organizations", &upn, DEFAULT_PASSWORD);
    let again = w.send(
        "GET",
        &format!(
            "/organizations/oauth2/v2.0/authorize?{}",
            authorize_query("&prompt=none")
        ),
        "",
        false,
    );
    assert!(fragment(&again).contains_key("code"));
    // Logout ends the session and returns to a registered address with the state.
    let out = w.send(
        "GET",
        &format!(
            "/organizations/oauth2/v2.0/logout?post_logout_redirect_uri={}&state=s2",
            encode(REDIRECT)
        ),
        "",
        false,
    );
    assert_eq!(location(&out), format!("{REDIRECT}?state=s2"));
    assert!(w.cookie.is_none());
    let after = w.send(
        "GET",
        &format!(
            "/organizations/oauth2/v2.0/authorize?{}",
            authorize_query("&prompt=none")
        ),
        "",
        false,
    );
    assert_eq!(fragment(&after)["error"], "login_required");
}

#[test]
fn refresh_tokens_last_a_fixed_time_from_sign_in_then_aadsts700084() {
    let mut w = world(IdentityConfig {
        refresh_lifetime_ms: 120_000,
        ..IdentityConfig::default()
    });
    let upn = w.upn(Account::GlobalAdmin);
    let f = fragment(&w.sign_in("organizations", &upn, DEFAULT_PASSWORD));
    let v: Value = serde_json::from_str(w.redeem(&f["code"], VERIFIER).body()).expect("json");
    let rt = v["refresh_token"].as_str().expect("rt").to_string();
    let body = |rt: &str| {
        format!(
            "client_id={}&grant_type=refresh_token&refresh_token={}&scope=User.Read%20openid",
            client_id(),
            encode(rt)
        )
    };
    let renewed = w.send_at(T0 + 60_000, "/organizations/oauth2/v2.0/token", &body(&rt));
    assert_eq!(renewed.status(), 200, "{}", renewed.body());
    let v: Value = serde_json::from_str(renewed.body()).expect("json");
    let rt2 = v["refresh_token"].as_str().expect("rt2").to_string();
    // The replacement keeps the first one's end: used after 2 minutes from sign-in, it is refused.
    let late = w.send_at(
        T0 + 120_000,
        "/organizations/oauth2/v2.0/token",
        &body(&rt2),
    );
    assert_eq!(late.status(), 400);
    assert_eq!(error_code(&late), 700084);
    let text: Value = serde_json::from_str(late.body()).expect("json");
    assert_eq!(text["error"], "invalid_grant");
    assert!(text["error_description"]
        .as_str()
        .unwrap_or("")
        .contains("00:02:00"));
    assert_eq!(span(86_400), "1.00:00:00");
}

#[test]
fn refreshing_for_scopes_nobody_consented_to_is_aadsts65001() {
    let mut cfg = IdentityConfig::default();
    cfg.registration.permissions = vec!["User.Read".into(), "User.ReadWrite.All".into()];
    let mut w = world(cfg);
    let upn = w.upn(Account::GlobalAdmin);
    let f = fragment(&w.sign_in("organizations", &upn, DEFAULT_PASSWORD));
    let v: Value = serde_json::from_str(w.redeem(&f["code"], VERIFIER).body()).expect("json");
    let rt = v["refresh_token"].as_str().expect("rt");
    let resp = w.send_at(
        T0,
        "/organizations/oauth2/v2.0/token",
        &format!(
            "client_id={}&grant_type=refresh_token&refresh_token={}&scope=Group.ReadWrite.All",
            client_id(),
            encode(rt)
        ),
    );
    assert_eq!(error_code(&resp), 65001);
    let v: Value = serde_json::from_str(resp.body()).expect("json");
    assert_eq!(v["suberror"], "consent_required");
}

#[test]
fn a_new_user_changes_the_password_at_first_sign_in() {
    let mut cfg = IdentityConfig::default();
    let sb = Sandbox::new(Config::default());
    let member = sb.account_upn(Account::Member);
    cfg.must_change_password = vec![member.clone()];
    let mut w = world(cfg);
    let page = w.sign_in("organizations", &member, DEFAULT_PASSWORD);
    assert!(page.body().contains("Update your password"));
    let txn = txn_of(page.body());
    let weak = w.send(
        "POST",
        "/organizations/oauth2/v2.0/authorize",
        &format!(
            "txn={txn}&step=change&current={}&new=short&confirm=short",
            encode(DEFAULT_PASSWORD)
        ),
        false,
    );
    assert!(weak.body().contains("at least 8 characters"));
    let ok = w.send(
        "POST",
        "/organizations/oauth2/v2.0/authorize",
        &format!(
            "txn={txn}&step=change&current={}&new=N3w-Passw0rd&confirm=N3w-Passw0rd",
            encode(DEFAULT_PASSWORD)
        ),
        false,
    );
    assert!(fragment(&ok).contains_key("code"), "{}", ok.body());
    w.cookie = None;
    assert!(w
        .sign_in("organizations", &member, DEFAULT_PASSWORD)
        .body()
        .contains("AADSTS50126"));
    assert!(fragment(&w.sign_in("organizations", &member, "N3w-Passw0rd")).contains_key("code"));
}

#[test]
fn the_sign_in_page_cannot_be_framed_and_escapes_the_login_hint() {
    let mut w = world(IdentityConfig::default());
    let q = authorize_query("&login_hint=%22%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E");
    let page = w.send(
        "GET",
        &format!("/organizations/oauth2/v2.0/authorize?{q}"),
        "",
        false,
    );
    assert_eq!(page.headers()[header::X_FRAME_OPTIONS], "DENY");
    assert!(!page.body().contains("<script>"));
    assert!(page.body().contains("&lt;script&gt;"));
}

/// A user the tutorial creates through Graph, with `passwordProfile`.
fn create_user(w: &mut World, local: &str, force_change: bool, enabled: bool) -> String {
    let upn = format!("{local}@{}", w.sb.default_domain());
    let body = json!({
        "accountEnabled": enabled,
        "displayName": local,
        "mailNickname": local,
        "userPrincipalName": upn,
        "passwordProfile": {"password": "Tutorial-Pa55", "forceChangePasswordNextSignIn": force_change}
    });
    let req = Request::builder()
        .method("POST")
        .uri("/v1.0/users")
        .header(
            header::AUTHORIZATION,
            format!("Bearer {}", w.sb.admin_token(T0)),
        )
        .header(header::CONTENT_TYPE, "application/json")
        .body(body.to_string())
        .expect("request");
    let resp = w.sb.handle(&req, T0);
    assert_eq!(resp.status(), 201, "{}", resp.body());
    assert!(
        !resp.body().contains("Tutorial-Pa55"),
        "Graph never returns a password"
    );
    upn
}

#[test]
fn a_user_graph_created_signs_in_with_the_password_profile_and_changes_it_first() {
    let mut w = world(IdentityConfig::default());
    let upn = create_user(&mut w, "requestor1", true, true);
    assert!(w
        .sign_in("organizations", &upn, DEFAULT_PASSWORD)
        .body()
        .contains("AADSTS50126"));
    let page = w.sign_in("organizations", &upn, "Tutorial-Pa55");
    assert!(
        page.body().contains("Update your password"),
        "{}",
        page.body()
    );
    let txn = txn_of(page.body());
    let ok = w.send(
        "POST",
        "/organizations/oauth2/v2.0/authorize",
        &format!("txn={txn}&step=change&current=Tutorial-Pa55&new=Chosen-Pa55&confirm=Chosen-Pa55"),
        false,
    );
    let code = fragment(&ok).get("code").cloned().expect("a code");
    let tokens: Value = serde_json::from_str(w.redeem(&code, VERIFIER).body()).expect("json");
    let access = claims(tokens["access_token"].as_str().expect("an access token"));
    assert!(access["upn"]
        .as_str()
        .is_some_and(|u| u.eq_ignore_ascii_case(&upn)));
    assert!(fragment(&w.sign_in("organizations", &upn, "Chosen-Pa55")).contains_key("code"));
}

#[test]
fn without_force_change_the_created_password_works_and_a_disabled_account_is_aadsts50057() {
    let mut w = world(IdentityConfig::default());
    let upn = create_user(&mut w, "plain1", false, true);
    assert!(fragment(&w.sign_in("organizations", &upn, "Tutorial-Pa55")).contains_key("code"));
    let off = create_user(&mut w, "off1", false, false);
    let page = w.sign_in("organizations", &off, "Tutorial-Pa55");
    assert!(page.body().contains("AADSTS50057"), "{}", page.body());
    assert!(!fragment(&page).contains_key("code"));
}

/// The tokens the code in `resp` (a sign-in's redirect back) redeems for.
fn tokens_of(w: &mut World, resp: &Response<String>) -> Value {
    let code = fragment(resp)
        .get("code")
        .cloned()
        .unwrap_or_else(|| panic!("a code: {}", location(resp)));
    serde_json::from_str(w.redeem(&code, VERIFIER).body()).expect("json")
}

/// The refresh token grant with `refresh`.
fn renew(w: &mut World, refresh: &str) -> Response<String> {
    w.send(
        "POST",
        "/organizations/oauth2/v2.0/token",
        &format!(
            "client_id={}&grant_type=refresh_token&refresh_token={refresh}&scope=User.Read",
            client_id()
        ),
        true,
    )
}

/// `prompt=none` for the account `hint` names (none when empty), in the browser `w` stands for.
fn silent_for(w: &mut World, hint: &str) -> Response<String> {
    let extra = if hint.is_empty() {
        "&prompt=none".to_string()
    } else {
        format!("&prompt=none&login_hint={}", encode(hint))
    };
    w.send(
        "GET",
        &format!(
            "/organizations/oauth2/v2.0/authorize?{}",
            authorize_query(&extra)
        ),
        "",
        false,
    )
}

/// The `preferred_username` of the ID token the code in `resp` redeems for.
fn signed_in_as(w: &mut World, resp: &Response<String>) -> String {
    let tokens = tokens_of(w, resp);
    claims(tokens["id_token"].as_str().expect("an ID token"))["preferred_username"]
        .as_str()
        .expect("a name")
        .to_string()
}

#[test]
fn several_accounts_in_one_browser_each_answer_when_named_and_none_is_guessed() {
    let mut w = world(IdentityConfig::default());
    let admin = w.upn(Account::GlobalAdmin);
    let member = w.upn(Account::Member);
    w.sign_in("organizations", &admin, DEFAULT_PASSWORD);
    let browser = w.cookie.clone();
    // A second account signs in with prompt=login in the same browser (MSAL.js's popup for it).
    let page = w.send(
        "GET",
        &format!(
            "/organizations/oauth2/v2.0/authorize?{}",
            authorize_query(&format!("&prompt=login&login_hint={}", encode(&member)))
        ),
        "",
        false,
    );
    assert!(
        page.body().contains(&format!("value=\"{member}\"")),
        "the hinted name is filled in"
    );
    let txn = txn_of(page.body());
    let done = w.send(
        "POST",
        "/organizations/oauth2/v2.0/authorize",
        &format!(
            "txn={txn}&step=signin&login={}&passwd={}",
            encode(&member),
            encode(DEFAULT_PASSWORD)
        ),
        false,
    );
    assert_eq!(signed_in_as(&mut w, &done), member);
    assert_eq!(
        w.cookie, browser,
        "one browser, one cookie holding both sessions"
    );

    // Each answers when named: by user name, or by the ID token's opaque login_hint claim (what
    // MSAL.js's hidden frame sends for a known account).
    let named = silent_for(&mut w, &admin);
    assert_eq!(
        signed_in_as(&mut w, &named),
        admin,
        "the first account's session is still there"
    );
    let member_ref = Identity::find_user(&w.sb, &member).expect("the member");
    let by_claim = silent_for(&mut w, &login_hint_claim(&member_ref));
    assert_eq!(signed_in_as(&mut w, &by_claim), member);
    // Without a name Entra would have to ask which one.
    let f = fragment(&silent_for(&mut w, ""));
    assert_eq!(f["error"], "interaction_required");
    assert!(
        f["error_description"].starts_with("AADSTS16000"),
        "{}",
        f["error_description"]
    );
    // A name that is not signed in here gets nobody else's session.
    let stranger = w.upn(Account::LeastPrivilegeAdmin);
    let f = fragment(&silent_for(&mut w, &stranger));
    assert_eq!(f["error"], "login_required");
    assert!(
        f["error_description"].contains("none of the currently signed in user(s) match"),
        "{}",
        f["error_description"]
    );
    // Without prompt, a named account with a session signs in without the form.
    let again = w.send(
        "GET",
        &format!(
            "/organizations/oauth2/v2.0/authorize?{}",
            authorize_query(&format!("&login_hint={}", encode(&admin)))
        ),
        "",
        false,
    );
    assert_eq!(signed_in_as(&mut w, &again), admin);
    // Logout with a logout_hint (MSAL.js sends the account's login_hint claim) ends that session only.
    w.send(
        "GET",
        &format!(
            "/organizations/oauth2/v2.0/logout?logout_hint={}",
            login_hint_claim(&member_ref)
        ),
        "",
        false,
    );
    assert_eq!(w.cookie, browser, "the browser keeps its other session");
    assert_eq!(
        fragment(&silent_for(&mut w, &member))["error"],
        "login_required"
    );
    let kept = silent_for(&mut w, &admin);
    assert_eq!(signed_in_as(&mut w, &kept), admin);
    // Without one, every session in the browser ends.
    w.send("GET", "/organizations/oauth2/v2.0/logout", "", false);
    assert!(w.cookie.is_none());
    assert_eq!(
        fragment(&silent_for(&mut w, &admin))["error"],
        "login_required"
    );
}

#[test]
fn a_login_hint_claim_names_one_account_and_a_typed_name_whoever_holds_it() {
    let user = UserRef {
        id: "0b1f".into(),
        upn: "ada@contoso.example".into(),
        name: "Ada".into(),
    };
    let claim = Hint::parse(&login_hint_claim(&user));
    assert_eq!(
        claim.upn(),
        "ada@contoso.example",
        "the sign-in page can fill the name in"
    );
    assert!(claim.names(&user));
    let successor = UserRef {
        id: "9c2e".into(),
        ..user.clone()
    };
    assert!(
        !claim.names(&successor),
        "an account created later under the name is someone else"
    );
    assert!(
        Hint::parse("ADA@contoso.example").names(&successor),
        "a typed name is whoever holds it"
    );
    assert_eq!(Hint::parse(""), Hint::Nobody);
    assert_eq!(Hint::parse("not base64!"), Hint::Name("not base64!".into()));
    assert_eq!(
        b64url_decode(&b64url(b"any bytes \x00\xff")).as_deref(),
        Some(&b"any bytes \x00\xff"[..])
    );
    assert_eq!(
        b64url_decode("A"),
        None,
        "one leftover character is not base64url"
    );
}

/// Sends a Graph request as the seeded administrator and returns the status.
fn graph_as_admin(w: &mut World, method: &str, uri: &str, body: Value) -> u16 {
    let req = Request::builder()
        .method(method)
        .uri(uri)
        .header(
            header::AUTHORIZATION,
            format!("Bearer {}", w.sb.admin_token(T0)),
        )
        .header(header::CONTENT_TYPE, "application/json")
        .body(if body.is_null() {
            String::new()
        } else {
            body.to_string()
        })
        .expect("request");
    w.sb.handle(&req, T0).status().as_u16()
}

fn user_id(w: &World, upn: &str) -> String {
    w.sb.snapshot()
        .users
        .into_iter()
        .find(|u| u.user_principal_name.eq_ignore_ascii_case(upn))
        .map(|u| u.id)
        .expect("the user")
}

#[test]
fn a_deleted_user_signs_in_no_more_and_a_new_one_by_the_same_name_starts_over() {
    let mut w = world(IdentityConfig::default());
    let upn = create_user(&mut w, "requestor1", true, true);
    let page = w.sign_in("organizations", &upn, "Tutorial-Pa55");
    let txn = txn_of(page.body());
    let ok = w.send(
        "POST",
        "/organizations/oauth2/v2.0/authorize",
        &format!("txn={txn}&step=change&current=Tutorial-Pa55&new=Chosen-Pa55&confirm=Chosen-Pa55"),
        false,
    );
    let tokens = tokens_of(&mut w, &ok);
    let refresh = tokens["refresh_token"]
        .as_str()
        .expect("a refresh token")
        .to_string();
    let id = user_id(&w, &upn);
    assert_eq!(
        graph_as_admin(&mut w, "DELETE", &format!("/v1.0/users/{id}"), Value::Null),
        204
    );

    // Neither the refresh token nor the browser's session gets a token for the deleted account.
    let renew = renew(&mut w, &refresh);
    assert_eq!(renew.status(), 400);
    assert_eq!(error_code(&renew), 50034, "{}", renew.body());
    assert_eq!(
        fragment(&silent_for(&mut w, &upn))["error"],
        "login_required"
    );

    // Created again under the same name, it is a new account: Graph's password, changed first.
    create_user(&mut w, "requestor1", true, true);
    assert!(w
        .sign_in("organizations", &upn, "Chosen-Pa55")
        .body()
        .contains("AADSTS50126"));
    let again = w.sign_in("organizations", &upn, "Tutorial-Pa55");
    assert!(
        again.body().contains("Update your password"),
        "{}",
        again.body()
    );
}

#[test]
fn a_disabled_account_gets_no_token_from_its_session_or_refresh_token() {
    let mut w = world(IdentityConfig::default());
    let upn = create_user(&mut w, "plain1", false, true);
    let done = w.sign_in("organizations", &upn, "Tutorial-Pa55");
    let tokens = tokens_of(&mut w, &done);
    let refresh = tokens["refresh_token"]
        .as_str()
        .expect("a refresh token")
        .to_string();
    let id = user_id(&w, &upn);
    assert_eq!(
        graph_as_admin(
            &mut w,
            "PATCH",
            &format!("/v1.0/users/{id}"),
            json!({"accountEnabled": false})
        ),
        204
    );
    let renew = renew(&mut w, &refresh);
    assert_eq!(error_code(&renew), 50057, "{}", renew.body());
    assert_eq!(
        fragment(&silent_for(&mut w, &upn))["error"],
        "login_required"
    );
}
