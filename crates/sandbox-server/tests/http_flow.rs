//! Starts the real `graphwalk-sandbox` on a free port and drives the beta tutorial over HTTP.

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// The server process, stopped when the test ends (even on failure).
struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(extra: &[&str]) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_graphwalk-sandbox"))
        .args(["--port", "0", "--delivery-delay-ms", "0"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start graphwalk-sandbox");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("read the listening line");
    let base = line
        .trim()
        .strip_prefix("listening on ")
        .expect("listening line")
        .to_string();
    Server { child, base }
}

type HttpClient = Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>;

struct Answer {
    status: u16,
    headers: http::HeaderMap,
    body: Value,
}

async fn call(
    c: &HttpClient,
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<Value>,
) -> Answer {
    let mut b = http::Request::builder().method(method).uri(url);
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    let bytes = body.map(|v| Bytes::from(v.to_string())).unwrap_or_default();
    let resp = c
        .request(b.body(Full::new(bytes)).expect("request"))
        .await
        .expect("response");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let raw = resp.into_body().collect().await.expect("body").to_bytes();
    let body = if raw.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&raw).expect("json")
    };
    Answer {
        status,
        headers,
        body,
    }
}

fn id(v: &Value) -> String {
    v["id"].as_str().expect("id").to_string()
}

