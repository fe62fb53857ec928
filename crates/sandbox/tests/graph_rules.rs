//! Graph's rules beyond bodies and permissions: `Location` on 201s, the v1.0-named sets on beta,
//! request ids in every error, advanced queries on directory objects, soft delete and time.

mod common;

use common::*;
use serde_json::json;

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
