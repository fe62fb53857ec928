//! Faults, state transitions, clean-up rules and reset.

mod common;
use common::*;
use sandbox::{mint_token, Config, Faults, Sandbox, TUTORIAL_SCOPES};
use serde_json::{json, Value};

const G: &str = "https://graph.microsoft.com/v1.0";

/// A tenant with a group in the General catalog, a package granting Member, and two users.
struct Setup {
    d: Driver,
    group: String,
    catalog: String,
    resource: String,
    package: String,
    alice: String,
    bob: String,
}

fn user(d: &mut Driver, name: &str) -> String {
    let domain = d.sb.default_domain().to_string();
    let r = d.post(&format!("{G}/users"), json!({"accountEnabled":true,"displayName":name,"mailNickname":name,
        "userPrincipalName":format!("{name}@{domain}"),"passwordProfile":{"password":"Contoso1234"}}));
    assert_eq!(r.status, 201, "{}", r.body);
    s(&r.body["id"]).to_string()
}

fn setup(config: Config) -> Setup {
    let mut d = Driver::new(config);
    let alice = user(&mut d, "alice");
    let bob = user(&mut d, "bob");
    let grp = d.post(
        &format!("{G}/groups"),
        json!({"displayName":"G","mailEnabled":false,"mailNickname":"g","securityEnabled":true}),
    );
    let group = s(&grp.body["id"]).to_string();
    let catalog = s(&d.get(&format!("{EM_V1}/catalogs")).body["value"][0]["id"]).to_string();
    let rr = d.post(&format!("{EM_V1}/resourceRequests"), json!({"requestType":"adminAdd","resource":{"originId":group,"originSystem":"AadGroup"},"catalog":{"id":catalog}}));
    assert_eq!(rr.status, 201, "{}", rr.body);
    let resource =
        s(&d.get(&format!("{EM_V1}/catalogs/{catalog}/resources")).body["value"][0]["id"])
            .to_string();
    let ap = d.post(
        &format!("{EM_V1}/accessPackages"),
        json!({"displayName":"P","catalog":{"id":catalog}}),
    );
    let package = s(&ap.body["id"]).to_string();
    let rs = d.post(&format!("{EM_V1}/accessPackages/{package}/resourceRoleScopes"),
        json!({"role":{"originId":format!("Member_{group}"),"originSystem":"AadGroup","resource":{"id":resource}},"scope":{"originId":group,"originSystem":"AadGroup"}}));
    assert_eq!(rs.status, 201, "{}", rs.body);
    Setup {
        d,
        group,
        catalog,
        resource,
        package,
        alice,
        bob,
    }
}

fn quick() -> Config {
    Config {
        delivery_delay_ms: 1_000,
        ..Config::default()
    }
}

fn policy(st: &mut Setup, body: Value) -> String {
    let mut body = body;
    body["accessPackage"] = json!({"id": st.package});
    let r = st.d.post(&format!("{EM_V1}/assignmentPolicies"), body);
    assert_eq!(r.status, 201, "{}", r.body);
    s(&r.body["id"]).to_string()
}

fn specific(st: &mut Setup, who: &str, days: u64) -> String {
    let who = who.to_string();
    policy(
        st,
        json!({"displayName":"p","allowedTargetScope":"specificDirectoryUsers",
        "specificAllowedTargets":[{"@odata.type":"#microsoft.graph.singleUser","userId":who}],
        "expiration":{"type":"afterDuration","duration":format!("P{days}D")},
        "requestorSettings":{"enableTargetsToSelfAddAccess":true}}),
    )
}

fn add(st: &mut Setup, target: &str, policy: &str) -> Answer {
    let body = json!({"requestType":"adminAdd","assignment":{"targetId":target,"assignmentPolicyId":policy,"accessPackageId":st.package}});
    st.d.post(&format!("{EM_V1}/assignmentRequests"), body)
}

fn members(st: &mut Setup) -> Vec<String> {
    let r = st.d.get(&format!("{G}/groups/{}/members", st.group));
    r.body["value"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|v| s(&v["id"]).to_string())
        .collect()
}

