//! Delegated access is the token's scopes and the signed-in user's directory roles: each rule, with
//! the role and without it, the seeded accounts, and the governance licence.

mod common;

use common::{Driver, EM_V1, T0};
use sandbox::roles::{
    GLOBAL_READER, GROUPS_ADMIN, IDENTITY_GOVERNANCE_ADMIN, PRIVILEGED_ROLE_ADMIN, USER_ADMIN,
};
use sandbox::{Account, Config, Sandbox, DEFAULT_DOMAIN};
use serde_json::{json, Value};

const G: &str = "https://graph.microsoft.com/v1.0";
const DENIED_DIRECTORY: (&str, &str) = (
    "Authorization_RequestDenied",
    "Insufficient privileges to complete the operation.",
);
const DENIED_EM: (&str, &str) = (
    "UnAuthorized",
    "User is not authorized to perform the operation. Reason: The caller is not authorized.",
);

fn new_user(nick: &str) -> Value {
    json!({"accountEnabled": true, "displayName": nick, "mailNickname": nick,
        "userPrincipalName": format!("{nick}@{DEFAULT_DOMAIN}"),
        "passwordProfile": {"password": "Contoso1234"}})
}

/// A new user holding exactly `roles`, made by the Global Administrator; their token.
fn user_with(d: &mut Driver, nick: &str, roles: &[&str]) -> (String, String) {
    let made = d.post(&format!("{G}/users"), new_user(nick));
    assert_eq!(made.status, 201, "{}", made.body);
    let id = made.body["id"].as_str().expect("id").to_string();
    for role in roles {
        let r = d.post(
            &format!("{G}/roleManagement/directory/roleAssignments"),
            json!({"roleDefinitionId": role, "principalId": id, "directoryScopeId": "/"}),
        );
        assert_eq!(r.status, 201, "{}", r.body);
    }
    let upn = format!("{nick}@{}", d.sb.default_domain());
    (id, d.sb.token_for(&upn, d.now).expect("token"))
}

fn group_body(nick: &str) -> Value {
    json!({"displayName": nick, "mailEnabled": false, "mailNickname": nick, "securityEnabled": true})
}

fn assert_denied(
    d: &mut Driver,
    token: &str,
    method: &str,
    url: &str,
    body: Option<Value>,
    as_: (&str, &str),
) {
    let r = d.send_as(Some(token), method, url, body);
    assert_eq!(r.status, 403, "{method} {url}: {}", r.body);
    assert_eq!(r.body["error"]["code"], json!(as_.0), "{method} {url}");
    assert_eq!(r.body["error"]["message"], json!(as_.1), "{method} {url}");
}

fn assert_allowed(
    d: &mut Driver,
    token: &str,
    method: &str,
    url: &str,
    body: Option<Value>,
) -> Value {
    let r = d.send_as(Some(token), method, url, body);
    assert!(r.status < 300, "{method} {url}: {} {}", r.status, r.body);
    r.body
}

#[test]
fn users_need_user_administrator() {
    let mut d = Driver::default();
    let (_, nobody) = user_with(&mut d, "nobody", &[]);
    let (_, groups) = user_with(&mut d, "groupsadmin", &[GROUPS_ADMIN]);
    let (_, users) = user_with(&mut d, "useradmin", &[USER_ADMIN]);
    for token in [&nobody, &groups] {
        assert_denied(
            &mut d,
            token,
            "POST",
            &format!("{G}/users"),
            Some(new_user("x")),
            DENIED_DIRECTORY,
        );
    }
    let made = assert_allowed(
        &mut d,
        &users,
        "POST",
        &format!("{G}/users"),
        Some(new_user("made")),
    );
    let url = format!("{G}/users/{}", made["id"].as_str().expect("id"));
    assert_denied(
        &mut d,
        &nobody,
        "PATCH",
        &url,
        Some(json!({"jobTitle": "x"})),
        DENIED_DIRECTORY,
    );
    assert_allowed(
        &mut d,
        &users,
        "PATCH",
        &url,
        Some(json!({"jobTitle": "x"})),
    );
    assert_denied(&mut d, &nobody, "DELETE", &url, None, DENIED_DIRECTORY);
    assert_allowed(&mut d, &users, "DELETE", &url, None);
    // Reading users needs no role: any member user reads the directory's basic properties.
    assert_allowed(&mut d, &nobody, "GET", &format!("{G}/users"), None);
    assert_allowed(&mut d, &nobody, "GET", &format!("{G}/me"), None);
}

