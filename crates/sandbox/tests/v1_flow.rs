//! The same tutorial on the current v1.0 entitlement-management API.

mod common;
use common::*;
use serde_json::{json, Value};

#[test]
fn the_tutorial_runs_on_v1() {
    let mut d = Driver::default();
    let g = "https://graph.microsoft.com/v1.0";

    let domains = d.get(&format!("{g}/domains"));
    assert_eq!(domains.status, 200);
    let domain = s(&domains.body["value"][0]["id"]).to_string();
    assert_eq!(domains.body["value"][0]["isDefault"], json!(true));

    let mk = |d: &mut Driver, name: &str| {
        let r = d.post(
            &format!("{g}/users"),
            json!({"accountEnabled":true,"displayName":name,"mailNickname":name,"userPrincipalName":format!("{name}@{domain}"),
                   "passwordProfile":{"forceChangePasswordNextSignIn":true,"password":"Contoso1234!"}}),
        );
        assert_eq!(r.status, 201, "{}", r.body);
        assert_eq!(
            r.body["@odata.context"],
            json!("https://graph.microsoft.com/v1.0/$metadata#users/$entity")
        );
        // v1.0 answers with the default property set only.
        assert!(r.body.get("accountEnabled").is_none());
        assert_eq!(
            r.body["userPrincipalName"],
            json!(format!("{name}@{domain}"))
        );
        s(&r.body["id"]).to_string()
    };
    let admin1 = mk(&mut d, "Admin1");
    let requestor = mk(&mut d, "Requestor1");

    // Least privilege: Identity Governance Administrator, found by template id.
    let role = d.get(&format!("{g}/roleManagement/directory/roleDefinitions?$filter=templateId%20eq%20'45d8d3c5-c802-45c6-b32a-1d70b5e1e86e'"));
    assert_eq!(role.status, 200);
    assert_eq!(
        role.body["value"][0]["displayName"],
        json!("Identity Governance Administrator")
    );
    let ra = d.post(
        &format!("{g}/roleManagement/directory/roleAssignments"),
        json!({"roleDefinitionId":"45d8d3c5-c802-45c6-b32a-1d70b5e1e86e","principalId":admin1,"directoryScopeId":"/"}),
    );
    assert_eq!(ra.status, 201, "{}", ra.body);
    assert_eq!(ra.body["@odata.context"], json!("https://graph.microsoft.com/v1.0/$metadata#roleManagement/directory/roleAssignments/$entity"));
    let role_assignment = s(&ra.body["id"]).to_string();

    let grp = d.post(
        &format!("{g}/groups"),
        json!({"description":"Marketing group","displayName":"Marketing resources","mailEnabled":false,"mailNickname":"markres","securityEnabled":true}),
    );
    assert_eq!(grp.status, 201);
    let group = s(&grp.body["id"]).to_string();

    let cats = d.get(&format!(
        "{EM_V1}/catalogs?$filter=(displayName%20eq%20'General')"
    ));
    assert_eq!(cats.status, 200);
    assert_eq!(cats.body["@odata.context"], json!("https://graph.microsoft.com/v1.0/$metadata#identityGovernance/entitlementManagement/catalogs"));
    let cat = &cats.body["value"][0];
    assert_eq!(cat["catalogType"], json!("serviceDefault"));
    assert_eq!(cat["state"], json!("published"));
    assert!(cat.get("catalogStatus").is_none());
    let catalog = s(&cat["id"]).to_string();

    let rr = d.post(
        &format!("{EM_V1}/resourceRequests"),
        json!({"requestType":"adminAdd","resource":{"originId":group,"originSystem":"AadGroup"},"catalog":{"id":catalog}}),
    );
    assert_eq!(rr.status, 201, "{}", rr.body);
    assert_eq!(rr.body["requestType"], json!("adminAdd"));
    assert_eq!(rr.body["state"], json!("delivered"));

    let res = d.get(&format!("{EM_V1}/catalogs/{catalog}/resources?$filter=originId%20eq%20'{group}'&$expand=roles,scopes"));
    assert_eq!(res.status, 200, "{}", res.body);
    let r0 = &res.body["value"][0];
    assert_eq!(r0["originSystem"], json!("AadGroup"));
    assert_eq!(r0["roles"].as_array().map(Vec::len), Some(2));
    assert_eq!(r0["scopes"][0]["isRootScope"], json!(true));
    assert_eq!(r0["scopes"][0]["displayName"], json!("Root"));
    let resource = s(&r0["id"]).to_string();

    let roles = d.get(&format!(
        "{EM_V1}/catalogs/{catalog}/resourceRoles?$filter=(originSystem%20eq%20'AadGroup'%20and%20displayName%20eq%20'Member'%20and%20resource/id%20eq%20'{resource}')&$expand=resource"
    ));
    assert_eq!(roles.status, 200, "{}", roles.body);
    assert_eq!(
        roles.body["@odata.context"],
        json!(format!("https://graph.microsoft.com/v1.0/$metadata#identityGovernance/entitlementManagement/catalogs('{catalog}')/resourceRoles(resource())"))
    );
    let member = &roles.body["value"][0];
    assert_eq!(member["originId"], json!(format!("Member_{group}")));
    assert_eq!(member["resource"]["id"], json!(resource));

    let ap = d.post(
        &format!("{EM_V1}/accessPackages"),
        json!({"displayName":"Marketing Campaign","description":"Access to resources for the campaign","isHidden":false,"catalog":{"id":catalog}}),
    );
    assert_eq!(ap.status, 201, "{}", ap.body);
    assert!(ap.body.get("catalogId").is_none());
    let package = s(&ap.body["id"]).to_string();

    let rs = d.post(
        &format!("{EM_V1}/accessPackages/{package}/resourceRoleScopes"),
        json!({"role":{"displayName":"Member","originSystem":"AadGroup","originId":format!("Member_{group}"),"resource":{"id":resource}},
               "scope":{"originId":group,"originSystem":"AadGroup","isRootScope":true}}),
    );
    assert_eq!(rs.status, 201, "{}", rs.body);
    assert!(s(&rs.body["id"]).contains('_'));
    let listed = d.get(&format!(
        "{EM_V1}/accessPackages/{package}/resourceRoleScopes?$expand=role,scope"
    ));
    assert_eq!(
        listed.body["value"][0]["role"]["displayName"],
        json!("Member")
    );

    let pol = d.post(
        &format!("{EM_V1}/assignmentPolicies"),
        json!({"displayName":"Specific users","description":"Specific users can request assignment",
               "allowedTargetScope":"specificDirectoryUsers",
               "specificAllowedTargets":[{"@odata.type":"#microsoft.graph.singleUser","userId":requestor,"description":"Requestor1"}],
               "expiration":{"type":"afterDuration","duration":"P30D"},
               "requestorSettings":{"enableTargetsToSelfAddAccess":true,"enableTargetsToSelfUpdateAccess":false,"enableTargetsToSelfRemoveAccess":true,"allowCustomAssignmentSchedule":false},
               "requestApprovalSettings":{"isApprovalRequiredForAdd":false,"isApprovalRequiredForUpdate":false,"stages":[]},
               "accessPackage":{"id":package}}),
    );
    assert_eq!(pol.status, 201, "{}", pol.body);
    assert_eq!(
        pol.body["allowedTargetScope"],
        json!("specificDirectoryUsers")
    );
    assert_eq!(pol.body["expiration"]["duration"], json!("P30D"));
    assert_eq!(
        pol.body["specificAllowedTargets"][0]["userId"],
        json!(requestor)
    );
    let policy = s(&pol.body["id"]).to_string();

    let req = d.post(
        &format!("{EM_V1}/assignmentRequests"),
        json!({"requestType":"adminAdd","assignment":{"targetId":requestor,"assignmentPolicyId":policy,"accessPackageId":package}}),
    );
    assert_eq!(req.status, 201, "{}", req.body);
    assert_eq!(req.body["requestType"], json!("adminAdd"));
    assert_eq!(req.body["state"], json!("submitted"));
    assert_eq!(req.body["status"], json!("Accepted"));
    assert_eq!(req.body["createdDateTime"], json!(null));
    assert_eq!(req.body["completedDateTime"], json!(null));
    let request = s(&req.body["id"]).to_string();

    d.advance(1_000);
    let got = d.get(&format!(
        "{EM_V1}/assignmentRequests/{request}?$expand=assignment($expand=target)"
    ));
    assert_eq!(got.status, 200, "{}", got.body);
    assert_eq!(got.body["state"], json!("delivered"));
    assert_eq!(got.body["status"], json!("Delivered"));
    assert_eq!(
        got.body["assignment"]["target"]["objectId"],
        json!(requestor)
    );
    assert_eq!(
        got.body["assignment"]["target"]["subjectType"],
        json!("user")
    );

    let asg = d.get(&format!(
        "{EM_V1}/assignments?$filter=assignmentPolicy/id%20eq%20'{policy}'&$expand=target"
    ));
    assert_eq!(asg.status, 200, "{}", asg.body);
    let a0 = &asg.body["value"][0];
    assert_eq!(a0["state"], json!("delivered"));
    assert_eq!(a0["status"], json!("Delivered"));
    assert_eq!(a0["target"]["objectId"], json!(requestor));
    assert!(a0.get("assignmentPolicy").is_none());
    assert_eq!(a0["schedule"]["expiration"]["type"], json!("afterDateTime"));
    let assignment = s(&a0["id"]).to_string();
    let by_target = d.get(&format!(
        "{EM_V1}/assignments?$expand=target&$filter=target/objectid%20eq%20'{requestor}'"
    ));
    assert_eq!(by_target.body["value"].as_array().map(Vec::len), Some(1));

    let members = d.get(&format!("{g}/groups/{group}/members"));
    assert_eq!(members.body["value"][0]["id"], json!(requestor));

    let rm = d.post(
        &format!("{EM_V1}/assignmentRequests"),
        json!({"requestType":"adminRemove","assignment":{"id":assignment}}),
    );
    assert_eq!(rm.status, 201, "{}", rm.body);
    assert_eq!(rm.body["state"], json!("submitted"));
    d.advance(1_000);
    let rm_got = d.get(&format!("{EM_V1}/assignmentRequests/{}", s(&rm.body["id"])));
    assert_eq!(rm_got.body["state"], json!("delivered"));
    assert_eq!(
        d.get(&format!("{g}/groups/{group}/members")).body["value"],
        json!([])
    );
    assert_eq!(
        d.get(&format!("{EM_V1}/assignments")).body["value"],
        json!([])
    );

    // Nothing cascades in Entra: the group leaves the catalog and the role assignment goes by name.
    for url in [
        format!("{EM_V1}/assignmentPolicies/{policy}"),
        format!("{EM_V1}/accessPackages/{package}"),
    ] {
        let r = d.delete(&url);
        assert_eq!(r.status, 204, "{url}: {}", r.body);
    }
    let out = d.post(
        &format!("{EM_V1}/resourceRequests"),
        json!({"requestType":"adminRemove","resource":{"id":resource,"originId":group,"originSystem":"AadGroup"},"catalog":{"id":catalog}}),
    );
    assert_eq!(out.status, 201, "{}", out.body);
    for url in [
        format!("{g}/roleManagement/directory/roleAssignments/{role_assignment}"),
        format!("{g}/users/{requestor}"),
        format!("{g}/users/{admin1}"),
        format!("{g}/groups/{group}"),
    ] {
        let r = d.delete(&url);
        assert_eq!(r.status, 204, "{url}: {}", r.body);
    }
    assert!(
        d.sb.snapshot().beyond_seed().is_empty(),
        "{:?}",
        d.sb.snapshot().beyond_seed()
    );
    report_schema_checks(&d.sb, "v1.0 tutorial");
}