#[test]
fn throttling_is_injected_with_retry_after() {
    let mut d = Driver::new(Config {
        faults: Faults {
            throttle_rate: 1.0,
            retry_after_secs: 7,
            ..Faults::default()
        },
        ..quick()
    });
    let r = d.get(&format!("{G}/me"));
    assert_eq!(r.status, 429);
    assert_eq!(r.headers["retry-after"], "7");
    assert_eq!(r.body["error"]["code"], json!("TooManyRequests"));
    assert_eq!(r.body["error"]["innerError"]["status"], json!("429"));
    assert_eq!(d.sb.stats().throttled, 1);
    d.sb.set_faults(Faults::default());
    assert_eq!(d.get(&format!("{G}/me")).status, 200);
    assert_eq!(d.sb.stats().requests, 2);
}

#[test]
fn unavailability_is_injected() {
    let mut d = Driver::new(Config {
        faults: Faults {
            unavailable_rate: 1.0,
            retry_after_secs: 3,
            ..Faults::default()
        },
        ..quick()
    });
    let r = d.get(&format!("{G}/me"));
    assert_eq!(r.status, 503);
    assert_eq!(r.headers["retry-after"], "3");
    assert_eq!(d.sb.stats().unavailable, 1);
}

#[test]
fn faults_repeat_exactly_for_a_seed() {
    let run = |seed| {
        let faults = Faults {
            throttle_rate: 0.3,
            unavailable_rate: 0.2,
            retry_after_secs: 1,
            replication_lag_ms: 0,
        };
        let mut d = Driver::new(Config {
            seed,
            faults,
            ..quick()
        });
        (0..60)
            .map(|_| d.get(&format!("{G}/me")).status)
            .collect::<Vec<_>>()
    };
    let a = run(42);
    assert_eq!(a, run(42));
    assert_ne!(a, run(43));
    assert!(a.contains(&429) && a.contains(&503) && a.contains(&200));
}

#[test]
fn ids_repeat_exactly_for_a_seed() {
    let ids = |seed| {
        let mut d = Driver::new(Config { seed, ..quick() });
        let r = d.post(&format!("{G}/groups"), json!({"displayName":"G","mailEnabled":false,"mailNickname":"g","securityEnabled":true}));
        s(&r.body["id"]).to_string()
    };
    assert_eq!(ids(5), ids(5));
    assert_ne!(ids(5), ids(6));
}

#[test]
fn replication_lag_hides_new_objects_for_a_while() {
    let mut d = Driver::new(Config {
        faults: Faults {
            replication_lag_ms: 500,
            ..Faults::default()
        },
        ..quick()
    });
    let grp = d.post(
        &format!("{G}/groups"),
        json!({"displayName":"G","mailEnabled":false,"mailNickname":"g","securityEnabled":true}),
    );
    assert_eq!(grp.status, 201);
    let id = s(&grp.body["id"]).to_string();
    let r = d.get(&format!("{G}/groups/{id}"));
    assert_eq!(r.status, 404);
    assert_eq!(r.body["error"]["code"], json!("Request_ResourceNotFound"));
    let catalog = s(&d.get(&format!("{EM_V1}/catalogs")).body["value"][0]["id"]).to_string();
    let used = d.post(&format!("{EM_V1}/resourceRequests"), json!({"requestType":"adminAdd","resource":{"originId":id,"originSystem":"AadGroup"},"catalog":{"id":catalog}}));
    assert_eq!(used.status, 404, "a reference in a body lags too");
    assert_eq!(d.sb.stats().lagged, 2);
    d.advance(500);
    assert_eq!(d.get(&format!("{G}/groups/{id}")).status, 200);
    let used = d.post(&format!("{EM_V1}/resourceRequests"), json!({"requestType":"adminAdd","resource":{"originId":id,"originSystem":"AadGroup"},"catalog":{"id":catalog}}));
    assert_eq!(used.status, 201);
}

