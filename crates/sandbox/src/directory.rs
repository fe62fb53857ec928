//! Directory endpoints: users, groups and their members, role definitions and assignments,
//! `/me`, `/organization` and `/domains`. Same semantics on beta and v1.0.

use crate::clock::dir_time;
use crate::odata::{Expand, Family};
use crate::render::{self, Entity, ListRules};
use crate::reply::{GraphError, Outcome, Reply};
use crate::schema::Workload;
use crate::store::*;
use crate::target::Version;
use crate::tenant::{bool_prop, get_ci, guid_ref, position, str_prop, Ctx, Tenant};
use serde_json::{json, Map, Value};

pub(crate) fn dir_rules() -> ListRules {
    ListRules {
        family: Some(Family::Directory),
        ..ListRules::default()
    }
}

/// Users and groups: directory objects, with the advanced query rules.
fn directory_objects() -> ListRules {
    ListRules {
        directory_objects: true,
        ..dir_rules()
    }
}

fn opt(s: &Option<String>) -> Value {
    s.as_ref().map_or(Value::Null, |s| Value::String(s.clone()))
}

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

impl Entity for User {
    fn type_name(_: Version) -> &'static str {
        "user"
    }
    fn navs(_: Version) -> &'static [&'static str] {
        &["memberOf", "ownedObjects"]
    }
    fn default_props(v: Version) -> Option<&'static [&'static str]> {
        match v {
            Version::V1 => Some(&[
                "id",
                "businessPhones",
                "displayName",
                "givenName",
                "jobTitle",
                "mail",
                "mobilePhone",
                "officeLocation",
                "preferredLanguage",
                "surname",
                "userPrincipalName",
            ]),
            // Beta answers with many more properties by default, as in the tutorial.
            Version::Beta => None,
        }
    }
    fn props(&self, _: &Tenant, _: Version) -> Map<String, Value> {
        obj(json!({
            "id": self.meta.id,
            "deletedDateTime": null,
            "accountEnabled": self.account_enabled,
            "ageGroup": null,
            "businessPhones": [],
            "city": null,
            "createdDateTime": dir_time(self.meta.created_ms),
            "creationType": null,
            "companyName": null,
            "country": null,
            "department": null,
            "displayName": self.display_name,
            "employeeId": null,
            "givenName": opt(&self.given_name),
            "imAddresses": [],
            "jobTitle": opt(&self.job_title),
            "mail": opt(&self.mail),
            "mailNickname": self.mail_nickname,
            "mobilePhone": null,
            "officeLocation": null,
            "preferredLanguage": null,
            "surname": opt(&self.surname),
            "usageLocation": opt(&self.usage_location),
            "userPrincipalName": self.upn,
            "userType": "Member",
        }))
    }
    fn nav(&self, t: &Tenant, v: Version, name: &str, sub: &Expand) -> Result<Value, GraphError> {
        let id = &self.meta.id;
        let groups = t.store.groups.iter().filter(|g| match name {
            "memberOf" => g.members.contains(id),
            _ => g.owners.contains(id),
        });
        render::nav_list(groups, t, v, sub)
    }
}

impl Entity for Group {
    fn type_name(_: Version) -> &'static str {
        "group"
    }
    fn navs(_: Version) -> &'static [&'static str] {
        &["members", "owners"]
    }
    fn props(&self, t: &Tenant, _: Version) -> Map<String, Value> {
        obj(json!({
            "id": self.meta.id,
            "deletedDateTime": null,
            "classification": null,
            "createdDateTime": dir_time(self.meta.created_ms),
            "description": opt(&self.description),
            "displayName": self.display_name,
            "expirationDateTime": null,
            "groupTypes": self.group_types,
            "isAssignableToRole": self.is_assignable_to_role,
            "mail": if self.mail_enabled { Value::String(format!("{}@{}", self.mail_nickname, t.domain)) } else { Value::Null },
            "mailEnabled": self.mail_enabled,
            "mailNickname": self.mail_nickname,
            "membershipRule": null,
            "onPremisesSyncEnabled": null,
            "proxyAddresses": [],
            "renewedDateTime": dir_time(self.meta.created_ms),
            "securityEnabled": self.security_enabled,
            "securityIdentifier": security_identifier(&self.meta.id),
            "visibility": opt(&self.visibility),
        }))
    }
    fn nav(&self, t: &Tenant, v: Version, name: &str, sub: &Expand) -> Result<Value, GraphError> {
        let ids = if name == "members" {
            &self.members
        } else {
            &self.owners
        };
        let users = t.store.users.iter().filter(|u| ids.contains(&u.meta.id));
        let list = render::nav_list(users, t, v, sub)?;
        // Members are directoryObjects: each carries its type.
        Ok(match list {
            Value::Array(items) => Value::Array(
                items
                    .into_iter()
                    .map(|i| {
                        let mut m = Map::new();
                        m.insert("@odata.type".into(), json!("#microsoft.graph.user"));
                        m.extend(obj(i));
                        Value::Object(m)
                    })
                    .collect(),
            ),
            other => other,
        })
    }
}

