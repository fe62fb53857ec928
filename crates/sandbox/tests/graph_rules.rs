//! Graph's rules beyond bodies and permissions: `Location` on 201s, the v1.0-named sets on beta,
//! request ids in every error, advanced queries on directory objects, soft delete and time.

mod common;

use common::*;
use serde_json::{json, Value};

const V1: &str = "https://graph.microsoft.com/v1.0";
const BETA: &str = "https://graph.microsoft.com/beta";

fn create_user(d: &mut Driver, v: &str, nick: &str) -> Answer {
    let domain = d.sb.default_domain().to_string();
    let a = d.post(
        &format!("{v}/users"),
        json!({
            "accountEnabled": true,
            "displayName": format!("User {nick}"),
            "mailNickname": nick,
            "userPrincipalName": format!("{nick}@{domain}"),
            "passwordProfile": {"password": "Contoso1234!"},
        }),
    );
    assert_eq!(a.status, 201, "{}", a.body);
    a
}

fn new_user(d: &mut Driver, v: &str, nick: &str) -> Value {
    create_user(d, v, nick).body
}

fn new_group(d: &mut Driver, nick: &str) -> Value {
    let a = d.post(
        &format!("{V1}/groups"),
        json!({"displayName": format!("Group {nick}"), "mailEnabled": false, "mailNickname": nick, "securityEnabled": true}),
    );
    assert_eq!(a.status, 201, "{}", a.body);
    a.body
}

fn header<'a>(a: &'a Answer, name: &str) -> &'a str {
    a.headers
        .get(name)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("")
}

#[test]
fn created_objects_come_with_a_location() {
    let mut d = Driver::default();
    let u = create_user(&mut d, V1, "loc");
    let tenant = d.sb.tenant_id().to_string();
    assert_eq!(
        header(&u, "location"),
        format!(
            "https://graph.microsoft.com/v2/{tenant}/directoryObjects/{}/Microsoft.DirectoryServices.User",
            s(&u.body["id"])
        )
    );
    let c = d.post(
        &format!("{EM_V1}/catalogs"),
        json!({"displayName": "Loc catalog", "description": "d"}),
    );
    assert_eq!(c.status, 201, "{}", c.body);
    assert_eq!(
        header(&c, "location"),
        format!("{EM_V1}/catalogs('{}')", s(&c.body["id"]))
    );
    // A 200 or 204 has none.
    let g = d.get(&format!("{V1}/me"));
    assert_eq!(header(&g, "location"), "");
}

#[test]
fn beta_serves_the_v1_named_sets_with_the_v1_types() {
    let mut d = Driver::default();
    let beta_em = format!("{BETA}/identityGovernance/entitlementManagement");
    let list = d.get(&format!(
        "{beta_em}/catalogs?$filter=displayName%20eq%20'General'"
    ));
    assert_eq!(list.status, 200, "{}", list.body);
    assert_eq!(
        s(&list.body["@odata.context"]),
        "https://graph.microsoft.com/beta/$metadata#identityGovernance/entitlementManagement/catalogs"
    );
    let general = &list.body["value"][0];
    // v1.0's accessPackageCatalog: `state`, not beta's `catalogStatus`.
    assert!(general.get("state").is_some(), "{general}");
    assert!(general.get("catalogStatus").is_none(), "{general}");
    for set in [
        "assignmentPolicies",
        "assignmentRequests",
        "assignments",
        "resourceRequests",
    ] {
        let a = d.get(&format!("{beta_em}/{set}"));
        assert_eq!(a.status, 200, "{set}: {}", a.body);
    }
    // The legacy names still answer in beta's own types.
    let legacy = d.get(&format!("{beta_em}/accessPackageCatalogs"));
    assert!(legacy.body["value"][0].get("catalogStatus").is_some());
    // A v1.0 body to a v1.0-named set on beta is read as v1.0's type.
    let c = d.post(
        &format!("{beta_em}/catalogs"),
        json!({"displayName": "On beta", "description": "d", "state": "published"}),
    );
    assert_eq!(c.status, 201, "{}", c.body);
    assert!(header(&c, "location").starts_with(&format!("{beta_em}/catalogs('")));
    report_schema_checks(&d.sb, "v1.0 sets on beta");
}