#[test]
fn requests_are_delivered_on_the_callers_clock_and_assignments_expire() {
    let mut st = setup(quick());
    let (alice, bob) = (st.alice.clone(), st.bob.clone());
    let pol = specific(&mut st, &alice, 30);
    let r = add(&mut st, &alice, &pol);
    assert_eq!(r.status, 201);
    let rid = s(&r.body["id"]).to_string();
    st.d.advance(249);
    assert_eq!(
        st.d.get(&format!("{EM_V1}/assignmentRequests/{rid}")).body["state"],
        json!("submitted")
    );
    // After a quarter of the delay it is delivering, and still nothing is assigned.
    st.d.advance(750);
    assert_eq!(
        st.d.get(&format!("{EM_V1}/assignmentRequests/{rid}")).body["state"],
        json!("delivering")
    );
    assert!(members(&mut st).is_empty());
    st.d.advance(1);
    assert_eq!(
        st.d.get(&format!("{EM_V1}/assignmentRequests/{rid}")).body["state"],
        json!("delivered")
    );
    assert_eq!(members(&mut st), vec![alice.clone()]);

    // Outside the policy's allowed requestors: refused.
    let refused = add(&mut st, &bob, &pol);
    assert_eq!(refused.status, 400);
    assert!(refused.body["error"]["message"]
        .as_str()
        .unwrap_or("")
        .contains("policy requirements"));
    // A second add for the same person is refused while the first holds.
    assert_eq!(add(&mut st, &alice, &pol).status, 400);

    // Thirty days later the assignment expires and the membership goes.
    st.d.advance(30 * 86_400_000);
    st.d.token = st.d.sb.admin_token(st.d.now);
    let a = st.d.get(&format!("{EM_V1}/assignments"));
    assert_eq!(a.body["value"][0]["state"], json!("expired"));
    assert!(members(&mut st).is_empty());
    let beta = st.d.get(&format!("{EM_BETA}/accessPackageAssignments"));
    assert_eq!(beta.body["value"][0]["assignmentState"], json!("Expired"));
}

#[test]
fn approval_and_failed_delivery() {
    let mut st = setup(quick());
    let alice = st.alice.clone();
    let approval = policy(
        &mut st,
        json!({"displayName":"a","allowedTargetScope":"allMemberUsers",
        "requestApprovalSettings":{"isApprovalRequiredForAdd":true}}),
    );
    let r = add(&mut st, &alice, &approval);
    assert_eq!(r.body["state"], json!("pendingApproval"));
    assert_eq!(r.body["status"], json!("PendingApproval"));
    st.d.advance(60_000);
    let got =
        st.d.get(&format!("{EM_V1}/assignmentRequests/{}", s(&r.body["id"])));
    assert_eq!(got.body["state"], json!("pendingApproval"));

    let bob = st.bob.clone();
    let open = policy(
        &mut st,
        json!({"displayName":"o","allowedTargetScope":"allMemberUsers"}),
    );
    let r = add(&mut st, &bob, &open);
    assert_eq!(r.status, 201);
    // The target disappears before delivery: the request fails.
    assert_eq!(st.d.delete(&format!("{G}/users/{bob}")).status, 204);
    st.d.advance(1_000);
    let got = st.d.get(&format!(
        "{EM_BETA}/accessPackageAssignmentRequests/{}",
        s(&r.body["id"])
    ));
    assert_eq!(got.body["requestState"], json!("DeliveryFailed"));
}

#[test]
fn direct_assignment_policies_and_self_service() {
    let mut st = setup(quick());
    let (alice, bob) = (st.alice.clone(), st.bob.clone());
    let direct = policy(
        &mut st,
        json!({"displayName":"direct","allowedTargetScope":"notSpecified"}),
    );
    assert_eq!(
        add(&mut st, &bob, &direct).status,
        201,
        "admins assign anyone under a direct policy"
    );

    let open = specific(&mut st, &alice, 0);
    let domain = st.d.sb.default_domain().to_string();
    let alice_token = mint_token(
        TUTORIAL_SCOPES,
        &format!("alice@{domain}"),
        st.d.sb.tenant_id(),
        T0 / 1000 + 3600,
    );
    let body = json!({"requestType":"userAdd","assignment":{"assignmentPolicyId":open,"accessPackageId":st.package}});
    let mine = st.d.send_as(
        Some(&alice_token),
        "POST",
        &format!("{EM_V1}/assignmentRequests"),
        Some(body.clone()),
    );
    assert_eq!(mine.status, 201, "{}", mine.body);
    let on_direct = json!({"requestType":"userAdd","assignment":{"assignmentPolicyId":direct,"accessPackageId":st.package}});
    let refused = st.d.send_as(
        Some(&alice_token),
        "POST",
        &format!("{EM_V1}/assignmentRequests"),
        Some(on_direct),
    );
    assert_eq!(refused.status, 400);
    st.d.advance(1_000);
    let own = st.d.send_as(
        Some(&alice_token),
        "GET",
        &format!("{EM_V1}/assignments/filterByCurrentUser(on='target')"),
        None,
    );
    assert_eq!(own.status, 200, "{}", own.body);
    assert_eq!(own.body["value"].as_array().map(Vec::len), Some(1));
    let own = st.d.send_as(
        Some(&alice_token),
        "GET",
        &format!("{EM_V1}/assignmentRequests/filterByCurrentUser(on='target')"),
        None,
    );
    assert_eq!(own.body["value"].as_array().map(Vec::len), Some(1));
    // Alice is not an administrator: listing everything is refused.
    assert_eq!(
        st.d.send_as(
            Some(&alice_token),
            "GET",
            &format!("{EM_V1}/assignments"),
            None
        )
        .status,
        403
    );
    let mut m = members(&mut st);
    m.sort();
    let mut both = vec![alice, bob];
    both.sort();
    assert_eq!(m, both);
}