/// Groups get an `S-1-12-1-…` SID derived from their object id, as Entra does.
fn security_identifier(id: &str) -> String {
    match crate::ids::guid_bytes_dotnet(id) {
        Some(b) => {
            let part = |i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
            format!("S-1-12-1-{}-{}-{}-{}", part(0), part(4), part(8), part(12))
        }
        None => String::new(),
    }
}

impl Entity for RoleDefinition {
    fn type_name(_: Version) -> &'static str {
        "unifiedRoleDefinition"
    }
    fn navs(_: Version) -> &'static [&'static str] {
        &[]
    }
    fn props(&self, t: &Tenant, v: Version) -> Map<String, Value> {
        let name = match (v, self.legacy_name) {
            (Version::Beta, Some(legacy)) if t.legacy_role_names => legacy,
            _ => self.display_name,
        };
        let mut m = obj(json!({
            "id": self.id,
            "description": self.description,
            "displayName": name,
            "isBuiltIn": true,
            "isEnabled": true,
            "resourceScopes": ["/"],
            "templateId": self.id,
            "version": "1",
            "rolePermissions": [{"allowedResourceActions": [], "condition": null}],
        }));
        if v == Version::Beta {
            m.insert(
                "isPrivileged".into(),
                json!(matches!(
                    self.id,
                    GLOBAL_ADMIN | PRIVILEGED_ROLE_ADMIN | USER_ADMIN
                )),
            );
        }
        m
    }
    fn nav(&self, _: &Tenant, _: Version, _: &str, _: &Expand) -> Result<Value, GraphError> {
        Ok(Value::Null)
    }
}

impl Entity for RoleAssignment {
    fn type_name(_: Version) -> &'static str {
        "unifiedRoleAssignment"
    }
    fn navs(_: Version) -> &'static [&'static str] {
        &["principal", "roleDefinition"]
    }
    fn props(&self, _: &Tenant, v: Version) -> Map<String, Value> {
        let mut m = obj(json!({
            "id": self.meta.id,
            "principalId": self.principal_id,
            "directoryScopeId": self.directory_scope_id,
            "roleDefinitionId": self.role_definition_id,
            "appScopeId": self.app_scope_id,
        }));
        if v == Version::Beta {
            m.insert("resourceScope".into(), json!(self.directory_scope_id));
        } else {
            m.insert("condition".into(), Value::Null);
        }
        m
    }
    fn nav(&self, t: &Tenant, v: Version, name: &str, sub: &Expand) -> Result<Value, GraphError> {
        if name == "principal" {
            let u = t
                .store
                .users
                .iter()
                .find(|u| u.meta.id == self.principal_id);
            return render::nav_one(u, t, v, sub);
        }
        let r = t
            .store
            .role_definitions
            .iter()
            .chain(&t.store.em_role_definitions)
            .find(|r| r.id == self.role_definition_id);
        render::nav_one(r, t, v, sub)
    }
}

/// Graph's role assignment ids: base64url of the role and principal GUIDs, then `-1`.
pub(crate) fn role_assignment_id(role_definition_id: &str, principal_id: &str) -> String {
    let mut bytes = Vec::with_capacity(32);
    for g in [role_definition_id, principal_id] {
        bytes.extend_from_slice(&crate::ids::guid_bytes_dotnet(g).unwrap_or([0; 16]));
    }
    format!("{}-1", crate::token::b64url_encode(&bytes))
}

struct Organization;
struct Domain;