#[test]
fn every_error_carries_a_date_and_request_ids() {
    let mut d = Driver::default();
    let cases = [
        (
            "GET",
            format!("{V1}/users/00000000-0000-0000-0000-000000000000"),
        ),
        (
            "GET",
            format!("{EM_V1}/accessPackages/00000000-0000-0000-0000-000000000000"),
        ),
        ("GET", format!("{V1}/nothingHere")),
        ("PUT", format!("{V1}/me")),
    ];
    for (m, url) in cases {
        let a = d.send(m, &url, None);
        assert!(a.status >= 400, "{url}");
        let inner = &a.body["error"]["innerError"];
        assert!(inner["date"].is_string(), "{url}: {}", a.body);
        assert_eq!(inner["request-id"].as_str(), Some(header(&a, "request-id")));
        assert!(inner["client-request-id"].is_string(), "{url}");
    }
    let a = d.send_as(None, "GET", &format!("{V1}/me"), None);
    assert_eq!(a.status, 401);
    assert!(a.body["error"]["innerError"]["request-id"].is_string());
}

/// A GET with `ConsistencyLevel: eventual` when `eventual`.
fn query(d: &mut Driver, url: &str, eventual: bool) -> Answer {
    let mut b = http::Request::builder()
        .uri(url)
        .header("authorization", format!("Bearer {}", d.token));
    if eventual {
        b = b.header("consistencylevel", "eventual");
    }
    let resp = d.sb.handle(&b.body(String::new()).expect("request"), d.now);
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = serde_json::from_str(resp.body()).unwrap_or(Value::Null);
    Answer {
        status,
        body,
        headers,
    }
}

fn code(a: &Answer) -> &str {
    a.body["error"]["code"].as_str().unwrap_or("")
}