#[test]
fn deleting_what_is_in_use_fails() {
    let mut st = setup(quick());
    let alice = st.alice.clone();
    let pol = specific(&mut st, &alice, 0);
    add(&mut st, &alice, &pol);
    st.d.advance(1_000);
    let package = st.package.clone();
    let r = st.d.delete(&format!("{EM_V1}/accessPackages/{package}"));
    assert_eq!(r.status, 400);
    assert!(r.body["error"]["message"]
        .as_str()
        .unwrap_or("")
        .contains("assignments"));
    assert_eq!(
        st.d.delete(&format!("{EM_V1}/assignmentPolicies/{pol}"))
            .status,
        400
    );

    // The group cannot leave the catalog while a package grants its roles.
    let rm = json!({"requestType":"adminRemove","resource":{"id":st.resource,"originId":st.group,"originSystem":"AadGroup"},"catalog":{"id":st.catalog}});
    let r = st.d.post(&format!("{EM_V1}/resourceRequests"), rm.clone());
    assert_eq!(r.status, 400);
    assert_eq!(
        r.body["error"]["code"],
        json!("InvalidDeleteResourceHasEntitlements")
    );

    // A deleted user waits in deleted items with their assignment, which still blocks the
    // package; deleted for good, it takes the assignment and membership with it.
    assert_eq!(st.d.delete(&format!("{G}/users/{alice}")).status, 204);
    assert!(members(&mut st).is_empty());
    assert_eq!(
        st.d.delete(&format!("{EM_V1}/accessPackages/{package}"))
            .status,
        400
    );
    assert_eq!(
        st.d.delete(&format!("{G}/directory/deletedItems/{alice}"))
            .status,
        204
    );
    assert_eq!(
        st.d.get(&format!("{EM_V1}/assignments")).body["value"],
        json!([])
    );
    assert_eq!(
        st.d.delete(&format!("{EM_V1}/accessPackages/{package}"))
            .status,
        204
    );
    // Now the resource is free to go.
    let r = st.d.post(&format!("{EM_V1}/resourceRequests"), rm);
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["requestType"], json!("adminRemove"));
    assert_eq!(
        st.d.get(&format!("{EM_V1}/catalogs/{}/resources", st.catalog))
            .body["value"],
        json!([])
    );
}