impl Entity for Organization {
    fn type_name(_: Version) -> &'static str {
        "organization"
    }
    fn navs(_: Version) -> &'static [&'static str] {
        &[]
    }
    fn props(&self, t: &Tenant, _: Version) -> Map<String, Value> {
        obj(json!({
            "id": t.tenant_id,
            "deletedDateTime": null,
            "businessPhones": [],
            "city": null,
            "country": null,
            "countryLetterCode": "US",
            "createdDateTime": dir_time(SEEDED_MS),
            "displayName": t.org_name,
            "preferredLanguage": "en",
            "tenantType": "AAD",
            "verifiedDomains": [{
                "capabilities": "Email, OfficeCommunicationsOnline",
                "isDefault": true,
                "isInitial": true,
                "name": t.domain,
                "type": "Managed",
            }],
        }))
    }
    fn nav(&self, _: &Tenant, _: Version, _: &str, _: &Expand) -> Result<Value, GraphError> {
        Ok(Value::Null)
    }
}

impl Entity for Domain {
    fn type_name(_: Version) -> &'static str {
        "domain"
    }
    fn navs(_: Version) -> &'static [&'static str] {
        &[]
    }
    fn props(&self, t: &Tenant, _: Version) -> Map<String, Value> {
        obj(json!({
            "id": t.domain,
            "authenticationType": "Managed",
            "availabilityStatus": null,
            "isAdminManaged": true,
            "isDefault": true,
            "isInitial": true,
            "isRoot": true,
            "isVerified": true,
            "passwordNotificationWindowInDays": 14,
            "passwordValidityPeriodInDays": 2147483647,
            "supportedServices": ["Email", "OfficeCommunicationsOnline"],
        }))
    }
    fn nav(&self, _: &Tenant, _: Version, _: &str, _: &Expand) -> Result<Value, GraphError> {
        Ok(Value::Null)
    }
}

// ---- handlers ----

pub(crate) fn me(t: &Tenant, cx: &Ctx) -> Outcome {
    let u = t.find(&t.store.users, &cx.caller.user_id)?;
    Ok(Reply::ok(render::entity(t, cx, u, "users")?))
}

pub(crate) fn organization(t: &Tenant, cx: &Ctx) -> Outcome {
    render::list(t, cx, [Organization].iter(), "organization", dir_rules())
}

pub(crate) fn domains(t: &Tenant, cx: &Ctx) -> Outcome {
    render::list(t, cx, [Domain].iter(), "domains", dir_rules())
}

pub(crate) fn domain(t: &Tenant, cx: &Ctx, id: &str) -> Outcome {
    if !id.eq_ignore_ascii_case(&t.domain) {
        return Err(GraphError::not_found(id));
    }
    Ok(Reply::ok(render::entity(t, cx, &Domain, "domains")?))
}

pub(crate) fn list_users(t: &Tenant, cx: &Ctx) -> Outcome {
    render::list(
        t,
        cx,
        t.visible(&t.store.users),
        "users",
        directory_objects(),
    )
}

/// Users are addressed by id or by userPrincipalName.
fn user_index(t: &Tenant, key: &str) -> Result<usize, GraphError> {
    let pos = position(&t.store.users, key)
        .or_else(|| {
            t.store
                .users
                .iter()
                .position(|u| u.upn.eq_ignore_ascii_case(key))
        })
        .ok_or_else(|| GraphError::not_found(key))?;
    if t.lagging(&t.store.users[pos]) {
        return Err(GraphError::not_found(key).lagged());
    }
    Ok(pos)
}

pub(crate) fn get_user(t: &Tenant, cx: &Ctx, key: &str) -> Outcome {
    let i = user_index(t, key)?;
    Ok(Reply::ok(render::entity(
        t,
        cx,
        &t.store.users[i],
        "users",
    )?))
}

fn nickname_ok(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.chars()
            .all(|c| c.is_ascii() && !c.is_ascii_control() && !"@()\\[]\";:.<>, ".contains(c))
}

fn password_ok(p: &str) -> bool {
    let classes = [
        p.chars().any(|c| c.is_ascii_lowercase()),
        p.chars().any(|c| c.is_ascii_uppercase()),
        p.chars().any(|c| c.is_ascii_digit()),
        p.chars().any(|c| !c.is_ascii_alphanumeric()),
    ];
    (8..=256).contains(&p.chars().count()) && classes.iter().filter(|b| **b).count() >= 3
}