#[test]
fn groups_need_groups_or_user_administrator_or_ownership() {
    let mut d = Driver::default();
    let (_, nobody) = user_with(&mut d, "nobody", &[]);
    let (_, groups) = user_with(&mut d, "groupsadmin", &[GROUPS_ADMIN]);
    let (member_id, users) = user_with(&mut d, "useradmin", &[USER_ADMIN]);
    assert_denied(
        &mut d,
        &nobody,
        "POST",
        &format!("{G}/groups"),
        Some(group_body("g0")),
        DENIED_DIRECTORY,
    );
    assert_allowed(
        &mut d,
        &users,
        "POST",
        &format!("{G}/groups"),
        Some(group_body("g1")),
    );
    let made = assert_allowed(
        &mut d,
        &groups,
        "POST",
        &format!("{G}/groups"),
        Some(group_body("g2")),
    );
    let url = format!("{G}/groups/{}", made["id"].as_str().expect("id"));
    let member = json!({"@odata.id": format!("{G}/directoryObjects/{member_id}")});
    assert_denied(
        &mut d,
        &nobody,
        "POST",
        &format!("{url}/members/$ref"),
        Some(member.clone()),
        DENIED_DIRECTORY,
    );
    assert_allowed(
        &mut d,
        &users,
        "POST",
        &format!("{url}/members/$ref"),
        Some(member),
    );
    assert_denied(
        &mut d,
        &nobody,
        "PATCH",
        &url,
        Some(json!({"description": "x"})),
        DENIED_DIRECTORY,
    );
    assert_allowed(&mut d, &nobody, "GET", &format!("{url}/members"), None);
    assert_denied(&mut d, &nobody, "DELETE", &url, None, DENIED_DIRECTORY);
    // The Groups Administrator who created it owns it; ownership alone would do too.
    assert_allowed(&mut d, &groups, "DELETE", &url, None);
}

#[test]
fn role_assignments_need_privileged_role_administrator() {
    let mut d = Driver::default();
    let (nobody_id, nobody) = user_with(&mut d, "nobody", &[]);
    let (_, users) = user_with(&mut d, "useradmin", &[USER_ADMIN]);
    let (_, pra) = user_with(&mut d, "roleadmin", &[PRIVILEGED_ROLE_ADMIN]);
    let url = format!("{G}/roleManagement/directory/roleAssignments");
    let body = json!({"roleDefinitionId": GLOBAL_READER, "principalId": nobody_id, "directoryScopeId": "/"});
    for token in [&nobody, &users] {
        assert_denied(
            &mut d,
            token,
            "POST",
            &url,
            Some(body.clone()),
            DENIED_DIRECTORY,
        );
    }
    let made = assert_allowed(&mut d, &pra, "POST", &url, Some(body));
    let one = format!("{url}/{}", made["id"].as_str().expect("id"));
    // Role definitions and assignments are readable by any member user.
    assert_allowed(
        &mut d,
        &nobody,
        "GET",
        &format!("{G}/roleManagement/directory/roleDefinitions"),
        None,
    );
    assert_allowed(&mut d, &nobody, "GET", &one, None);
    assert_denied(&mut d, &users, "DELETE", &one, None, DENIED_DIRECTORY);
    assert_allowed(&mut d, &pra, "DELETE", &one, None);
}