#[tokio::test]
async fn drives_the_beta_flow_over_http() {
    let server = start(&[]);
    let base = server.base.clone();
    let c: HttpClient = Client::builder(TokioExecutor::new()).build_http();

    // A browser's preflight from a local origin is answered and allows our headers.
    let pre = call(
        &c,
        "OPTIONS",
        &format!("{base}/beta/users"),
        &[
            ("origin", "http://localhost:8080"),
            ("access-control-request-method", "POST"),
            (
                "access-control-request-headers",
                "authorization,content-type",
            ),
        ],
        None,
    )
    .await;
    assert!(
        pre.status == 200 || pre.status == 204,
        "preflight status {}",
        pre.status
    );
    assert_eq!(
        pre.headers
            .get("access-control-allow-origin")
            .and_then(|h| h.to_str().ok()),
        Some("http://localhost:8080")
    );
    let allowed = pre
        .headers
        .get("access-control-allow-headers")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    assert!(
        allowed.contains("authorization") && allowed.contains("content-type"),
        "{allowed}"
    );
    let methods = pre
        .headers
        .get("access-control-allow-methods")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    assert!(
        methods.contains("POST") && methods.contains("DELETE"),
        "{methods}"
    );
    // A foreign origin gets no CORS grant.
    let foreign = call(
        &c,
        "OPTIONS",
        &format!("{base}/beta/users"),
        &[
            ("origin", "https://evil.example"),
            ("access-control-request-method", "GET"),
        ],
        None,
    )
    .await;
    assert!(foreign.headers.get("access-control-allow-origin").is_none());

    // No token: 401.
    let anon = call(&c, "GET", &format!("{base}/v1.0/me"), &[], None).await;
    assert_eq!(anon.status, 401);
    assert_eq!(
        anon.body["error"]["code"],
        json!("InvalidAuthenticationToken")
    );

    let tok = call(&c, "GET", &format!("{base}/_sandbox/token"), &[], None).await;
    let token = format!(
        "Bearer {}",
        tok.body["access_token"].as_str().expect("token")
    );
    let h = [
        ("authorization", token.as_str()),
        ("content-type", "application/json"),
        ("origin", "http://127.0.0.1:5173"),
    ];
    let me = call(&c, "GET", &format!("{base}/v1.0/me"), &h, None).await;
    assert_eq!(me.status, 200);
    assert_eq!(
        me.headers
            .get("access-control-allow-origin")
            .and_then(|v| v.to_str().ok()),
        Some("http://127.0.0.1:5173")
    );
    let domain = me.body["userPrincipalName"]
        .as_str()
        .expect("upn")
        .split('@')
        .nth(1)
        .expect("domain")
        .to_string();

    let g = format!("{base}/beta");
    let em = format!("{g}/identityGovernance/entitlementManagement");
    let user = |name: &str| {
        json!({"accountEnabled":true,"displayName":name,"mailNickname":name,
        "userPrincipalName":format!("{name}@{domain}"),"passwordProfile":{"password":"Contoso1234"}})
    };
    let admin1 = call(&c, "POST", &format!("{g}/users"), &h, Some(user("Admin1"))).await;
    assert_eq!(admin1.status, 201, "{}", admin1.body);
    let requestor = call(
        &c,
        "POST",
        &format!("{g}/users"),
        &h,
        Some(user("Requestor1")),
    )
    .await;
    let requestor = id(&requestor.body);
    let ra = call(&c, "POST", &format!("{g}/roleManagement/directory/roleAssignments"), &h, Some(json!({
        "roleDefinitionId":"45d8d3c5-c802-45c6-b32a-1d70b5e1e86e","principalId":id(&admin1.body),"directoryScopeId":"/"}))).await;
    assert_eq!(ra.status, 201, "{}", ra.body);
    let grp = call(&c, "POST", &format!("{g}/groups"), &h, Some(json!({"description":"Marketing group",
        "displayName":"Marketing resources","mailEnabled":false,"mailNickname":"markres","securityEnabled":true}))).await;
    let group = id(&grp.body);
    let cats = call(
        &c,
        "GET",
        &format!("{em}/accessPackageCatalogs?$filter=(displayName%20eq%20'General')"),
        &h,
        None,
    )
    .await;
    let catalog = id(&cats.body["value"][0]);
    let rr = call(&c, "POST", &format!("{em}/accessPackageResourceRequests"), &h, Some(json!({"catalogId":catalog,
        "requestType":"AdminAdd","accessPackageResource":{"originId":group,"originSystem":"AadGroup"}}))).await;
    assert_eq!(rr.body["requestState"], json!("Delivered"));
    let res = call(&c, "GET", &format!("{em}/accessPackageCatalogs/{catalog}/accessPackageResources?$filter=(displayName+eq+%27Marketing+resources%27)"), &h, None).await;
    let resource = id(&res.body["value"][0]);
    let ap = call(
        &c,
        "POST",
        &format!("{em}/accessPackages"),
        &h,
        Some(json!({"catalogId":catalog,"displayName":"Marketing Campaign"})),
    )
    .await;
    let package = id(&ap.body);
    let rs = call(&c, "POST", &format!("{em}/accessPackages/{package}/accessPackageResourceRoleScopes"), &h, Some(json!({
        "accessPackageResourceRole":{"originId":format!("Member_{group}"),"originSystem":"AadGroup","accessPackageResource":{"id":resource}},
        "accessPackageResourceScope":{"originId":group,"originSystem":"AadGroup"}}))).await;
    assert_eq!(rs.status, 201, "{}", rs.body);
    let pol = call(&c, "POST", &format!("{em}/accessPackageAssignmentPolicies"), &h, Some(json!({"accessPackageId":package,
        "displayName":"direct","durationInDays":30,"requestorSettings":{"scopeType":"SpecificDirectorySubjects","acceptRequests":true,
        "allowedRequestors":[{"@odata.type":"#microsoft.graph.singleUser","id":requestor}]}}))).await;
    let policy = id(&pol.body);
    let req = call(&c, "POST", &format!("{em}/accessPackageAssignmentRequests"), &h, Some(json!({"requestType":"AdminAdd",
        "accessPackageAssignment":{"targetId":requestor,"assignmentPolicyId":policy,"accessPackageId":package}}))).await;
    assert_eq!(req.body["requestState"], json!("Submitted"));
    let got = call(
        &c,
        "GET",
        &format!("{em}/accessPackageAssignmentRequests/{}", id(&req.body)),
        &h,
        None,
    )
    .await;
    assert_eq!(got.body["requestState"], json!("Delivered"));
    let members = call(&c, "GET", &format!("{g}/groups/{group}/members"), &h, None).await;
    assert_eq!(members.body["value"][0]["id"], json!(requestor));
    let asg = call(&c, "GET", &format!("{em}/accessPackageAssignments?$filter=accessPackageAssignmentPolicy/Id+eq+%27{policy}%27"), &h, None).await;
    let assignment = id(&asg.body["value"][0]);
    let rm = call(
        &c,
        "POST",
        &format!("{em}/accessPackageAssignmentRequests"),
        &h,
        Some(json!({"requestType":"AdminRemove",
        "accessPackageAssignment":{"id":assignment}})),
    )
    .await;
    assert_eq!(rm.status, 201);
    // Nothing cascades in Entra: the group leaves the catalog and the role assignment goes by name.
    for url in [
        format!("{em}/accessPackageAssignmentPolicies/{policy}"),
        format!("{em}/accessPackages/{package}"),
    ] {
        let r = call(&c, "DELETE", &url, &h, None).await;
        assert_eq!(r.status, 204, "{url}: {}", r.body);
    }
    let out = call(&c, "POST", &format!("{em}/accessPackageResourceRequests"), &h, Some(json!({"catalogId":catalog,
        "requestType":"AdminRemove","accessPackageResource":{"id":resource,"originId":group,"originSystem":"AadGroup"}}))).await;
    assert_eq!(out.status, 201, "{}", out.body);
    for url in [
        format!(
            "{g}/roleManagement/directory/roleAssignments/{}",
            id(&ra.body)
        ),
        format!("{g}/users/{requestor}"),
        format!("{g}/users/{}", id(&admin1.body)),
        format!("{g}/groups/{group}"),
    ] {
        let r = call(&c, "DELETE", &url, &h, None).await;
        assert_eq!(r.status, 204, "{url}: {}", r.body);
    }

    let st = call(&c, "GET", &format!("{base}/_sandbox/state"), &[], None).await;
    assert_eq!(st.body["beyondSeed"], json!([]));
    assert!(st.body["stats"]["requests"].as_u64().unwrap_or(0) > 15);

    // Paging links point back at this server.
    let two = call(&c, "POST", &format!("{g}/users"), &h, Some(user("Extra1"))).await;
    assert_eq!(two.status, 201);
    let page = call(&c, "GET", &format!("{g}/users?$top=1"), &h, None).await;
    let next = page.body["@odata.nextLink"]
        .as_str()
        .expect("next link")
        .to_string();
    assert!(next.starts_with(&base), "{next}");
    let page2 = call(&c, "GET", &next, &h, None).await;
    assert_eq!(page2.status, 200);
    assert_eq!(page2.body["value"].as_array().map(Vec::len), Some(1));

    let reset = call(&c, "POST", &format!("{base}/_sandbox/reset"), &[], None).await;
    assert_eq!(reset.status, 204);
    let st = call(&c, "GET", &format!("{base}/_sandbox/state"), &[], None).await;
    assert_eq!(st.body["beyondSeed"], json!([]));
    assert_eq!(
        st.body["snapshot"]["users"].as_array().map(Vec::len),
        Some(3)
    );
}