pub(crate) fn create_user(t: &mut Tenant, cx: &Ctx) -> Outcome {
    t.require_role(&cx.caller, &[GLOBAL_ADMIN, USER_ADMIN])?;
    let b = cx.body_as(t, "user", Workload::Directory)?;
    let account_enabled = bool_prop(&b, "accountEnabled")?
        .ok_or_else(|| GraphError::required("accountEnabled", "User"))?;
    let display_name =
        str_prop(&b, "displayName")?.ok_or_else(|| GraphError::required("displayName", "User"))?;
    let mail_nickname = str_prop(&b, "mailNickname")?
        .ok_or_else(|| GraphError::required("mailNickname", "User"))?;
    let upn = str_prop(&b, "userPrincipalName")?
        .ok_or_else(|| GraphError::required("userPrincipalName", "User"))?;
    let (password, force_change) = match get_ci(&b, "passwordProfile") {
        Some(Value::Object(p)) => (
            str_prop(p, "password")?,
            // "If not set, default is false" (beta passwordProfile resource).
            bool_prop(p, "forceChangePasswordNextSignIn")?.unwrap_or(false),
        ),
        _ => (None, false),
    };
    let password = password.ok_or_else(|| GraphError::required("passwordProfile", "User"))?;
    if !nickname_ok(&mail_nickname) {
        return Err(invalid_value("mailNickname", "User"));
    }
    let (local, domain) = upn
        .split_once('@')
        .ok_or_else(|| invalid_value("userPrincipalName", "User"))?;
    if local.is_empty()
        || local.len() > 64
        || !local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "'.-_!#^~".contains(c))
        || local.starts_with('.')
        || local.ends_with('.')
    {
        return Err(invalid_value("userPrincipalName", "User"));
    }
    if !domain.eq_ignore_ascii_case(&t.domain) {
        return Err(GraphError::directory_bad_request(
            "The domain portion of the userPrincipalName property is invalid. You must use one of the verified domain names in your organization.",
        )
        .with_details(json!([{"code": "InvalidValue", "target": "userPrincipalName"}])));
    }
    if t.store
        .users
        .iter()
        .any(|u| u.upn.eq_ignore_ascii_case(&upn))
    {
        return Err(GraphError::directory_bad_request(
            "Another object with the same value for property userPrincipalName already exists.",
        )
        .with_details(json!([{"code": "ObjectConflict", "target": "userPrincipalName"}])));
    }
    if !password_ok(&password) {
        return Err(GraphError::directory_bad_request(
            "The specified password does not comply with password complexity requirements. Please provide a different password.",
        ));
    }
    let user = User {
        meta: Meta {
            id: t.new_id(),
            created_ms: t.now,
            seeded: false,
        },
        display_name,
        mail_nickname,
        upn,
        account_enabled,
        given_name: str_prop(&b, "givenName")?,
        surname: str_prop(&b, "surname")?,
        job_title: str_prop(&b, "jobTitle")?,
        mail: str_prop(&b, "mail")?,
        usage_location: str_prop(&b, "usageLocation")?,
        subject_id: t.new_id(),
        password: Some(PasswordProfile {
            password,
            force_change_next_sign_in: force_change,
        }),
    };
    let mut body = render::created(t, cx.v, &user, "users")?;
    if cx.v == Version::Beta {
        // Beta answers a create before the object is fully written (the tutorial shows null).
        body["createdDateTime"] = Value::Null;
    }
    t.store.users.push(user);
    Ok(Reply::created(body))
}

fn invalid_value(property: &str, resource: &str) -> GraphError {
    GraphError::directory_bad_request(format!(
        "Invalid value specified for property '{property}' of resource '{resource}'."
    ))
}

pub(crate) fn update_user(t: &mut Tenant, cx: &Ctx, key: &str) -> Outcome {
    t.require_role(&cx.caller, &[GLOBAL_ADMIN, USER_ADMIN])?;
    let i = user_index(t, key)?;
    let b = cx.body_as(t, "user", Workload::Directory)?;
    let u = &mut t.store.users[i];
    if let Some(s) = str_prop(&b, "displayName")? {
        u.display_name = s;
    }
    if let Some(s) = bool_prop(&b, "accountEnabled")? {
        u.account_enabled = s;
    }
    for (name, field) in [
        ("givenName", &mut u.given_name),
        ("surname", &mut u.surname),
        ("jobTitle", &mut u.job_title),
        ("usageLocation", &mut u.usage_location),
    ] {
        if get_ci(&b, name).is_some() {
            *field = str_prop(&b, name)?;
        }
    }
    Ok(Reply::NoContent)
}