#[test]
fn beta_shaped_bodies_are_refused_on_v1() {
    // v1.0's types have no catalogId, accessPackageResource or accessPackageResourceRole: Graph
    // refuses a property its type does not declare, so a beta body sent to v1.0 fails there.
    let mut d = Driver::default();
    let g = "https://graph.microsoft.com/v1.0";
    let grp = d.post(
        &format!("{g}/groups"),
        json!({"displayName":"M","mailEnabled":false,"mailNickname":"m","securityEnabled":true}),
    );
    let group = s(&grp.body["id"]).to_string();
    let catalog = s(&d.get(&format!("{EM_V1}/catalogs")).body["value"][0]["id"]).to_string();
    let refused = |d: &mut Driver, url: String, body: Value, property: &str, ty: &str| {
        let r = d.post(&url, body);
        assert_eq!(r.status, 400, "{}", r.body);
        assert_eq!(r.body["error"]["code"], json!("BadRequest"));
        assert_eq!(
            r.body["error"]["message"],
            json!(format!("The property '{property}' does not exist on type 'microsoft.graph.{ty}'. Make sure to only use property names that are defined by the type or mark the type as open type."))
        );
    };
    refused(
        &mut d,
        format!("{EM_V1}/resourceRequests"),
        json!({"catalogId":catalog,"requestType":"adminAdd","accessPackageResource":{"originId":group,"originSystem":"AadGroup"}}),
        "catalogId",
        "accessPackageResourceRequest",
    );
    refused(
        &mut d,
        format!("{EM_V1}/accessPackages"),
        json!({"catalogId":catalog,"displayName":"P"}),
        "catalogId",
        "accessPackage",
    );
    refused(
        &mut d,
        format!("{EM_V1}/assignmentPolicies"),
        json!({"displayName":"p","durationInDays":30}),
        "durationInDays",
        "accessPackageAssignmentPolicy",
    );
    refused(
        &mut d,
        format!("{EM_V1}/assignmentRequests"),
        json!({"requestType":"adminAdd","accessPackageAssignment":{"targetId":group}}),
        "accessPackageAssignment",
        "accessPackageAssignmentRequest",
    );
    // Enum members are case-sensitive: beta's "AdminAdd" is not v1.0's "adminAdd".
    let r = d.post(
        &format!("{EM_V1}/resourceRequests"),
        json!({"requestType":"AdminAdd","resource":{"originId":group,"originSystem":"AadGroup"},"catalog":{"id":catalog}}),
    );
    assert_eq!(r.status, 400, "{}", r.body);
    assert_eq!(
        r.body["error"]["message"],
        json!("Cannot convert the literal 'AdminAdd' to the expected type 'microsoft.graph.accessPackageRequestType'.")
    );
    assert!(
        d.sb.snapshot().beyond_seed().len() == 1,
        "only the group was made"
    );
}