/// A bearer header for the seeded account `upn`, from `/_sandbox/token?upn=`.
async fn bearer_for(c: &HttpClient, base: &str, upn: &str) -> String {
    let tok = call(
        c,
        "GET",
        &format!("{base}/_sandbox/token?upn={}", upn.replace('@', "%40")),
        &[],
        None,
    )
    .await;
    assert_eq!(tok.status, 200, "{}", tok.body);
    assert_eq!(tok.body["upn"], json!(upn));
    format!(
        "Bearer {}",
        tok.body["access_token"].as_str().expect("token")
    )
}

#[tokio::test]
async fn each_seeded_account_is_authorized_by_its_roles() {
    let server = start(&[]);
    let base = server.base.clone();
    let c: HttpClient = Client::builder(TokioExecutor::new()).build_http();
    let domain = "graphwalk-sandbox.onmicrosoft.com";
    let new_user = |nick: &str| {
        json!({"accountEnabled": true, "displayName": nick, "mailNickname": nick,
            "userPrincipalName": format!("{nick}@{domain}"),
            "passwordProfile": {"password": "Contoso1234"}})
    };

    // The member holds no role: creating a user is refused as Graph refuses it.
    let member = bearer_for(&c, &base, &format!("member@{domain}")).await;
    let h = [
        ("authorization", member.as_str()),
        ("content-type", "application/json"),
    ];
    let me = call(&c, "GET", &format!("{base}/v1.0/me"), &h, None).await;
    assert_eq!(
        me.body["userPrincipalName"],
        json!(format!("member@{domain}"))
    );
    let denied = call(
        &c,
        "POST",
        &format!("{base}/v1.0/users"),
        &h,
        Some(new_user("m1")),
    )
    .await;
    assert_eq!(denied.status, 403);
    assert_eq!(
        denied.body["error"]["code"],
        json!("Authorization_RequestDenied")
    );
    assert_eq!(
        denied.body["error"]["message"],
        json!("Insufficient privileges to complete the operation.")
    );
    let em = format!("{base}/v1.0/identityGovernance/entitlementManagement/catalogs");
    let denied = call(&c, "GET", &em, &h, None).await;
    assert_eq!(denied.status, 403);
    assert_eq!(denied.body["error"]["code"], json!("UnAuthorized"));

    // The least-privilege administrator's roles allow both.
    let upn = format!("least-privilege-admin@{domain}");
    let admin = bearer_for(&c, &base, &upn).await;
    let h = [
        ("authorization", admin.as_str()),
        ("content-type", "application/json"),
    ];
    let made = call(
        &c,
        "POST",
        &format!("{base}/v1.0/users"),
        &h,
        Some(new_user("m2")),
    )
    .await;
    assert_eq!(made.status, 201, "{}", made.body);
    assert_eq!(call(&c, "GET", &em, &h, None).await.status, 200);

    // Without the governance licence entitlement management refuses everyone.
    let off = call(
        &c,
        "POST",
        &format!("{base}/_sandbox/licence"),
        &[],
        Some(json!({"governance": false})),
    )
    .await;
    assert_eq!(off.status, 204);
    let refused = call(&c, "GET", &em, &h, None).await;
    assert_eq!(refused.status, 403);
    assert_eq!(refused.body["error"]["code"], json!("NoLicense"));
    let st = call(&c, "GET", &format!("{base}/_sandbox/state"), &[], None).await;
    assert_eq!(st.body["governanceLicence"], json!(false));

    let unknown = call(
        &c,
        "GET",
        &format!("{base}/_sandbox/token?upn=nobody@{domain}"),
        &[],
        None,
    )
    .await;
    assert_eq!(unknown.status, 404);
}