pub(crate) fn delete_user(t: &mut Tenant, cx: &Ctx, key: &str) -> Outcome {
    t.require_role(&cx.caller, &[GLOBAL_ADMIN, USER_ADMIN])?;
    let i = user_index(t, key)?;
    // Into deleted items for 30 days: memberships, role assignments and access package
    // assignments stay, so a restore brings them back (and they still block what they block).
    let user = t.store.users.remove(i);
    t.store.deleted_users.push((user, t.now));
    Ok(Reply::NoContent)
}

pub(crate) fn list_groups(t: &Tenant, cx: &Ctx) -> Outcome {
    render::list(
        t,
        cx,
        t.visible(&t.store.groups),
        "groups",
        directory_objects(),
    )
}

fn group_index(t: &Tenant, id: &str) -> Result<usize, GraphError> {
    if !crate::ids::is_guid(id) {
        return Err(GraphError::directory_bad_request(format!(
            "Invalid object identifier '{id}'."
        )));
    }
    let g = t.find(&t.store.groups, id)?;
    position(&t.store.groups, &g.meta.id).ok_or_else(|| GraphError::not_found(id))
}

pub(crate) fn get_group(t: &Tenant, cx: &Ctx, id: &str) -> Outcome {
    let i = group_index(t, id)?;
    Ok(Reply::ok(render::entity(
        t,
        cx,
        &t.store.groups[i],
        "groups",
    )?))
}

/// `https://graph.microsoft.com/v1.0/users/{id}` or `.../directoryObjects/{id}` → the id.
fn bind_id(url: &str) -> &str {
    url.trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(url)
        .trim_matches(|c| c == '\'' || c == '(' || c == ')')
}

fn bound_users(t: &Tenant, b: &Map<String, Value>, name: &str) -> Result<Vec<String>, GraphError> {
    let mut out = Vec::new();
    match get_ci(b, name) {
        None | Some(Value::Null) => {}
        Some(Value::Array(urls)) => {
            for u in urls {
                let url = u
                    .as_str()
                    .ok_or_else(|| GraphError::bad_request(format!("'{name}' must list URLs.")))?;
                let id = bind_id(url);
                guid_ref(id)?;
                out.push(t.find(&t.store.users, id)?.meta.id.clone());
            }
        }
        Some(_) => return Err(GraphError::bad_request(format!("'{name}' must list URLs."))),
    }
    Ok(out)
}

pub(crate) fn create_group(t: &mut Tenant, cx: &Ctx) -> Outcome {
    t.require_role(&cx.caller, &[GLOBAL_ADMIN, GROUPS_ADMIN, USER_ADMIN])?;
    let b = cx.body_as(t, "group", Workload::Directory)?;
    let display_name =
        str_prop(&b, "displayName")?.ok_or_else(|| GraphError::required("displayName", "Group"))?;
    let mail_enabled = bool_prop(&b, "mailEnabled")?
        .ok_or_else(|| GraphError::required("mailEnabled", "Group"))?;
    let mail_nickname = str_prop(&b, "mailNickname")?
        .ok_or_else(|| GraphError::required("mailNickname", "Group"))?;
    let security_enabled = bool_prop(&b, "securityEnabled")?
        .ok_or_else(|| GraphError::required("securityEnabled", "Group"))?;
    if !nickname_ok(&mail_nickname) {
        return Err(invalid_value("mailNickname", "Group"));
    }
    if display_name.is_empty() || display_name.chars().count() > 256 {
        return Err(invalid_value("displayName", "Group"));
    }
    let group_types = match get_ci(&b, "groupTypes") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        Some(_) => return Err(invalid_value("groupTypes", "Group")),
    };
    let mut owners = bound_users(t, &b, "owners@odata.bind")?;
    let members = bound_users(t, &b, "members@odata.bind")?;
    // A delegated caller who creates a group becomes its owner.
    if !owners.contains(&cx.caller.user_id) {
        owners.push(cx.caller.user_id.clone());
    }
    let group = Group {
        meta: Meta {
            id: t.new_id(),
            created_ms: t.now,
            seeded: false,
        },
        display_name,
        description: str_prop(&b, "description")?,
        mail_nickname,
        mail_enabled,
        security_enabled,
        group_types,
        visibility: str_prop(&b, "visibility")?,
        is_assignable_to_role: bool_prop(&b, "isAssignableToRole")?,
        members,
        owners,
    };
    let body = render::created(t, cx.v, &group, "groups")?;
    t.store.groups.push(group);
    Ok(Reply::created(body))
}