#[test]
fn entitlement_management_needs_identity_governance_administrator() {
    let mut d = Driver::default();
    let (_, nobody) = user_with(&mut d, "nobody", &[]);
    let (_, users) = user_with(&mut d, "useradmin", &[USER_ADMIN, PRIVILEGED_ROLE_ADMIN]);
    let (_, reader) = user_with(&mut d, "reader", &[GLOBAL_READER]);
    let (_, iga) = user_with(&mut d, "governance", &[IDENTITY_GOVERNANCE_ADMIN]);
    let catalogs = format!("{EM_V1}/catalogs");
    for token in [&nobody, &users] {
        assert_denied(&mut d, token, "GET", &catalogs, None, DENIED_EM);
    }
    assert_allowed(&mut d, &reader, "GET", &catalogs, None);
    let general = assert_allowed(&mut d, &iga, "GET", &catalogs, None);
    let catalog = general["value"][0]["id"]
        .as_str()
        .expect("catalog")
        .to_string();
    let package = json!({"displayName": "p", "catalog": {"id": catalog}});
    let writes = [
        ("catalogs", json!({"displayName": "c"})),
        ("accessPackages", package.clone()),
        ("assignmentPolicies", json!({"displayName": "x"})),
        ("resourceRequests", json!({"requestType": "adminAdd"})),
        (
            "assignmentRequests",
            json!({"requestType": "adminAdd", "assignment": {}}),
        ),
    ];
    for (set, body) in &writes {
        let url = format!("{EM_V1}/{set}");
        for token in [&nobody, &users, &reader] {
            assert_denied(&mut d, token, "POST", &url, Some(body.clone()), DENIED_EM);
        }
        let r = d.send_as(Some(&iga), "POST", &url, Some(body.clone()));
        assert_ne!(r.status, 403, "{set}: {}", r.body);
    }
    let made = assert_allowed(
        &mut d,
        &iga,
        "POST",
        &format!("{EM_V1}/accessPackages"),
        Some(package),
    );
    let one = format!(
        "{EM_V1}/accessPackages/{}",
        made["id"].as_str().expect("id")
    );
    assert_denied(&mut d, &users, "DELETE", &one, None, DENIED_EM);
    assert_allowed(&mut d, &iga, "DELETE", &one, None);
}

#[test]
fn a_role_assigned_now_counts_at_once() {
    let mut d = Driver::default();
    let (id, token) = user_with(&mut d, "late", &[]);
    assert_denied(
        &mut d,
        &token,
        "POST",
        &format!("{G}/users"),
        Some(new_user("x1")),
        DENIED_DIRECTORY,
    );
    let r = d.post(
        &format!("{G}/roleManagement/directory/roleAssignments"),
        json!({"roleDefinitionId": USER_ADMIN, "principalId": id, "directoryScopeId": "/"}),
    );
    assert_eq!(r.status, 201);
    // The same token: roles are read from the tenant, not from the token's `wids`.
    assert_allowed(
        &mut d,
        &token,
        "POST",
        &format!("{G}/users"),
        Some(new_user("x2")),
    );
}

#[test]
fn the_seeded_accounts_hold_their_documented_roles() {
    let sb = Sandbox::new(Config::default());
    let domain = sb.default_domain().to_string();
    let roles = |a: Account| {
        let mut r = sb.roles_of(&sb.account_upn(a));
        r.sort();
        r
    };
    assert_eq!(sb.account_upn(Account::GlobalAdmin), sb.admin_upn());
    assert_eq!(sb.account_upn(Account::Member), format!("member@{domain}"));
    assert_eq!(
        roles(Account::GlobalAdmin),
        ["62e90394-69f5-4237-9190-012177145e10"]
    );
    assert_eq!(
        roles(Account::LeastPrivilegeAdmin),
        [
            "45d8d3c5-c802-45c6-b32a-1d70b5e1e86e",
            "e8611ab8-c189-46e8-94e1-60213ab1f814",
            "fe930be7-5e62-47db-91af-98c3a49a38b1"
        ]
    );
    assert!(roles(Account::Member).is_empty());
    assert!(sb.token_for("nobody@example.com", T0).is_none());
}

#[test]
fn without_the_governance_licence_entitlement_management_refuses_everyone() {
    let mut d = Driver::new(Config {
        governance_licence: false,
        ..Config::default()
    });
    let r = d.get(&format!("{EM_V1}/catalogs"));
    assert_eq!(r.status, 403);
    assert_eq!(r.body["error"]["code"], json!("NoLicense"));
    assert_eq!(
        r.body["error"]["message"],
        json!("User is not authorized to perform the operation. Reason: Tenant does not meet license requirement!")
    );
    assert_eq!(
        d.get(&format!("{G}/users")).status,
        200,
        "the directory needs no licence"
    );
    d.sb.set_governance_licence(true);
    d.sb.reset();
    assert_eq!(d.get(&format!("{EM_V1}/catalogs")).status, 200);
    d.sb.set_governance_licence(false);
    d.sb.reset();
    assert_eq!(
        d.get(&format!("{EM_V1}/catalogs")).status,
        403,
        "reset keeps the setting"
    );
}

const EM_ROLES: &str = "https://graph.microsoft.com/v1.0/roleManagement/entitlementManagement";