#[test]
fn prints_a_token_for_the_account_asked_for() {
    let out = Command::new(env!("CARGO_BIN_EXE_graphwalk-sandbox"))
        .args([
            "--print-token",
            "--upn",
            "least-privilege-admin@graphwalk-sandbox.onmicrosoft.com",
        ])
        .output()
        .expect("run");
    assert!(out.status.success());
    let token = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let payload = token.split('.').nth(1).expect("payload");
    // The payload is base64url JSON: decode just enough to read `wids`.
    let json = decode_b64url(payload);
    let claims: Value = serde_json::from_slice(&json).expect("claims");
    let mut wids: Vec<&str> = claims["wids"]
        .as_array()
        .expect("wids")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    wids.sort();
    assert_eq!(
        wids,
        [
            "45d8d3c5-c802-45c6-b32a-1d70b5e1e86e",
            "e8611ab8-c189-46e8-94e1-60213ab1f814",
            "fe930be7-5e62-47db-91af-98c3a49a38b1"
        ]
    );
    let missing = Command::new(env!("CARGO_BIN_EXE_graphwalk-sandbox"))
        .args(["--print-token", "--upn", "nobody@example.com"])
        .output()
        .expect("run");
    assert!(!missing.status.success());
}

fn decode_b64url(s: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'-' => 62,
        _ => 63,
    };
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0);
    for c in s.bytes() {
        acc = (acc << 6) | u32::from(value(c));
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

#[test]
fn prints_a_token_and_exits() {
    let out = Command::new(env!("CARGO_BIN_EXE_graphwalk-sandbox"))
        .arg("--print-token")
        .output()
        .expect("run");
    assert!(out.status.success());
    let token = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert_eq!(token.split('.').count(), 3);
}

async fn bearer(c: &HttpClient, base: &str) -> String {
    let tok = call(c, "GET", &format!("{base}/_sandbox/token"), &[], None).await;
    format!(
        "Bearer {}",
        tok.body["access_token"].as_str().expect("token")
    )
}

#[tokio::test]
async fn location_headers_and_v1_sets_on_beta_over_http() {
    let server = start(&[]);
    let base = server.base.clone();
    let c: HttpClient = Client::builder(TokioExecutor::new()).build_http();
    let auth = bearer(&c, &base).await;
    let h = [
        ("authorization", auth.as_str()),
        ("content-type", "application/json"),
    ];
    let em = format!("{base}/beta/identityGovernance/entitlementManagement");
    let created = call(
        &c,
        "POST",
        &format!("{em}/catalogs"),
        &h,
        Some(json!({"displayName": "Over HTTP", "description": "d"})),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let location = created
        .headers
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    assert_eq!(location, format!("{em}/catalogs('{}')", id(&created.body)));
    // The Location leads back to the catalog.
    let back = call(&c, "GET", location, &h, None).await;
    assert_eq!(back.status, 200, "{}", back.body);
    assert_eq!(id(&back.body), id(&created.body));
    // A request the server cannot hand over still gets Graph's error with ids and a date.
    let huge = "x".repeat(3 * 1024 * 1024);
    let big = call(
        &c,
        "POST",
        &format!("{base}/v1.0/users"),
        &[
            ("authorization", auth.as_str()),
            ("client-request-id", "abc"),
        ],
        Some(Value::String(huge)),
    )
    .await;
    assert_eq!(big.status, 413);
    let inner = &big.body["error"]["innerError"];
    assert_eq!(inner["client-request-id"], "abc");
    assert!(inner["request-id"].is_string() && inner["date"].is_string());
}

/// The rules the sandbox shares with Graph hold over HTTP too: bodies checked against the type
/// definitions, advanced queries, soft delete, the licence and replication lag.
#[tokio::test]
async fn graphs_rules_hold_over_http() {
    let server = start(&["--replication-lag-ms", "400"]);
    let base = server.base.clone();
    let c: HttpClient = Client::builder(TokioExecutor::new()).build_http();
    let auth = bearer(&c, &base).await;
    let h = [
        ("authorization", auth.as_str()),
        ("content-type", "application/json"),
    ];
    let code = |a: &Answer| a.body["error"]["code"].as_str().unwrap_or("").to_string();
    let message = |a: &Answer| {
        a.body["error"]["message"]
            .as_str()
            .unwrap_or("")
            .to_string()
    };
    let em = format!("{base}/v1.0/identityGovernance/entitlementManagement");

    // A beta property on a v1.0 entitlement-management body: refused the way Graph's OData reader does.
    let beta_name = call(
        &c,
        "POST",
        &format!("{em}/accessPackages"),
        &h,
        Some(json!({"displayName": "p", "catalogId": "3f2504e0-4f89-41d3-9a0c-0305e82c3301"})),
    )
    .await;
    assert_eq!(beta_name.status, 400, "{}", beta_name.body);
    assert!(
        message(&beta_name)
            .contains("'catalogId' does not exist on type 'microsoft.graph.accessPackage'"),
        "{}",
        beta_name.body
    );
    // A misspelt property on a directory body: the directory's own wording.
    let misspelt = call(
        &c,
        "POST",
        &format!("{base}/v1.0/groups"),
        &h,
        Some(
            json!({"displayName": "g", "mailEnabled": false, "mailNickname": "g",
            "securityEnabled": true, "descripton": "typo"}),
        ),
    )
    .await;
    assert_eq!(misspelt.status, 400, "{}", misspelt.body);
    assert_eq!(code(&misspelt), "Request_BadRequest");
    assert!(
        message(&misspelt).contains("'descripton'"),
        "{}",
        misspelt.body
    );

    // An advanced query needs `ConsistencyLevel: eventual` and `$count=true`.
    let filter = format!("{base}/v1.0/users?$filter=accountEnabled%20ne%20false");
    let plain = call(&c, "GET", &filter, &h, None).await;
    assert_eq!(plain.status, 400, "{}", plain.body);
    assert_eq!(code(&plain), "Request_UnsupportedQuery");
    let eventual = [
        ("authorization", auth.as_str()),
        ("consistencylevel", "eventual"),
    ];
    let advanced = call(&c, "GET", &format!("{filter}&$count=true"), &eventual, None).await;
    assert_eq!(advanced.status, 200, "{}", advanced.body);
    assert!(advanced.body["@odata.count"].is_u64());

    // A new group is not found until it has replicated.
    let group = call(
        &c,
        "POST",
        &format!("{base}/v1.0/groups"),
        &h,
        Some(
            json!({"displayName": "Lagging", "mailEnabled": false, "mailNickname": "lagging",
            "securityEnabled": true}),
        ),
    )
    .await;
    assert_eq!(group.status, 201, "{}", group.body);
    let gid = id(&group.body);
    let url = format!("{base}/v1.0/groups/{gid}");
    assert_eq!(call(&c, "GET", &url, &h, None).await.status, 404);
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    assert_eq!(call(&c, "GET", &url, &h, None).await.status, 200);

    // Deleted, it waits in deleted items and can be restored.
    assert_eq!(call(&c, "DELETE", &url, &h, None).await.status, 204);
    assert_eq!(call(&c, "GET", &url, &h, None).await.status, 404);
    let deleted = call(
        &c,
        "GET",
        &format!("{base}/v1.0/directory/deletedItems/microsoft.graph.group"),
        &h,
        None,
    )
    .await;
    assert_eq!(deleted.status, 200, "{}", deleted.body);
    assert!(deleted.body["value"]
        .as_array()
        .is_some_and(|v| v.iter().any(|g| g["id"] == gid.as_str())));
    let restored = call(
        &c,
        "POST",
        &format!("{base}/v1.0/directory/deletedItems/{gid}/restore"),
        &h,
        Some(json!({})),
    )
    .await;
    assert_eq!(restored.status, 200, "{}", restored.body);
    assert_eq!(call(&c, "GET", &url, &h, None).await.status, 200);

    // Without the governance licence entitlement management refuses; the directory does not care.
    let off = call(
        &c,
        "POST",
        &format!("{base}/_sandbox/licence"),
        &[("content-type", "application/json")],
        Some(json!({"governance": false})),
    )
    .await;
    assert!(off.status < 300, "{}", off.body);
    let refused = call(&c, "GET", &format!("{em}/catalogs"), &h, None).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert_eq!(code(&refused), "NoLicense");
    assert_eq!(call(&c, "GET", &url, &h, None).await.status, 200);
}
