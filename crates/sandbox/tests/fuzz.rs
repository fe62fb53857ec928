//! Property test: no request, however malformed, makes `handle` panic, and every answer is well formed.
#![cfg(not(target_arch = "wasm32"))]

use std::cell::Cell;

use proptest::prelude::*;
use proptest::test_runner::{TestCaseError, TestRunner};
use sandbox::{Config, Faults, Sandbox};

const SEGMENTS: &[&str] = &[
    "beta",
    "v1.0",
    "users",
    "groups",
    "me",
    "members",
    "owners",
    "$ref",
    "organization",
    "domains",
    "identityGovernance",
    "entitlementManagement",
    "accessPackages",
    "catalogs",
    "accessPackageCatalogs",
    "assignmentRequests",
    "accessPackageAssignmentRequests",
    "assignments",
    "accessPackageAssignments",
    "assignmentPolicies",
    "accessPackageAssignmentPolicies",
    "resourceRequests",
    "accessPackageResourceRequests",
    "resources",
    "accessPackageResources",
    "resourceRoles",
    "accessPackageResourceRoles",
    "resourceRoleScopes",
    "accessPackageResourceRoleScopes",
    "roleManagement",
    "directory",
    "roleDefinitions",
    "roleAssignments",
    "filterByCurrentUser(on='target')",
    "filterByCurrentUser(on='x')",
    "users('abc')",
    "62e90394-69f5-4237-9190-012177145e10",
    "00000000-0000-0000-0000-000000000000",
    "%zz",
    "%27",
    "",
];

const QUERIES: &[&str] = &[
    "$filter=displayName eq 'General'",
    "$filter=(a eq 1",
    "$filter=id eq 'bad'",
    "$filter=not not not x",
    "$filter=contains(tolower(displayName),'g') or x ne null",
    "$filter=target/objectId eq 62e90394-69f5-4237-9190-012177145e10",
    "$filter=roles/any(r:r eq 1)",
    "$filter=a/b/c/d eq true and (x gt 1.5e300)",
    "$filter='",
    "$filter=(((((",
    "$select=id,,displayName",
    "$select=*",
    "$expand=*",
    "$expand=a($expand=b($expand=c))",
    "$expand=)(",
    "$top=1",
    "$top=-1",
    "$top=99999999999999999999",
    "$skiptoken=Z3ctc2tpcDo5OTk5OTk5OTk5OTk5OTk5OTk5OQ",
    "$skiptoken=%%%",
    "$count=true",
    "$search=x",
    "filter=x",
    "=",
    "&&&",
];

const BODIES: &[&str] = &[
    "", "{", "[]", "null", "\"x\"", "{}", "{\"displayName\":5}",
    "{\"accountEnabled\":true,\"displayName\":\"A\",\"mailNickname\":\"a\",\"userPrincipalName\":\"a@graphwalk-sandbox.onmicrosoft.com\",\"passwordProfile\":{\"password\":\"Contoso1234\"}}",
    "{\"displayName\":\"G\",\"mailEnabled\":false,\"mailNickname\":\"g\",\"securityEnabled\":true,\"members@odata.bind\":[\"x\",5]}",
    "{\"requestType\":\"AdminAdd\",\"accessPackageAssignment\":{\"targetId\":\"x\"}}",
    "{\"requestType\":\"adminRemove\",\"assignment\":{\"id\":\"62e90394-69f5-4237-9190-012177145e10\"}}",
    "{\"catalogId\":\"x\",\"requestType\":\"AdminAdd\",\"accessPackageResource\":{\"originId\":null}}",
    "{\"role\":{\"originId\":\"Member_\"},\"scope\":7}", "{\"durationInDays\":-1,\"accessPackageId\":[]}",
    "{\"@odata.id\":\"https://graph.microsoft.com/v1.0/directoryObjects/\"}",
    "{\"roleDefinitionId\":\"62e90394-69f5-4237-9190-012177145e10\",\"principalId\":\"62e90394-69f5-4237-9190-012177145e10\",\"directoryScopeId\":\"/\"}",
];

const METHODS: &[&str] = &["GET", "POST", "PATCH", "PUT", "DELETE", "OPTIONS", "HEAD"];

fn text() -> impl Strategy<Value = String> {
    proptest::collection::vec(any::<char>(), 0..24).prop_map(|v| v.into_iter().collect())
}

