//! Bad input, auth failures and query errors are answered the way Graph answers them.

mod common;
use common::*;
use sandbox::{mint_token, TUTORIAL_SCOPES};
use serde_json::json;

const G: &str = "https://graph.microsoft.com/v1.0";

fn code(a: &Answer) -> &str {
    a.body["error"]["code"].as_str().unwrap_or("")
}

#[test]
fn tokens_are_required_and_checked() {
    let mut d = Driver::default();
    let missing = d.send_as(None, "GET", &format!("{G}/me"), None);
    assert_eq!(missing.status, 401);
    assert_eq!(code(&missing), "InvalidAuthenticationToken");
    assert!(missing.headers.contains_key("www-authenticate"));
    let garbled = d.send_as(Some("not-a-jwt"), "GET", &format!("{G}/me"), None);
    assert_eq!(garbled.status, 401);
    let bad_payload = d.send_as(Some("a.b.c"), "GET", &format!("{G}/me"), None);
    assert_eq!(bad_payload.status, 401);
    let upn = d.sb.admin_upn().to_string();
    let expired = mint_token(TUTORIAL_SCOPES, &upn, d.sb.tenant_id(), T0 / 1000 - 1);
    let r = d.send_as(Some(&expired), "GET", &format!("{G}/me"), None);
    assert_eq!(r.status, 401);
    assert!(r.body["error"]["message"]
        .as_str()
        .unwrap_or("")
        .contains("expired"));
    let stranger = mint_token(
        TUTORIAL_SCOPES,
        "nobody@elsewhere.example",
        d.sb.tenant_id(),
        T0 / 1000 + 60,
    );
    assert_eq!(
        d.send_as(Some(&stranger), "GET", &format!("{G}/me"), None)
            .status,
        401
    );

    let me = d.get(&format!("{G}/me"));
    assert_eq!(me.status, 200);
    assert_eq!(me.body["userPrincipalName"], json!(upn));
}

#[test]
fn missing_scopes_answer_graphs_403() {
    let mut d = Driver::default();
    let upn = d.sb.admin_upn().to_string();
    let weak = mint_token(&["User.Read"], &upn, d.sb.tenant_id(), T0 / 1000 + 60);
    // Entitlement management answers in its own words, even to a Global Administrator.
    let r = d.send_as(Some(&weak), "GET", &format!("{EM_V1}/catalogs"), None);
    assert_eq!(r.status, 403);
    assert_eq!(code(&r), "UnAuthorized");
    assert_eq!(
        r.body["error"]["message"],
        json!("User is not authorized to perform the operation. Reason: The caller is not authorized.")
    );
    let r = d.send_as(Some(&weak), "POST", &format!("{G}/users"), Some(json!({})));
    assert_eq!(r.status, 403);
    assert_eq!(code(&r), "Authorization_RequestDenied");
    assert_eq!(
        r.body["error"]["message"],
        json!("Insufficient privileges to complete the operation.")
    );
    assert_eq!(
        d.send_as(Some(&weak), "GET", &format!("{G}/me"), None)
            .status,
        200
    );
    // The end user's permission reads their own requests, but no administrator's request goes through with
    // it, whoever signs in (entitlementmanagement-post-assignmentrequests: adminAdd needs
    // EntitlementManagement.ReadWrite.All).
    let subject = mint_token(
        &["EntitlementMgmt-SubjectAccess.ReadWrite"],
        &upn,
        d.sb.tenant_id(),
        T0 / 1000 + 60,
    );
    let mine = d.send_as(
        Some(&subject),
        "GET",
        &format!("{EM_V1}/assignmentRequests/filterByCurrentUser(on='target')"),
        None,
    );
    assert_eq!(mine.status, 200, "{}", mine.body);
    let admin_add = d.send_as(
        Some(&subject),
        "POST",
        &format!("{EM_V1}/assignmentRequests"),
        Some(json!({"requestType": "adminAdd", "assignment": {}})),
    );
    assert_eq!(admin_add.status, 403, "{}", admin_add.body);
}