#[test]
fn roles_added_later_reach_existing_assignees_and_group_deletion_cleans_up() {
    let mut st = setup(quick());
    let alice = st.alice.clone();
    let pol = specific(&mut st, &alice, 0);
    add(&mut st, &alice, &pol);
    st.d.advance(1_000);
    let owner = json!({"role":{"originId":format!("Owner_{}", st.group),"originSystem":"AadGroup","resource":{"id":st.resource}},"scope":{"originId":st.group,"originSystem":"AadGroup"}});
    let r = st.d.post(
        &format!("{EM_V1}/accessPackages/{}/resourceRoleScopes", st.package),
        owner,
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let owners = st.d.get(&format!("{G}/groups/{}/owners", st.group));
    assert!(owners.body["value"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|o| o["id"] == json!(alice)));
    let rsid = s(&r.body["id"]).to_string();
    assert_eq!(
        st.d.delete(&format!(
            "{EM_V1}/accessPackages/{}/resourceRoleScopes/{rsid}",
            st.package
        ))
        .status,
        204
    );
    let owners = st.d.get(&format!("{G}/groups/{}/owners", st.group));
    assert!(!owners.body["value"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|o| o["id"] == json!(alice)));

    // A deleted group stays a catalog resource until it is deleted for good.
    assert_eq!(st.d.delete(&format!("{G}/groups/{}", st.group)).status, 204);
    assert!(!st.d.sb.snapshot().catalogs[0].resources.is_empty());
    assert_eq!(
        st.d.delete(&format!("{G}/directory/deletedItems/{}", st.group))
            .status,
        204
    );
    let snap = st.d.sb.snapshot();
    assert!(snap.catalogs[0].resources.is_empty());
    assert!(snap.access_packages[0].role_scopes.is_empty());
}

#[test]
fn admin_remove_names_the_assignment_not_the_request() {
    let mut st = setup(quick());
    let alice = st.alice.clone();
    let pol = specific(&mut st, &alice, 0);
    let r = add(&mut st, &alice, &pol);
    st.d.advance(1_000);
    let rid = s(&r.body["id"]).to_string();
    let by_request = st.d.post(
        &format!("{EM_BETA}/accessPackageAssignmentRequests"),
        json!({"requestType":"AdminRemove","accessPackageAssignment":{"id":rid}}),
    );
    assert_eq!(by_request.status, 404, "{}", by_request.body);
    assert_eq!(by_request.body["error"]["code"], json!("ResourceNotFound"));
    let got = st.d.get(&format!(
        "{EM_V1}/assignments?$filter=assignmentPolicy/id%20eq%20'{pol}'"
    ));
    let aid = s(&got.body["value"][0]["id"]).to_string();
    let rm = st.d.post(
        &format!("{EM_BETA}/accessPackageAssignmentRequests"),
        json!({"requestType":"AdminRemove","accessPackageAssignment":{"id":aid}}),
    );
    assert_eq!(rm.status, 201, "{}", rm.body);
    st.d.advance(1_000);
    assert!(members(&mut st).is_empty());
}

#[test]
fn paths_and_filters_graph_does_not_serve_are_refused() {
    let mut st = setup(quick());
    let catalog = st.catalog.clone();
    // No GET of one catalog resource by id in entitlement management.
    let one =
        st.d.get(&format!("{EM_V1}/catalogs/{catalog}/resources/{catalog}"));
    assert_eq!(one.status, 404);
    assert!(s(&one.body["error"]["message"])
        .starts_with("No HTTP resource was found that matches the request URI"));
    // A catalog's roles are listed only for an origin system.
    for url in [
        format!("{EM_V1}/catalogs/{catalog}/resourceRoles"),
        format!("{EM_V1}/catalogs/{catalog}/resourceRoles?$filter=displayName%20eq%20'Member'"),
        format!("{EM_BETA}/accessPackageCatalogs/{catalog}/accessPackageResourceRoles"),
    ] {
        let r = st.d.get(&url);
        assert_eq!(r.status, 400, "{url}");
        assert_eq!(
            r.body["error"]["message"],
            json!("Origin system is required.")
        );
    }
    let ok = st.d.get(&format!(
        "{EM_V1}/catalogs/{catalog}/resourceRoles?$filter=originSystem%20eq%20'AadGroup'"
    ));
    assert_eq!(ok.status, 200);
    // v1.0 has no accessPackageResourceRoleScopes.
    let pkg = st.package.clone();
    let legacy = st.d.get(&format!(
        "{EM_V1}/accessPackages/{pkg}/accessPackageResourceRoleScopes"
    ));
    assert_eq!(legacy.status, 400);
    assert_eq!(
        legacy.body["error"]["message"],
        json!("Resource not found for the segment 'accessPackageResourceRoleScopes'.")
    );
}

#[test]
fn bodies_need_a_json_content_type() {
    let mut sb = Sandbox::new(Config::default());
    let token = sb.admin_token(T0);
    let body =
        json!({"displayName":"G","mailEnabled":false,"mailNickname":"g","securityEnabled":true})
            .to_string();
    for ct in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
    ] {
        let mut b = http::Request::builder()
            .method("POST")
            .uri("/v1.0/groups")
            .header("authorization", format!("Bearer {token}"));
        if let Some(ct) = ct {
            b = b.header("content-type", ct);
        }
        let resp = sb.handle(&b.body(body.clone()).expect("req"), T0);
        assert_eq!(resp.status(), 400, "{ct:?}");
        assert!(resp
            .body()
            .contains("Please ensure Content-Type header is set"));
    }
    let ok = http::Request::builder()
        .method("POST")
        .uri("/v1.0/groups")
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json; charset=utf-8")
        .body(body)
        .expect("req");
    assert_eq!(sb.handle(&ok, T0).status(), 201);
}