/// Gives `principal` an entitlement-management role at `scope` (`/` or a catalog's), as `token` (`None`:
/// the Global Administrator).
fn grant_em(
    d: &mut Driver,
    token: Option<&str>,
    principal: &str,
    role: &str,
    scope: &str,
) -> (u16, Value) {
    let admin = d.token.clone();
    let r = d.send_as(
        Some(token.unwrap_or(&admin)),
        "POST",
        &format!("{EM_ROLES}/roleAssignments"),
        Some(json!({"principalId": principal, "roleDefinitionId": role, "appScopeId": scope})),
    );
    (r.status, r.body)
}

/// A catalog role lets a user with no directory role manage that one catalog, and nothing else:
/// "Delegation and roles in entitlement management"; the role tips of each API page.
#[test]
fn catalog_roles_delegate_one_catalog() {
    use sandbox::roles::{
        ACCESS_PACKAGE_ASSIGNMENT_MANAGER, CATALOG_CREATOR, CATALOG_OWNER, CATALOG_READER,
    };
    let mut d = Driver::default();
    let made = d.post(
        &format!("{EM_V1}/catalogs"),
        json!({"displayName": "Delegated"}),
    );
    assert_eq!(made.status, 201, "{}", made.body);
    let catalog = made.body["id"].as_str().expect("id").to_string();
    let general = d
        .get(&format!(
            "{EM_V1}/catalogs?$filter=displayName%20eq%20'General'"
        ))
        .body["value"][0]["id"]
        .as_str()
        .expect("General")
        .to_string();
    let scope = format!("/AccessPackageCatalog/{catalog}");
    let (owner_id, owner) = user_with(&mut d, "catowner", &[]);
    let (reader_id, reader) = user_with(&mut d, "catreader", &[]);
    let (manager_id, manager) = user_with(&mut d, "catassign", &[]);
    let (target_id, _) = user_with(&mut d, "cattarget", &[]);

    // The definitions are entitlement management's own.
    let defs = d.get(&format!("{EM_ROLES}/roleDefinitions"));
    assert_eq!(defs.status, 200, "{}", defs.body);
    let names: Vec<&str> = defs.body["value"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|r| r["displayName"].as_str())
        .collect();
    assert!(
        names.contains(&"Catalog owner") && names.contains(&"Access package assignment manager"),
        "{names:?}"
    );

    // Only an administrator (or the catalog's owner) gives catalog roles; a catalog role needs a catalog.
    let (status, body) = grant_em(&mut d, Some(&owner), &owner_id, CATALOG_OWNER, &scope);
    assert_eq!(status, 403, "{body}");
    let (status, body) = grant_em(&mut d, None, &owner_id, CATALOG_OWNER, "/");
    assert_eq!(status, 400, "{body}");
    let (status, body) = grant_em(&mut d, None, &owner_id, CATALOG_OWNER, &scope);
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["appScopeId"], json!(scope));
    let (status, body) = grant_em(&mut d, None, &owner_id, CATALOG_OWNER, &scope);
    assert_eq!(status, 400, "the same role twice: {body}");
    // The owner may now give the catalog's other roles.
    assert_eq!(
        grant_em(&mut d, Some(&owner), &reader_id, CATALOG_READER, &scope).0,
        201
    );
    assert_eq!(
        grant_em(
            &mut d,
            Some(&owner),
            &manager_id,
            ACCESS_PACKAGE_ASSIGNMENT_MANAGER,
            &scope
        )
        .0,
        201
    );

    // Each sees this catalog only.
    for token in [&owner, &reader, &manager] {
        let list = assert_allowed(&mut d, token, "GET", &format!("{EM_V1}/catalogs"), None);
        let ids: Vec<&str> = list["value"]
            .as_array()
            .expect("list")
            .iter()
            .filter_map(|c| c["id"].as_str())
            .collect();
        assert_eq!(ids, vec![catalog.as_str()]);
        assert_denied(
            &mut d,
            token,
            "GET",
            &format!("{EM_V1}/catalogs/{general}"),
            None,
            DENIED_EM,
        );
    }

    // The owner builds a package and its policy in their catalog, not in General.
    let package = |c: &str| json!({"displayName": "Delegated package", "catalog": {"id": c}});
    assert_denied(
        &mut d,
        &owner,
        "POST",
        &format!("{EM_V1}/accessPackages"),
        Some(package(&general)),
        DENIED_EM,
    );
    assert_denied(
        &mut d,
        &reader,
        "POST",
        &format!("{EM_V1}/accessPackages"),
        Some(package(&catalog)),
        DENIED_EM,
    );
    let p = assert_allowed(
        &mut d,
        &owner,
        "POST",
        &format!("{EM_V1}/accessPackages"),
        Some(package(&catalog)),
    );
    let package_id = p["id"].as_str().expect("id").to_string();
    let policy = json!({
        "displayName": "Delegated policy", "description": "d",
        "allowedTargetScope": "allDirectoryUsers",
        "expiration": {"type": "noExpiration"},
        "requestorSettings": {"enableTargetsToSelfAddAccess": false},
        "requestApprovalSettings": {"isApprovalRequiredForAdd": false, "stages": []},
        "accessPackage": {"id": package_id},
    });
    assert_denied(
        &mut d,
        &manager,
        "POST",
        &format!("{EM_V1}/assignmentPolicies"),
        Some(policy.clone()),
        DENIED_EM,
    );
    let made = assert_allowed(
        &mut d,
        &owner,
        "POST",
        &format!("{EM_V1}/assignmentPolicies"),
        Some(policy),
    );
    let policy_id = made["id"].as_str().expect("id").to_string();

    // The assignment manager assigns it; the reader may not.
    let assign = json!({"requestType": "adminAdd", "assignment": {
        "targetId": target_id, "assignmentPolicyId": policy_id, "accessPackageId": package_id}});
    assert_denied(
        &mut d,
        &reader,
        "POST",
        &format!("{EM_V1}/assignmentRequests"),
        Some(assign.clone()),
        DENIED_EM,
    );
    assert_allowed(
        &mut d,
        &manager,
        "POST",
        &format!("{EM_V1}/assignmentRequests"),
        Some(assign),
    );

    // A catalog creator makes a catalog and becomes its owner; they cannot see anyone else's.
    let (creator_id, creator) = user_with(&mut d, "creator", &[]);
    assert_denied(
        &mut d,
        &creator,
        "POST",
        &format!("{EM_V1}/catalogs"),
        Some(json!({"displayName": "Mine"})),
        DENIED_EM,
    );
    assert_eq!(
        grant_em(&mut d, None, &creator_id, CATALOG_CREATOR, "/").0,
        201
    );
    let mine = assert_allowed(
        &mut d,
        &creator,
        "POST",
        &format!("{EM_V1}/catalogs"),
        Some(json!({"displayName": "Mine"})),
    );
    let mine_id = mine["id"].as_str().expect("id").to_string();
    assert_allowed(
        &mut d,
        &creator,
        "GET",
        &format!("{EM_V1}/catalogs/{mine_id}"),
        None,
    );
    assert_denied(
        &mut d,
        &creator,
        "GET",
        &format!("{EM_V1}/catalogs/{catalog}"),
        None,
        DENIED_EM,
    );

    // Role assignments are objects of the run: listed beyond the seed, and gone with their catalog.
    let beyond = d.sb.snapshot().beyond_seed();
    assert!(
        beyond
            .iter()
            .filter(|o| o.kind == "unifiedRoleAssignment")
            .count()
            >= 5,
        "{beyond:?}"
    );
    assert_allowed(
        &mut d,
        &creator,
        "DELETE",
        &format!("{EM_V1}/catalogs/{mine_id}"),
        None,
    );
    let left = d.get(&format!("{EM_ROLES}/roleAssignments"));
    let scopes: Vec<&str> = left.body["value"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|a| a["appScopeId"].as_str())
        .collect();
    assert!(!scopes.iter().any(|s| s.ends_with(&mine_id)), "{scopes:?}");
    // Taking the role away takes the rights away.
    let owners = d.get(&format!("{EM_ROLES}/roleAssignments"));
    let owner_assignment = owners.body["value"]
        .as_array()
        .expect("list")
        .iter()
        .find(|a| {
            a["principalId"] == json!(owner_id) && a["roleDefinitionId"] == json!(CATALOG_OWNER)
        })
        .and_then(|a| a["id"].as_str())
        .expect("the owner's assignment")
        .to_string();
    assert_eq!(
        d.delete(&format!("{EM_ROLES}/roleAssignments/{owner_assignment}"))
            .status,
        204
    );
    assert_denied(
        &mut d,
        &owner,
        "GET",
        &format!("{EM_V1}/catalogs/{catalog}"),
        None,
        DENIED_EM,
    );
}