pub(crate) fn update_group(t: &mut Tenant, cx: &Ctx, id: &str) -> Outcome {
    let i = group_index(t, id)?;
    require_group_admin(t, cx, i)?;
    let b = cx.body_as(t, "group", Workload::Directory)?;
    let g = &mut t.store.groups[i];
    if let Some(s) = str_prop(&b, "displayName")? {
        g.display_name = s;
    }
    if get_ci(&b, "description").is_some() {
        g.description = str_prop(&b, "description")?;
    }
    Ok(Reply::NoContent)
}

fn require_group_admin(t: &Tenant, cx: &Ctx, i: usize) -> Result<(), GraphError> {
    if t.store.groups[i].owners.contains(&cx.caller.user_id) {
        return Ok(());
    }
    t.require_role(&cx.caller, &[GLOBAL_ADMIN, GROUPS_ADMIN, USER_ADMIN])
}

pub(crate) fn delete_group(t: &mut Tenant, cx: &Ctx, id: &str) -> Outcome {
    let i = group_index(t, id)?;
    require_group_admin(t, cx, i)?;
    // Security and Microsoft 365 groups go to deleted items for 30 days; what refers to them stays
    // until they are deleted for good.
    let g = t.store.groups.remove(i);
    t.store.deleted_groups.push((g, t.now));
    Ok(Reply::NoContent)
}

pub(crate) fn list_members(t: &Tenant, cx: &Ctx, id: &str, owners: bool) -> Outcome {
    let i = group_index(t, id)?;
    let g = &t.store.groups[i];
    let ids = if owners { &g.owners } else { &g.members };
    let users = t.store.users.iter().filter(|u| ids.contains(&u.meta.id));
    let rules = ListRules {
        with_type: true,
        ..directory_objects()
    };
    render::list(t, cx, users, "directoryObjects", rules)
}

pub(crate) fn add_member(t: &mut Tenant, cx: &Ctx, id: &str) -> Outcome {
    let i = group_index(t, id)?;
    require_group_admin(t, cx, i)?;
    let b = cx.json()?;
    let url =
        str_prop(&b, "@odata.id")?.ok_or_else(|| GraphError::required("@odata.id", "Reference"))?;
    let uid = bind_id(&url).to_string();
    guid_ref(&uid)?;
    let uid = t.find(&t.store.users, &uid)?.meta.id.clone();
    let g = &mut t.store.groups[i];
    if g.members.contains(&uid) {
        return Err(GraphError::directory_bad_request(
            "One or more added object references already exist for the following modified properties: 'members'.",
        ));
    }
    g.members.push(uid);
    Ok(Reply::NoContent)
}

pub(crate) fn remove_member(t: &mut Tenant, cx: &Ctx, id: &str, member: &str) -> Outcome {
    let i = group_index(t, id)?;
    require_group_admin(t, cx, i)?;
    let g = &mut t.store.groups[i];
    let before = g.members.len();
    g.members.retain(|m| !m.eq_ignore_ascii_case(member));
    if g.members.len() == before {
        return Err(GraphError::not_found(member));
    }
    Ok(Reply::NoContent)
}

pub(crate) fn list_role_definitions(t: &Tenant, cx: &Ctx) -> Outcome {
    let rules = ListRules {
        refuse_or: true,
        ..dir_rules()
    };
    render::list(
        t,
        cx,
        t.store.role_definitions.iter(),
        "roleManagement/directory/roleDefinitions",
        rules,
    )
}

pub(crate) fn get_role_definition(t: &Tenant, cx: &Ctx, id: &str) -> Outcome {
    let r = t
        .store
        .role_definitions
        .iter()
        .find(|r| r.id.eq_ignore_ascii_case(id))
        .ok_or_else(|| GraphError::not_found(id))?;
    Ok(Reply::ok(render::entity(
        t,
        cx,
        r,
        "roleManagement/directory/roleDefinitions",
    )?))
}