fn names(a: &Answer) -> Vec<String> {
    a.body["value"]
        .as_array()
        .map(|v| {
            v.iter()
                .map(|i| i["displayName"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn advanced_operators_need_consistency_level_and_count() {
    let mut d = Driver::default();
    new_user(&mut d, V1, "wanda");
    for filter in [
        "accountEnabled%20ne%20false",
        "not(displayName%20eq%20'x')",
        "endsWith(userPrincipalName,'onmicrosoft.com')",
    ] {
        let plain = query(&mut d, &format!("{V1}/users?$filter={filter}"), false);
        assert_eq!(plain.status, 400, "{filter}: {}", plain.body);
        assert_eq!(code(&plain), "Request_UnsupportedQuery");
        assert!(s(&plain.body["error"]["message"])
            .contains("$count=true query parameter and ConsistencyLevel:eventual header"));
        // The header alone is not enough: `$count=true` is needed too.
        let header_only = query(&mut d, &format!("{V1}/users?$filter={filter}"), true);
        assert_eq!(header_only.status, 400, "{filter}");
        let ok = query(
            &mut d,
            &format!("{V1}/users?$filter={filter}&$count=true"),
            true,
        );
        assert_eq!(ok.status, 200, "{filter}: {}", ok.body);
        assert!(ok.body["@odata.count"].is_u64());
    }
    // endsWith works on a few properties only, even in advanced queries.
    let a = query(
        &mut d,
        &format!("{V1}/users?$filter=endsWith(displayName,'a')&$count=true"),
        true,
    );
    assert_eq!(code(&a), "Request_UnsupportedQuery");
    assert!(s(&a.body["error"]["message"]).contains("property 'displayName' of resource 'User'"));
    // Entitlement management is no directory object: `ne` works as it is.
    let em = query(
        &mut d,
        &format!("{EM_V1}/catalogs?$filter=displayName%20ne%20'x'"),
        false,
    );
    assert_eq!(em.status, 200, "{}", em.body);
}

#[test]
fn count_without_the_header_is_ignored_and_search_refused() {
    let mut d = Driver::default();
    let a = query(&mut d, &format!("{V1}/users?$count=true"), false);
    assert_eq!(a.status, 200);
    assert!(a.body.get("@odata.count").is_none(), "{}", a.body);
    let a = query(&mut d, &format!("{V1}/users?$count=true"), true);
    assert_eq!(a.body["@odata.count"], 3, "the three seeded accounts");
    let a = query(
        &mut d,
        &format!("{V1}/users?$search=%22displayName:sand%22"),
        false,
    );
    assert_eq!(a.status, 400);
    assert_eq!(
        s(&a.body["error"]["message"]),
        "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'"
    );
}

#[test]
fn search_matches_word_prefixes_of_searched_properties() {
    let mut d = Driver::default();
    new_user(&mut d, V1, "oscar");
    new_user(&mut d, V1, "wendy");
    let a = query(
        &mut d,
        &format!("{V1}/users?$search=%22displayName:osc%22"),
        true,
    );
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(names(&a), ["User oscar"]);
    let a = query(
        &mut d,
        &format!("{V1}/users?$search=%22displayName:osc%22%20OR%20%22displayName:wen%22"),
        true,
    );
    assert_eq!(names(&a).len(), 2);
    let a = query(
        &mut d,
        &format!("{V1}/users?$search=%22jobTitle:adm%22"),
        true,
    );
    assert_eq!(code(&a), "Request_UnsupportedQuery");
    let a = query(&mut d, &format!("{V1}/users?$search=osc"), true);
    assert_eq!(a.status, 400);
}

#[test]
fn orderby_and_skip_as_the_directory_allows_them() {
    let mut d = Driver::default();
    new_user(&mut d, V1, "bravo");
    new_user(&mut d, V1, "alpha");
    let a = query(&mut d, &format!("{V1}/users?$orderby=displayName"), false);
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(
        names(&a),
        [
            "Least-Privilege Administrator",
            "Sandbox Administrator",
            "Sandbox Member",
            "User alpha",
            "User bravo"
        ]
    );
    let a = query(
        &mut d,
        &format!("{V1}/users?$orderby=displayName%20desc"),
        false,
    );
    assert_eq!(names(&a)[0], "User bravo");
    // createdDateTime sorts only in advanced queries; $filter with $orderby too.
    let a = query(
        &mut d,
        &format!("{V1}/users?$orderby=createdDateTime"),
        false,
    );
    assert_eq!(
        s(&a.body["error"]["message"]),
        "Sorting not supported for current query."
    );
    let a = query(
        &mut d,
        &format!("{V1}/users?$orderby=createdDateTime&$count=true"),
        true,
    );
    assert_eq!(a.status, 200, "{}", a.body);
    let a = query(
        &mut d,
        &format!("{V1}/users?$orderby=displayName&$filter=accountEnabled%20eq%20true"),
        false,
    );
    assert_eq!(code(&a), "Request_UnsupportedQuery");
    let a = query(&mut d, &format!("{V1}/users?$skip=1"), false);
    assert_eq!(a.status, 400);
    assert_eq!(code(&a), "Request_BadRequest");
    assert_eq!(
        s(&a.body["error"]["message"]),
        "'$skip' is not supported by the service."
    );
    // Entitlement management sorts and skips.
    for name in ["Zulu", "Alpha"] {
        let c = d.post(
            &format!("{EM_V1}/catalogs"),
            json!({"displayName": name, "description": "d"}),
        );
        assert_eq!(c.status, 201);
    }
    let a = query(
        &mut d,
        &format!("{EM_V1}/catalogs?$orderby=displayName&$skip=1"),
        false,
    );
    assert_eq!(names(&a), ["General", "Zulu"]);
}

#[test]
fn select_is_checked_on_every_item_and_on_empty_lists() {
    let mut d = Driver::default();
    let g = new_group(&mut d, "empty");
    let url = format!("{V1}/groups/{}/members?$select=nonsense", s(&g["id"]));
    let a = query(&mut d, &url, false);
    assert_eq!(a.status, 400, "{}", a.body);
    let url = format!("{V1}/groups/{}/members?$select=displayName", s(&g["id"]));
    assert_eq!(query(&mut d, &url, false).status, 200);
    let a = query(&mut d, &format!("{EM_V1}/assignments?$select=bogus"), false);
    assert_eq!(a.status, 400, "{}", a.body);
}

#[test]
fn deleted_users_and_groups_wait_in_deleted_items_for_30_days() {
    let mut d = Driver::default();
    let u = new_user(&mut d, V1, "gone");
    let uid = s(&u["id"]).to_string();
    let g = new_group(&mut d, "gonegroup");
    let gid = s(&g["id"]).to_string();
    let add = d.post(
        &format!("{V1}/groups/{gid}/members/$ref"),
        json!({"@odata.id": format!("{V1}/directoryObjects/{uid}")}),
    );
    assert_eq!(add.status, 204, "{}", add.body);
    assert_eq!(d.delete(&format!("{V1}/users/{uid}")).status, 204);
    assert_eq!(d.get(&format!("{V1}/users/{uid}")).status, 404);
    let item = d.get(&format!("{V1}/directory/deletedItems/{uid}"));
    assert_eq!(item.status, 200, "{}", item.body);
    assert_eq!(item.body["@odata.type"], "#microsoft.graph.user");
    assert!(item.body["deletedDateTime"].is_string());
    // Listing needs the cast.
    assert_eq!(d.get(&format!("{V1}/directory/deletedItems")).status, 400);
    let list = d.get(&format!("{V1}/directory/deletedItems/microsoft.graph.user"));
    assert_eq!(list.body["value"].as_array().map(Vec::len), Some(1));
    // A deleted user is no member; restored, it is again.
    let members = |d: &mut Driver| {
        d.get(&format!("{V1}/groups/{gid}/members")).body["value"]
            .as_array()
            .map_or(0, Vec::len)
    };
    assert_eq!(members(&mut d), 0);
    let back = d.post(
        &format!("{V1}/directory/deletedItems/{uid}/restore"),
        json!({}),
    );
    assert_eq!(back.status, 200, "{}", back.body);
    assert_eq!(d.get(&format!("{V1}/users/{uid}")).status, 200);
    assert_eq!(members(&mut d), 1);
    // Deleted for good: gone from deleted items, and from the group.
    assert_eq!(d.delete(&format!("{V1}/users/{uid}")).status, 204);
    assert_eq!(
        d.delete(&format!("{V1}/directory/deletedItems/{uid}"))
            .status,
        204
    );
    assert_eq!(
        d.get(&format!("{V1}/directory/deletedItems/{uid}")).status,
        404
    );
    // Groups too, and after 30 days Entra deletes them itself.
    assert_eq!(d.delete(&format!("{V1}/groups/{gid}")).status, 204);
    let list = d.get(&format!(
        "{V1}/directory/deletedItems/microsoft.graph.group"
    ));
    assert_eq!(list.body["value"].as_array().map(Vec::len), Some(1));
    d.advance(30 * 86_400_000);
    d.token = d.sb.admin_token(d.now);
    assert_eq!(
        d.get(&format!("{V1}/directory/deletedItems/{gid}")).status,
        404
    );
    // Deleted items are not leftovers of a run.
    assert!(d.sb.snapshot().beyond_seed().is_empty());
}

#[test]
fn a_deleted_users_assignment_still_blocks_deleting_its_package() {
    let mut d = Driver::default();
    let u = new_user(&mut d, V1, "holder");
    let uid = s(&u["id"]).to_string();
    let general = d.get(&format!(
        "{EM_V1}/catalogs?$filter=displayName%20eq%20'General'"
    ));
    let cid = s(&general.body["value"][0]["id"]).to_string();
    let p = d.post(
        &format!("{EM_V1}/accessPackages"),
        json!({"displayName": "Blocked", "description": "d", "catalog": {"id": cid}}),
    );
    let pid = s(&p.body["id"]).to_string();
    let pol = d.post(
        &format!("{EM_V1}/assignmentPolicies"),
        json!({"displayName": "Direct", "description": "d", "allowedTargetScope": "notSpecified", "accessPackage": {"id": pid}}),
    );
    assert_eq!(pol.status, 201, "{}", pol.body);
    let r = d.post(
        &format!("{EM_V1}/assignmentRequests"),
        json!({"requestType": "adminAdd", "assignment": {"targetId": uid, "assignmentPolicyId": s(&pol.body["id"]), "accessPackageId": pid}}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    d.advance(60_000);
    assert_eq!(
        d.get(&format!("{EM_V1}/assignments")).body["value"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    assert_eq!(d.delete(&format!("{V1}/users/{uid}")).status, 204);
    let del = d.delete(&format!("{EM_V1}/accessPackages/{pid}"));
    assert_eq!(del.status, 400, "{}", del.body);
    // Deleted for good, the user takes its assignment along.
    assert_eq!(
        d.delete(&format!("{V1}/directory/deletedItems/{uid}"))
            .status,
        204
    );
    assert_eq!(
        d.delete(&format!("{EM_V1}/accessPackages/{pid}")).status,
        204
    );
}

#[test]
fn a_removal_sent_again_while_the_first_is_open_is_delivered_too() {
    let mut d = Driver::default();
    let u = new_user(&mut d, V1, "twice");
    let uid = s(&u["id"]).to_string();
    let general = d.get(&format!(
        "{EM_V1}/catalogs?$filter=displayName%20eq%20'General'"
    ));
    let cid = s(&general.body["value"][0]["id"]).to_string();
    let p = d.post(
        &format!("{EM_V1}/accessPackages"),
        json!({"displayName": "Twice", "description": "d", "catalog": {"id": cid}}),
    );
    let pid = s(&p.body["id"]).to_string();
    let pol = d.post(
        &format!("{EM_V1}/assignmentPolicies"),
        json!({"displayName": "Direct", "description": "d", "allowedTargetScope": "notSpecified", "accessPackage": {"id": pid}}),
    );
    let add = d.post(
        &format!("{EM_V1}/assignmentRequests"),
        json!({"requestType": "adminAdd", "assignment": {"targetId": uid, "assignmentPolicyId": s(&pol.body["id"]), "accessPackageId": pid}}),
    );
    assert_eq!(add.status, 201, "{}", add.body);
    d.advance(60_000);
    let aid = s(&d.get(&format!("{EM_V1}/assignments")).body["value"][0]["id"]).to_string();
    let remove = json!({"requestType": "adminRemove", "assignment": {"id": aid}});
    let first = d.post(&format!("{EM_V1}/assignmentRequests"), remove.clone());
    assert_eq!(first.status, 201, "{}", first.body);
    let again = d.post(&format!("{EM_V1}/assignmentRequests"), remove.clone());
    assert_eq!(again.status, 201, "{}", again.body);
    d.advance(60_000);
    for r in [&first, &again] {
        let got = d.get(&format!("{EM_V1}/assignmentRequests/{}", s(&r.body["id"])));
        assert_eq!(got.body["state"], json!("delivered"), "{}", got.body);
    }
    // Once it is gone, the assignment is unknown.
    let late = d.post(&format!("{EM_V1}/assignmentRequests"), remove);
    assert_eq!(late.status, 404, "{}", late.body);
}

#[test]
fn requests_pass_through_submitted_and_delivering_on_both_versions() {
    let mut d = Driver::new(sandbox::Config::default().with_timing(sandbox::Timing::Realistic));
    let delay = sandbox::Timing::Realistic.delivery_delay_ms();
    // Only the states are under test here: reads of new objects answer at once.
    d.sb.set_faults(sandbox::Faults::default());
    let u = new_user(&mut d, V1, "paced");
    let uid = s(&u["id"]).to_string();
    let general = d.get(&format!(
        "{EM_V1}/catalogs?$filter=displayName%20eq%20'General'"
    ));
    let cid = s(&general.body["value"][0]["id"]).to_string();
    let p = d.post(
        &format!("{EM_V1}/accessPackages"),
        json!({"displayName": "Paced", "description": "d", "catalog": {"id": cid}}),
    );
    let pid = s(&p.body["id"]).to_string();
    let pol = d.post(
        &format!("{EM_V1}/assignmentPolicies"),
        json!({"displayName": "Direct", "description": "d", "allowedTargetScope": "notSpecified", "accessPackage": {"id": pid}}),
    );
    let add = d.post(
        &format!("{EM_V1}/assignmentRequests"),
        json!({"requestType": "adminAdd", "assignment": {"targetId": uid, "assignmentPolicyId": s(&pol.body["id"]), "accessPackageId": pid}}),
    );
    assert_eq!(add.status, 201, "{}", add.body);
    let rid = s(&add.body["id"]).to_string();
    let seen = |d: &mut Driver| {
        let v1 = d.get(&format!("{EM_V1}/assignmentRequests/{rid}"));
        let beta = d.get(&format!("{EM_BETA}/accessPackageAssignmentRequests/{rid}"));
        (
            v1.body["state"].clone(),
            v1.body["status"].clone(),
            beta.body["requestState"].clone(),
            beta.body["requestStatus"].clone(),
        )
    };
    assert_eq!(
        seen(&mut d),
        (
            json!("submitted"),
            json!("Accepted"),
            json!("Submitted"),
            json!("Accepted")
        )
    );
    d.advance(delay / 2);
    assert_eq!(
        seen(&mut d),
        (
            json!("delivering"),
            json!("Delivering"),
            json!("Delivering"),
            json!("Delivering")
        )
    );
    // Nothing is assigned while delivering; a second request for the same target is still refused.
    assert_eq!(
        d.get(&format!("{EM_V1}/assignments")).body["value"],
        json!([])
    );
    let again = d.post(
        &format!("{EM_V1}/assignmentRequests"),
        json!({"requestType": "adminAdd", "assignment": {"targetId": uid, "assignmentPolicyId": s(&pol.body["id"]), "accessPackageId": pid}}),
    );
    assert_eq!(again.status, 400, "{}", again.body);
    d.advance(delay);
    assert_eq!(
        seen(&mut d),
        (
            json!("delivered"),
            json!("Delivered"),
            json!("Delivered"),
            json!("Fulfilled")
        )
    );
}