#[test]
fn directory_roles_are_enforced() {
    let mut d = Driver::default();
    let domain = d.sb.default_domain().to_string();
    let r = d.post(
        &format!("{G}/users"),
        json!({"accountEnabled":true,"displayName":"U","mailNickname":"u",
        "userPrincipalName":format!("u@{domain}"),"passwordProfile":{"password":"Contoso1234"}}),
    );
    assert_eq!(r.status, 201);
    let as_user = mint_token(
        TUTORIAL_SCOPES,
        &format!("u@{domain}"),
        d.sb.tenant_id(),
        T0 / 1000 + 60,
    );
    let denied = d.send_as(
        Some(&as_user),
        "POST",
        &format!("{EM_V1}/accessPackages"),
        Some(json!({"displayName":"x"})),
    );
    assert_eq!(denied.status, 403);
    assert_eq!(code(&denied), "UnAuthorized");
}

#[test]
fn bad_input_is_refused_like_graph() {
    let mut d = Driver::default();
    let domain = d.sb.default_domain().to_string();
    let malformed = d.send("POST", &format!("{G}/users"), None);
    assert_eq!(malformed.status, 400);
    assert_eq!(code(&malformed), "BadRequest");
    let req = http::Request::builder()
        .method("POST")
        .uri(format!("{G}/groups"))
        .header("authorization", format!("Bearer {}", d.token))
        .body("{not json".to_string())
        .expect("req");
    let resp = d.sb.handle(&req, d.now);
    assert_eq!(resp.status(), 400);

    let missing = d.post(
        &format!("{G}/users"),
        json!({"accountEnabled":true,"displayName":"A","mailNickname":"a"}),
    );
    assert_eq!(missing.status, 400);
    assert_eq!(code(&missing), "Request_BadRequest");
    assert!(missing.body["error"]["message"]
        .as_str()
        .unwrap_or("")
        .contains("userPrincipalName"));
    let wrong_type = d.post(
        &format!("{G}/groups"),
        json!({"displayName":"G","mailEnabled":"no","mailNickname":"g","securityEnabled":true}),
    );
    assert_eq!(wrong_type.status, 400);

    let user = json!({"accountEnabled":true,"displayName":"A","mailNickname":"a","userPrincipalName":format!("a@{domain}"),"passwordProfile":{"password":"Contoso1234"}});
    assert_eq!(d.post(&format!("{G}/users"), user.clone()).status, 201);
    let dup = d.post(&format!("{G}/users"), user);
    assert_eq!(dup.status, 400);
    assert_eq!(code(&dup), "Request_BadRequest");
    assert_eq!(
        dup.body["error"]["details"][0]["code"],
        json!("ObjectConflict")
    );
    assert_eq!(
        dup.body["error"]["details"][0]["target"],
        json!("userPrincipalName")
    );
    let foreign = d.post(&format!("{G}/users"), json!({"accountEnabled":true,"displayName":"B","mailNickname":"b",
        "userPrincipalName":"b@contoso.onmicrosoft.com","passwordProfile":{"password":"Contoso1234"}}));
    assert_eq!(foreign.status, 400);
    let weak = d.post(
        &format!("{G}/users"),
        json!({"accountEnabled":true,"displayName":"C","mailNickname":"c",
        "userPrincipalName":format!("c@{domain}"),"passwordProfile":{"password":"password"}}),
    );
    assert_eq!(weak.status, 400);

    let bad_guid = d.get(&format!("{G}/groups/not-a-guid"));
    assert_eq!(bad_guid.status, 400);
    assert_eq!(code(&bad_guid), "Request_BadRequest");
    let bad_em_guid = d.get(&format!("{EM_V1}/accessPackages/123"));
    assert_eq!(bad_em_guid.status, 400);
    let bad_ref = d.post(
        &format!("{EM_V1}/accessPackages"),
        json!({"displayName":"x","catalog":{"id":"nope"}}),
    );
    assert_eq!(bad_ref.status, 400);

    let unknown = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";
    for url in [
        format!("{G}/users/{unknown}"),
        format!("{G}/groups/{unknown}"),
        format!("{G}/groups/{unknown}/members"),
    ] {
        let r = d.get(&url);
        assert_eq!(r.status, 404, "{url}");
        assert_eq!(code(&r), "Request_ResourceNotFound");
        assert!(r.body["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains(unknown));
    }
    // Entitlement management words its own not-found.
    for url in [
        format!("{EM_V1}/accessPackages/{unknown}"),
        format!("{EM_V1}/assignmentPolicies/{unknown}"),
        format!("{EM_V1}/assignmentRequests/{unknown}"),
        format!("{EM_V1}/assignments/{unknown}"),
        format!("{EM_V1}/catalogs/{unknown}/resources"),
        format!("{EM_BETA}/accessPackageCatalogs/{unknown}"),
    ] {
        let r = d.get(&url);
        assert_eq!(r.status, 404, "{url}");
        assert_eq!(code(&r), "ResourceNotFound");
        assert_eq!(
            r.body["error"]["message"],
            json!("The resource was not found.")
        );
    }
    assert_eq!(d.delete(&format!("{G}/users/{unknown}")).status, 404);

    let path = d.get(&format!("{G}/nothingHere"));
    assert_eq!(path.status, 400);
    assert_eq!(
        path.body["error"]["message"],
        json!("Resource not found for the segment 'nothingHere'.")
    );
    assert_eq!(
        d.get(&format!("{EM_V1}/accessPackageCatalogs")).status,
        400,
        "beta names are not v1.0 names"
    );
    assert_eq!(d.get("https://graph.microsoft.com/v2.0/me").status, 400);

    let method = d.send("PUT", &format!("{G}/users"), Some(json!({})));
    assert_eq!(method.status, 405);
    assert_eq!(
        method.headers.get("allow").and_then(|h| h.to_str().ok()),
        Some("GET, POST")
    );
    assert_eq!(
        d.delete(&format!("{EM_V1}/assignments/{unknown}")).status,
        405
    );
}

#[test]
fn every_answer_carries_graphs_headers() {
    let mut d = Driver::default();
    let req = http::Request::builder()
        .uri(format!("{G}/me"))
        .header("authorization", format!("Bearer {}", d.token))
        .header("client-request-id", "abc-123")
        .body(String::new())
        .expect("req");
    let resp = d.sb.handle(&req, d.now);
    assert_eq!(resp.headers()["client-request-id"], "abc-123");
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap_or("")
        .starts_with("application/json;odata.metadata=minimal"));
    assert_eq!(resp.headers()["request-id"].len(), 36);
    let err = d.get(&format!("{G}/users/3f2504e0-4f89-41d3-9a0c-0305e82c3301"));
    let inner = &err.body["error"]["innerError"];
    assert_eq!(
        inner["request-id"],
        json!(err.headers["request-id"].to_str().unwrap_or(""))
    );
    assert_eq!(inner["client-request-id"], inner["request-id"]);
    assert_eq!(inner["date"].as_str().map(str::len), Some(19));
    let deleted = d.post(
        &format!("{G}/groups"),
        json!({"displayName":"G","mailEnabled":false,"mailNickname":"g","securityEnabled":true}),
    );
    let gone = d.delete(&format!("{G}/groups/{}", s(&deleted.body["id"])));
    assert_eq!(gone.status, 204);
    assert!(!gone.headers.contains_key("content-type"));
}

#[test]
fn queries_are_validated() {
    let mut d = Driver::default();
    let r = d.get(&format!("{EM_V1}/catalogs?$filter=displayName%20eq"));
    assert_eq!((r.status, code(&r)), (400, "InvalidFilter"));
    let r = d.get(&format!("{EM_V1}/catalogs?$filter=nope%20eq%20'x'"));
    assert_eq!((r.status, code(&r)), (400, "InvalidFilter"));
    let r = d.get(&format!(
        "{EM_V1}/assignments?$filter=target/objectId%20eq%20'abc'"
    ));
    assert_eq!(r.status, 400);
    assert!(r.body["error"]["message"]
        .as_str()
        .unwrap_or("")
        .contains("Unrecognized Guid format"));
    let r = d.get(&format!("{EM_BETA}/accessPackageAssignmentPolicies?$filter=accessPackageId%20eq%20'3f2504e0-4f89-41d3-9a0c-0305e82c3301'"));
    assert_eq!((r.status, code(&r)), (400, "InvalidFilter"));
    assert!(r.body["error"]["message"]
        .as_str()
        .unwrap_or("")
        .contains("is not supported"));
    let r = d.get(&format!("{G}/roleManagement/directory/roleDefinitions?$filter=displayName%20eq%20'a'%20or%20displayName%20eq%20'b'"));
    assert_eq!((r.status, code(&r)), (400, "Request_UnsupportedQuery"));
    let r = d.get(&format!("{G}/users?$filter=displayName%20in%20('a')"));
    assert_eq!((r.status, code(&r)), (400, "Request_UnsupportedQuery"));
    // Without `ConsistencyLevel: eventual` the directory ignores `$count=true`.
    let r = d.get(&format!("{G}/users?$count=true"));
    assert_eq!(r.status, 200);
    assert!(r.body.get("@odata.count").is_none());
    let r = d.get(&format!("{G}/users?$select=nope"));
    assert_eq!(r.status, 400);
    let r = d.get(&format!("{EM_V1}/catalogs?$expand=nope"));
    assert_eq!(r.status, 400);
    let r = d.get(&format!("{EM_V1}/catalogs?$expand=accessPackages("));
    assert_eq!(r.status, 400);
    for top in ["0", "1000", "x"] {
        assert_eq!(
            d.get(&format!("{G}/users?$top={top}")).status,
            400,
            "$top={top}"
        );
    }
    assert_eq!(d.get(&format!("{G}/users?$skiptoken=bogus")).status, 400);

    // ne, or, not, functions, case-insensitive names, bool literals all work.
    let r = d.get(&format!("{G}/roleManagement/directory/roleDefinitions?$filter=(ISBUILTIN%20eq%20true%20and%20displayName%20ne%20'Global%20Administrator')%20and%20startswith(displayName,'identity')"));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["value"].as_array().map(Vec::len), Some(1));
    let r = d.get(&format!("{EM_V1}/catalogs?$filter=contains(tolower(displayName),'gen')%20or%20displayName%20eq%20'x'&$select=id,displayName"));
    assert_eq!(r.status, 200);
    assert_eq!(r.body["value"][0].as_object().map(|o| o.len()), Some(2));
    assert_eq!(
        r.body["@odata.context"],
        json!("https://graph.microsoft.com/v1.0/$metadata#identityGovernance/entitlementManagement/catalogs(id,displayName)")
    );
}