pub(crate) fn list_role_assignments(t: &Tenant, cx: &Ctx) -> Outcome {
    let rules = ListRules {
        refuse_or: true,
        ..dir_rules()
    };
    render::list(
        t,
        cx,
        t.visible(&t.store.role_assignments),
        "roleManagement/directory/roleAssignments",
        rules,
    )
}

pub(crate) fn get_role_assignment(t: &Tenant, cx: &Ctx, id: &str) -> Outcome {
    let a = t.find(&t.store.role_assignments, id)?;
    Ok(Reply::ok(render::entity(
        t,
        cx,
        a,
        "roleManagement/directory/roleAssignments",
    )?))
}

pub(crate) fn create_role_assignment(t: &mut Tenant, cx: &Ctx) -> Outcome {
    t.require_role(&cx.caller, &[GLOBAL_ADMIN, PRIVILEGED_ROLE_ADMIN])?;
    let b = cx.body_as(t, "unifiedRoleAssignment", Workload::Directory)?;
    let role = str_prop(&b, "roleDefinitionId")?
        .ok_or_else(|| GraphError::required("roleDefinitionId", "unifiedRoleAssignment"))?;
    let principal = str_prop(&b, "principalId")?
        .ok_or_else(|| GraphError::required("principalId", "unifiedRoleAssignment"))?;
    let scope = str_prop(&b, "directoryScopeId")?;
    if str_prop(&b, "appScopeId")?.is_some() {
        return Err(GraphError::bad_request(
            "The sandbox supports only directoryScopeId '/' for directory role assignments.",
        ));
    }
    let scope =
        scope.ok_or_else(|| GraphError::required("directoryScopeId", "unifiedRoleAssignment"))?;
    if scope != "/" {
        return Err(GraphError::bad_request(
            "The sandbox supports only directoryScopeId '/' for directory role assignments.",
        ));
    }
    guid_ref(&role)?;
    guid_ref(&principal)?;
    let role = t
        .store
        .role_definitions
        .iter()
        .find(|r| r.id.eq_ignore_ascii_case(&role))
        .map(|r| r.id.to_string())
        .ok_or_else(|| GraphError::not_found(&role))?;
    let principal = match t.find(&t.store.users, &principal) {
        Ok(u) => u.meta.id.clone(),
        Err(e) => match t.find(&t.store.groups, &principal) {
            Ok(g) if g.is_assignable_to_role == Some(true) => g.meta.id.clone(),
            Ok(_) => {
                return Err(GraphError::bad_request(
                    "Only groups with isAssignableToRole set can be assigned roles.",
                ))
            }
            Err(_) => return Err(e),
        },
    };
    let id = role_assignment_id(&role, &principal);
    if t.store.role_assignments.iter().any(|a| a.meta.id == id) {
        return Err(GraphError::directory_bad_request(
            "A conflicting object with one or more of the specified property values is present in the directory.",
        ));
    }
    let a = RoleAssignment {
        meta: Meta {
            id,
            created_ms: t.now,
            seeded: false,
        },
        role_definition_id: role,
        principal_id: principal,
        directory_scope_id: scope,
        app_scope_id: None,
    };
    let body = render::created(t, cx.v, &a, "roleManagement/directory/roleAssignments")?;
    t.store.role_assignments.push(a);
    Ok(Reply::created(body))
}

pub(crate) fn delete_role_assignment(t: &mut Tenant, cx: &Ctx, id: &str) -> Outcome {
    t.require_role(&cx.caller, &[GLOBAL_ADMIN, PRIVILEGED_ROLE_ADMIN])?;
    let id = t.find(&t.store.role_assignments, id)?.meta.id.clone();
    t.store.role_assignments.retain(|a| a.meta.id != id);
    Ok(Reply::NoContent)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_assignment_ids_match_graphs_form() {
        assert_eq!(
            role_assignment_id(GLOBAL_ADMIN, "792006a5-1d63-4d63-81c7-ec0808181486"),
            "lAPpYvVpN0KRkAEhdxReEKUGIHljHWNNgcfsCAgYFIY-1"
        );
    }

    #[test]
    fn passwords_and_nicknames() {
        assert!(password_ok("Contoso1234"));
        assert!(!password_ok("short1A"));
        assert!(!password_ok("alllowercase"));
        assert!(nickname_ok("markres"));
        assert!(!nickname_ok("mark res"));
    }
}