#[test]
fn reset_returns_to_the_seed_and_the_seed_is_as_documented() {
    let mut sb = Sandbox::new(Config::default());
    let before = sb.snapshot();
    let upns: Vec<&str> = before
        .users
        .iter()
        .map(|u| u.user_principal_name.as_str())
        .collect();
    assert_eq!(
        upns,
        [
            "admin@graphwalk-sandbox.onmicrosoft.com",
            "least-privilege-admin@graphwalk-sandbox.onmicrosoft.com",
            "member@graphwalk-sandbox.onmicrosoft.com"
        ]
    );
    assert_eq!(before.catalogs[0].display_name, "General");
    assert!(before.beyond_seed().is_empty());
    let token = sb.admin_token(T0);
    let req = http::Request::builder().method("POST").uri("/v1.0/groups").header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .body(json!({"displayName":"G","mailEnabled":false,"mailNickname":"g","securityEnabled":true}).to_string()).expect("req");
    assert_eq!(sb.handle(&req, T0).status(), 201);
    assert_eq!(sb.snapshot().beyond_seed().len(), 1);
    sb.reset();
    assert_eq!(sb.snapshot(), before);
    assert_eq!(sb.stats().requests, 0);

    let mut d = Driver::default();
    let roles = d.get(&format!("{G}/roleManagement/directory/roleDefinitions"));
    let ids: Vec<&str> = roles.body["value"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["id"].as_str())
        .collect();
    assert!(ids.contains(&"62e90394-69f5-4237-9190-012177145e10"));
    assert!(ids.contains(&"45d8d3c5-c802-45c6-b32a-1d70b5e1e86e"));
    let mine = d.get(&format!(
        "{G}/roleManagement/directory/roleAssignments?$filter=principalId%20eq%20'{}'",
        before.users[0].id
    ));
    assert_eq!(
        mine.body["value"][0]["roleDefinitionId"],
        json!("62e90394-69f5-4237-9190-012177145e10")
    );
}

#[test]
fn a_restart_gives_the_ids_a_fresh_tenant_gives_and_keeps_the_counts() {
    let mut fresh = Driver::default();
    let expected = user(&mut fresh, "after");

    let mut d = Driver::default();
    let gone = user(&mut d, "before");
    assert_eq!(d.delete(&format!("{G}/users/{gone}")).status, 204);
    assert!(d.sb.snapshot().beyond_seed().is_empty());
    let requests = d.sb.stats().requests;
    d.sb.restart();
    assert_eq!(d.sb.stats().requests, requests, "the counts carry on");
    assert_eq!(
        user(&mut d, "after"),
        expected,
        "the next id is a fresh tenant's first"
    );
}

#[test]
fn legacy_role_names_can_be_switched_on_for_beta() {
    let mut d = Driver::new(Config {
        legacy_role_names: true,
        ..quick()
    });
    let old = d.get("https://graph.microsoft.com/beta/roleManagement/directory/roleDefinitions?$filter=(displayName%20eq%20'Company%20Administrator')");
    assert_eq!(
        old.body["value"][0]["id"],
        json!("62e90394-69f5-4237-9190-012177145e10")
    );
    let v1 = d.get(&format!("{G}/roleManagement/directory/roleDefinitions?$filter=displayName%20eq%20'Company%20Administrator'"));
    assert_eq!(v1.body["value"], json!([]));
}

#[test]
fn members_can_be_added_and_removed_by_reference() {
    let mut d = Driver::default();
    let u = user(&mut d, "carol");
    let grp = d.post(
        &format!("{G}/groups"),
        json!({"displayName":"G","mailEnabled":false,"mailNickname":"g","securityEnabled":true}),
    );
    let g = s(&grp.body["id"]).to_string();
    let r = d.post(
        &format!("{G}/groups/{g}/members/$ref"),
        json!({"@odata.id":format!("{G}/directoryObjects/{u}")}),
    );
    assert_eq!(r.status, 204, "{}", r.body);
    assert_eq!(
        d.post(
            &format!("{G}/groups/{g}/members/$ref"),
            json!({"@odata.id":format!("{G}/directoryObjects/{u}")})
        )
        .status,
        400
    );
    let m = d.get(&format!("{G}/groups/{g}?$expand=members"));
    assert_eq!(m.body["members"][0]["id"], json!(u));
    assert_eq!(
        d.delete(&format!("{G}/groups/{g}/members/{u}/$ref")).status,
        204
    );
    assert_eq!(
        d.get(&format!("{G}/groups/{g}/members")).body["value"],
        json!([])
    );
}