#[test]
fn paging_follows_next_links_to_the_end() {
    let mut d = Driver::default();
    let domain = d.sb.default_domain().to_string();
    for i in 0..7 {
        let r = d.post(&format!("{G}/users"), json!({"accountEnabled":true,"displayName":format!("U{i}"),"mailNickname":format!("u{i}"),
            "userPrincipalName":format!("u{i}@{domain}"),"passwordProfile":{"password":"Contoso1234"}}));
        assert_eq!(r.status, 201);
    }
    let mut url =
        format!("{G}/users?$top=3&$filter=startswith(displayName,'U')&$select=displayName");
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let r = d.get(&url);
        assert_eq!(r.status, 200, "{}", r.body);
        pages += 1;
        for v in r.body["value"].as_array().into_iter().flatten() {
            seen.push(s(&v["displayName"]).to_string());
        }
        match r.body["@odata.nextLink"].as_str() {
            Some(next) => {
                assert!(
                    next.contains("$top=3") && next.contains("$skiptoken="),
                    "{next}"
                );
                url = next.to_string();
            }
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, (0..7).map(|i| format!("U{i}")).collect::<Vec<_>>());
    // Path-only requests get Graph's host in their links.
    let req = http::Request::builder()
        .uri("/v1.0/users?$top=1")
        .header("authorization", format!("Bearer {}", d.token))
        .body(String::new())
        .expect("req");
    let body: serde_json::Value =
        serde_json::from_str(d.sb.handle(&req, d.now).body()).expect("json");
    assert!(body["@odata.nextLink"]
        .as_str()
        .unwrap_or("")
        .starts_with("https://graph.microsoft.com/v1.0/users?"));
}