fn pick(list: &'static [&'static str]) -> impl Strategy<Value = String> {
    (0..list.len()).prop_map(move |i| list[i].to_string())
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z'
            | b'a'..=b'z'
            | b'0'..=b'9'
            | b'-'
            | b'.'
            | b'_'
            | b'~'
            | b'$'
            | b'\''
            | b'('
            | b')'
            | b'='
            | b'&'
            | b','
            | b'/'
            | b'%' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn request() -> impl Strategy<Value = (String, String, String, String, Option<String>)> {
    (
        pick(METHODS),
        proptest::collection::vec(prop_oneof![4 => pick(SEGMENTS), 1 => text()], 0..7),
        proptest::collection::vec(prop_oneof![3 => pick(QUERIES), 1 => text()], 0..4),
        prop_oneof![3 => pick(BODIES), 1 => text()],
        prop_oneof![3 => Just(Some("good".to_string())), 1 => Just(None), 1 => text().prop_map(Some)],
    )
        .prop_map(|(m, segs, qs, body, auth)| (m, format!("/{}", segs.join("/")), qs.join("&"), body, auth))
}

type Request = (String, String, String, String, Option<String>);

fn uri(path: &str, query: &str) -> String {
    if query.is_empty() {
        encode(path)
    } else {
        format!("{}?{}", encode(path), encode(query))
    }
}

/// Runs `test` on `cases` generated values. The figures printed are counted as the cases run: how many
/// reached `handle` at least once, and how many calls `test` recorded, so a failure shows how far it got.
fn fuzz<S: Strategy>(
    what: &str,
    cases: u32,
    strategy: S,
    test: impl Fn(S::Value, &Cell<usize>) -> Result<(), TestCaseError>,
) {
    let mut runner = TestRunner::new(ProptestConfig {
        cases,
        ..ProptestConfig::default()
    });
    let (ran, requests) = (Cell::new(0usize), Cell::new(0usize));
    let result = runner.run(&strategy, |value| {
        let before = requests.get();
        let outcome = test(value, &requests);
        if requests.get() > before {
            ran.set(ran.get() + 1);
        }
        outcome
    });
    println!(
        "sandbox fuzz ({what}): cases {}, requests handled {}",
        ran.get(),
        requests.get()
    );
    if let Err(e) = result {
        panic!("{what}: {e}");
    }
}

/// One request to a fresh tenant with random faults, at three times; counts each call to `handle` in `sent`.
fn one_request(
    ((method, path, query, body, auth), seed, lag): (Request, u64, u64),
    sent: &Cell<usize>,
) -> Result<(), TestCaseError> {
    let faults = Faults {
        throttle_rate: 0.05,
        unavailable_rate: 0.05,
        retry_after_secs: 1,
        replication_lag_ms: lag * 10,
    };
    let mut sb = Sandbox::new(Config {
        seed,
        delivery_delay_ms: 0,
        faults,
        ..Config::default()
    });
    let token = sb.admin_token(1_000_000);
    let uri = uri(&path, &query);
    let mut b = http::Request::builder()
        .method(method.as_str())
        .uri(uri.as_str());
    match auth.as_deref() {
        Some("good") => b = b.header("authorization", format!("Bearer {token}")),
        Some(other) => {
            if let Ok(v) = http::HeaderValue::from_str(&format!("Bearer {other}")) {
                b = b.header("authorization", v);
            }
        }
        None => {}
    }
    // Requests the http crate cannot even build never reach `handle`, and are not counted.
    let Ok(req) = b.body(body) else {
        return Ok(());
    };
    for now in [1_000_000u64, 1_000_005, 1_000_050] {
        let resp = sb.handle(&req, now);
        sent.set(sent.get() + 1);
        let status = resp.status().as_u16();
        prop_assert!((200..600).contains(&status));
        if status == 204 {
            prop_assert!(resp.body().is_empty());
        } else {
            let v: Result<serde_json::Value, _> = serde_json::from_str(resp.body());
            prop_assert!(v.is_ok(), "not JSON: {}", resp.body());
        }
        prop_assert!(resp.headers().contains_key("request-id"));
    }
    Ok(())
}

#[test]
fn handle_never_panics() {
    fuzz(
        "random requests",
        1500,
        (request(), 0u64..4, 0u64..2),
        one_request,
    );
}

/// Sequences on one tenant, so later requests meet what earlier ones created or broke.
#[test]
fn sequences_never_panic() {
    fuzz(
        "random sequences",
        300,
        proptest::collection::vec(request(), 1..12),
        |reqs, sent| {
            let mut sb = Sandbox::new(Config {
                delivery_delay_ms: 3,
                ..Config::default()
            });
            let token = sb.admin_token(1_000_000);
            for (i, (method, path, query, body, _)) in reqs.into_iter().enumerate() {
                let uri = uri(&path, &query);
                let b = http::Request::builder()
                    .method(method.as_str())
                    .uri(uri.as_str())
                    .header("authorization", format!("Bearer {token}"));
                let Ok(req) = b.body(body) else { continue };
                let resp = sb.handle(&req, 1_000_000 + i as u64 * 2);
                sent.set(sent.get() + 1);
                prop_assert!((200..600).contains(&resp.status().as_u16()));
            }
            let _ = serde_json::to_string(&sb.snapshot());
            Ok(())
        },
    );
}
