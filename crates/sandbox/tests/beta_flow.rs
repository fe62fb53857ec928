//! Replays the seed tutorial on beta, in order, with ids taken from earlier answers.

mod common;
use common::*;
use serde_json::json;

#[test]
fn the_seed_tutorial_runs_on_beta() {
    let mut d = Driver::default();
    let domain = d.sb.default_domain().to_string();
    let g = "https://graph.microsoft.com/beta";

    // Find the tenant's domain the way a tutorial does.
    let org = d.get(&format!("{g}/organization"));
    assert_eq!(org.status, 200);
    assert_eq!(
        org.body["value"][0]["verifiedDomains"][0]["name"],
        json!(domain)
    );

    let user = |d: &mut Driver, name: &str| {
        let r = d.post(
            &format!("{g}/users"),
            json!({"accountEnabled":true,"displayName":name,"mailNickname":name,
                   "userPrincipalName":format!("{name}@{domain}"),
                   "passwordProfile":{"forceChangePasswordNextSignIn":true,"password":"Contoso1234"}}),
        );
        assert_eq!(r.status, 201, "{}", r.body);
        assert_eq!(
            r.body["@odata.context"],
            json!("https://graph.microsoft.com/beta/$metadata#users/$entity")
        );
        assert_eq!(r.body["displayName"], json!(name));
        assert_eq!(r.body["mailNickname"], json!(name));
        assert_eq!(r.body["accountEnabled"], json!(true));
        assert_eq!(r.body["createdDateTime"], json!(null));
        s(&r.body["id"]).to_string()
    };
    let admin1 = user(&mut d, "Admin1");
    let requestor1 = user(&mut d, "Requestor1");

    // The seed looks the role up by its old name, which today's Graph no longer answers to.
    let old = d.get(&format!("{g}/roleManagement/directory/roleDefinitions?$filter=(displayName%20eq%20'Company%20Administrator')"));
    assert_eq!(old.status, 200);
    assert_eq!(old.body["value"], json!([]));
    let roles = d.get(&format!("{g}/roleManagement/directory/roleDefinitions?$filter=(displayName%20eq%20'Global%20Administrator')"));
    assert_eq!(roles.status, 200);
    assert_eq!(
        roles.body["@odata.context"],
        json!(
            "https://graph.microsoft.com/beta/$metadata#roleManagement/directory/roleDefinitions"
        )
    );
    let role = &roles.body["value"][0];
    assert_eq!(role["id"], json!("62e90394-69f5-4237-9190-012177145e10"));
    assert_eq!(
        role["templateId"],
        json!("62e90394-69f5-4237-9190-012177145e10")
    );
    assert_eq!(role["isBuiltIn"], json!(true));
    let role_id = s(&role["id"]).to_string();

    let ra = d.post(
        &format!("{g}/roleManagement/directory/roleAssignments"),
        json!({"@odata.type":"#microsoft.graph.unifiedRoleAssignment","roleDefinitionId":role_id,"principalId":admin1,"directoryScopeId":"/"}),
    );
    assert_eq!(ra.status, 201, "{}", ra.body);
    assert_eq!(ra.body["principalId"], json!(admin1));
    assert_eq!(ra.body["resourceScope"], json!("/"));
    assert_eq!(ra.body["directoryScopeId"], json!("/"));
    assert_eq!(ra.body["roleDefinitionId"], json!(role_id));
    assert!(s(&ra.body["id"]).ends_with("-1"));
    let role_assignment_id = s(&ra.body["id"]).to_string();

    let grp = d.post(
        &format!("{g}/groups"),
        json!({"description":"Marketing group","displayName":"Marketing resources","mailEnabled":false,"mailNickname":"markres","securityEnabled":true}),
    );
    assert_eq!(grp.status, 201, "{}", grp.body);
    assert_eq!(
        grp.body["@odata.context"],
        json!("https://graph.microsoft.com/beta/$metadata#groups/$entity")
    );
    assert_eq!(grp.body["groupTypes"], json!([]));
    assert_eq!(grp.body["mail"], json!(null));
    let group_id = s(&grp.body["id"]).to_string();

    let cats = d.get(&format!(
        "{EM_BETA}/accessPackageCatalogs?$filter=(displayName%20eq%20'General')"
    ));
    assert_eq!(cats.status, 200);
    let cat = &cats.body["value"][0];
    assert_eq!(cats.body["value"].as_array().map(Vec::len), Some(1));
    assert_eq!(cat["description"], json!("Built-in catalog."));
    assert_eq!(cat["catalogType"], json!("ServiceDefault"));
    assert_eq!(cat["catalogStatus"], json!("Published"));
    assert_eq!(cat["isExternallyVisible"], json!(true));
    assert_eq!(cat["createdBy"], json!("Azure AD"));
    let catalog_id = s(&cat["id"]).to_string();

    let rr = d.post(
        &format!("{EM_BETA}/accessPackageResourceRequests"),
        json!({"catalogId":catalog_id,"requestType":"AdminAdd","justification":"",
               "accessPackageResource":{"displayName":"Marketing resources","description":"Marketing group",
                 "url":"https://contoso.sharepoint.com/sites/Marketing","resourceType":"AadGroup",
                 "originId":group_id,"originSystem":"AadGroup"}}),
    );
    assert_eq!(rr.status, 201, "{}", rr.body);
    assert_eq!(rr.body["catalogId"], json!(catalog_id));
    assert_eq!(rr.body["requestType"], json!("AdminAdd"));
    assert_eq!(rr.body["requestState"], json!("Delivered"));
    assert_eq!(rr.body["requestStatus"], json!("Fulfilled"));
    assert_eq!(rr.body["executeImmediately"], json!(false));
    assert_eq!(rr.body["justification"], json!(""));

    let res = d.get(&format!(
        "{EM_BETA}/accessPackageCatalogs/{catalog_id}/accessPackageResources?$filter=(displayName%20eq%20'Marketing%20resources')"
    ));
    assert_eq!(res.status, 200, "{}", res.body);
    let r0 = &res.body["value"][0];
    assert_eq!(r0["resourceType"], json!("Security Group"));
    assert_eq!(r0["originId"], json!(group_id));
    assert_eq!(r0["originSystem"], json!("AadGroup"));
    assert_eq!(r0["description"], json!("Marketing group"));
    assert_eq!(r0["isPendingOnboarding"], json!(false));
    assert_eq!(r0["addedBy"], json!(d.sb.admin_upn()));
    let resource_id = s(&r0["id"]).to_string();

    let roles = d.get(&format!(
        "{EM_BETA}/accessPackageCatalogs/{catalog_id}/accessPackageResourceRoles?$filter=(originSystem+eq+%27AadGroup%27+and+accessPackageResource/id+eq+%27{resource_id}%27+and+displayName+eq+%27Member%27)&$expand=accessPackageResource"
    ));
    assert_eq!(roles.status, 200, "{}", roles.body);
    assert_eq!(
        roles.body["@odata.context"],
        json!(format!("https://graph.microsoft.com/beta/$metadata#identityGovernance/entitlementManagement/accessPackageCatalogs('{catalog_id}')/accessPackageResourceRoles(accessPackageResource())"))
    );
    assert_eq!(roles.body["value"].as_array().map(Vec::len), Some(1));
    let member = &roles.body["value"][0];
    assert_eq!(member["id"], json!("00000000-0000-0000-0000-000000000000"));
    assert_eq!(member["displayName"], json!("Member"));
    assert_eq!(member["originId"], json!(format!("Member_{group_id}")));
    assert_eq!(member["accessPackageResource"]["id"], json!(resource_id));
    let role_origin = s(&member["originId"]).to_string();

    let ap = d.post(
        &format!("{EM_BETA}/accessPackages"),
        json!({"catalogId":catalog_id,"displayName":"Marketing Campaign","description":"Access to resources for the campaign"}),
    );
    assert_eq!(ap.status, 201, "{}", ap.body);
    assert_eq!(ap.body["catalogId"], json!(catalog_id));
    assert_eq!(ap.body["isHidden"], json!(false));
    assert_eq!(ap.body["isRoleScopesVisible"], json!(false));
    let package_id = s(&ap.body["id"]).to_string();

    let rs = d.post(
        &format!("{EM_BETA}/accessPackages/{package_id}/accessPackageResourceRoleScopes"),
        json!({"accessPackageResourceRole":{"originId":role_origin,"displayName":"Member","originSystem":"AadGroup",
                 "accessPackageResource":{"id":resource_id,"resourceType":"Security Group","originId":group_id,"originSystem":"AadGroup"}},
               "accessPackageResourceScope":{"originId":group_id,"originSystem":"AadGroup"}}),
    );
    assert_eq!(rs.status, 201, "{}", rs.body);
    let rs_id = s(&rs.body["id"]);
    assert_eq!(rs_id.len(), 73);
    assert_eq!(&rs_id[36..37], "_");
    assert!(rs.body["createdBy"].is_string());

    let pol = d.post(
        &format!("{EM_BETA}/accessPackageAssignmentPolicies"),
        json!({"accessPackageId":package_id,"displayName":"direct","description":"direct assignments by administrator",
               "accessReviewSettings":null,"durationInDays":30,
               "requestorSettings":{"scopeType":"SpecificDirectorySubjects","acceptRequests":true,
                 "allowedRequestors":[{"@odata.type":"#microsoft.graph.singleUser","isBackup":false,"id":requestor1,"description":"Requestor1"}]},
               "requestApprovalSettings":{"isApprovalRequired":false,"isApprovalRequiredForExtension":false,
                 "isRequestorJustificationRequired":false,"approvalMode":"NoApproval","approvalStages":[]}}),
    );
    assert_eq!(pol.status, 201, "{}", pol.body);
    assert_eq!(pol.body["accessPackageId"], json!(package_id));
    assert_eq!(pol.body["durationInDays"], json!(30));
    assert_eq!(pol.body["canExtend"], json!(false));
    assert_eq!(pol.body["accessReviewSettings"], json!(null));
    assert_eq!(
        pol.body["requestorSettings"]["scopeType"],
        json!("SpecificDirectorySubjects")
    );
    assert_eq!(
        pol.body["requestorSettings"]["allowedRequestors"][0]["id"],
        json!(requestor1)
    );
    assert_eq!(
        pol.body["requestApprovalSettings"]["approvalMode"],
        json!("NoApproval")
    );
    let policy_id = s(&pol.body["id"]).to_string();

    let pols = d.get(&format!(
        "{EM_BETA}/accessPackageAssignmentPolicies?$filter=(id%20eq%20'{policy_id}')"
    ));
    assert_eq!(pols.status, 200, "{}", pols.body);
    assert_eq!(pols.body["value"].as_array().map(Vec::len), Some(1));
    assert_eq!(pols.body["value"][0]["id"], json!(policy_id));

    let req = d.post(
        &format!("{EM_BETA}/accessPackageAssignmentRequests"),
        json!({"requestType":"AdminAdd","accessPackageAssignment":{"targetId":requestor1,"assignmentPolicyId":policy_id,"accessPackageId":package_id}}),
    );
    assert_eq!(req.status, 201, "{}", req.body);
    assert_eq!(req.body["requestType"], json!("AdminAdd"));
    assert_eq!(req.body["requestState"], json!("Submitted"));
    assert_eq!(req.body["requestStatus"], json!("Accepted"));
    assert_eq!(req.body["createdDateTime"], json!(null));
    assert_eq!(req.body["completedDate"], json!(null));
    assert_eq!(req.body["isValidationOnly"], json!(false));
    let request_id = s(&req.body["id"]).to_string();

    // Before the delivery delay the request is still submitted; after it, delivered.
    let early = d.get(&format!(
        "{EM_BETA}/accessPackageAssignmentRequests/{request_id}"
    ));
    assert_eq!(early.body["requestState"], json!("Submitted"));
    d.advance(1_000);
    let got = d.get(&format!(
        "{EM_BETA}/accessPackageAssignmentRequests/{request_id}"
    ));
    assert_eq!(got.status, 200);
    assert_eq!(got.body["requestState"], json!("Delivered"));
    assert_eq!(got.body["requestStatus"], json!("Fulfilled"));
    assert!(got.body["createdDateTime"].is_string());
    assert!(got.body["completedDate"].is_string());

    let members = d.get(&format!("{g}/groups/{group_id}/members"));
    assert_eq!(members.status, 200);
    assert_eq!(
        members.body["@odata.context"],
        json!("https://graph.microsoft.com/beta/$metadata#directoryObjects")
    );
    assert_eq!(
        members.body["value"][0]["@odata.type"],
        json!("#microsoft.graph.user")
    );
    assert_eq!(members.body["value"][0]["id"], json!(requestor1));
    assert_eq!(members.body["value"][0]["displayName"], json!("Requestor1"));

    let asg = d.get(&format!("{EM_BETA}/accessPackageAssignments?$filter=accessPackageAssignmentPolicy/Id%20eq%20'{policy_id}'"));
    assert_eq!(asg.status, 200, "{}", asg.body);
    let a0 = &asg.body["value"][0];
    assert_eq!(asg.body["value"].as_array().map(Vec::len), Some(1));
    assert_eq!(a0["catalogId"], json!(catalog_id));
    assert_eq!(a0["accessPackageId"], json!(package_id));
    assert_eq!(a0["assignmentPolicyId"], json!(policy_id));
    assert_eq!(a0["targetId"], json!(requestor1));
    assert_eq!(a0["assignmentStatus"], json!("Delivered"));
    assert_eq!(a0["assignmentState"], json!("Delivered"));
    assert_eq!(a0["isExtended"], json!(false));
    assert!(
        a0.get("accessPackageAssignmentPolicy").is_none(),
        "filter-only expansions stay hidden"
    );
    let assignment_id = s(&a0["id"]).to_string();
    assert_ne!(assignment_id, request_id);

    let rm = d.post(
        &format!("{EM_BETA}/accessPackageAssignmentRequests"),
        json!({"requestType":"AdminRemove","accessPackageAssignment":{"id":assignment_id}}),
    );
    assert_eq!(rm.status, 201, "{}", rm.body);
    assert_eq!(rm.body["requestType"], json!("AdminRemove"));
    assert_eq!(rm.body["requestState"], json!("Submitted"));
    assert_eq!(rm.body["requestStatus"], json!("Accepted"));

    // Deleting the policy while the removal is still in flight fails, as on Graph.
    let busy = d.delete(&format!(
        "{EM_BETA}/accessPackageAssignmentPolicies/{policy_id}"
    ));
    assert_eq!(busy.status, 400, "{}", busy.body);
    d.advance(1_000);
    let members = d.get(&format!("{g}/groups/{group_id}/members"));
    assert_eq!(members.body["value"], json!([]));

    // Nothing cascades in Entra: the group leaves the catalog and the role assignment goes by name.
    for url in [
        format!("{EM_BETA}/accessPackageAssignmentPolicies/{policy_id}"),
        format!("{EM_BETA}/accessPackages/{package_id}"),
    ] {
        let r = d.delete(&url);
        assert_eq!(r.status, 204, "{url}: {}", r.body);
    }
    let out = d.post(
        &format!("{EM_BETA}/accessPackageResourceRequests"),
        json!({"catalogId": catalog_id, "requestType": "AdminRemove", "accessPackageResource": {"id": resource_id, "originId": group_id, "originSystem": "AadGroup"}}),
    );
    assert_eq!(out.status, 201, "{}", out.body);
    for url in [
        format!("{g}/roleManagement/directory/roleAssignments/{role_assignment_id}"),
        format!("{g}/users/{requestor1}"),
        format!("{g}/users/{admin1}"),
        format!("{g}/groups/{group_id}"),
    ] {
        let r = d.delete(&url);
        assert_eq!(r.status, 204, "{url}: {}", r.body);
        assert_eq!(r.body, json!(null));
    }
    let left = d.sb.snapshot().beyond_seed();
    assert!(left.is_empty(), "left behind: {left:?}");
    report_schema_checks(&d.sb, "beta tutorial");
}
