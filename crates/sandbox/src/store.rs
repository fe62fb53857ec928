//! The tenant's objects as plain data, and the state the sandbox starts from.

use serde_json::Value;

/// Bookkeeping every stored object carries.
#[derive(Clone, Debug)]
pub(crate) struct Meta {
    pub id: String,
    pub created_ms: u64,
    /// Seeded objects exist "since forever": never lagged, never leftovers.
    pub seeded: bool,
}

pub(crate) trait HasMeta {
    fn meta(&self) -> &Meta;
}

macro_rules! has_meta {
    ($($t:ty),*) => {$(impl HasMeta for $t { fn meta(&self) -> &Meta { &self.meta } })*};
}

#[derive(Clone, Debug)]
pub(crate) struct User {
    pub meta: Meta,
    pub display_name: String,
    pub mail_nickname: String,
    pub upn: String,
    pub account_enabled: bool,
    pub given_name: Option<String>,
    pub surname: Option<String>,
    pub job_title: Option<String>,
    pub mail: Option<String>,
    pub usage_location: Option<String>,
    /// The accessPackageSubject id entitlement management gives this user.
    pub subject_id: String,
    /// `passwordProfile` as created: Graph never returns it, the sign-in emulator checks it. `None`
    /// for the seeded accounts, whose password is the emulator's own.
    pub password: Option<PasswordProfile>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PasswordProfile {
    pub password: String,
    pub force_change_next_sign_in: bool,
}

#[derive(Clone, Debug)]
pub(crate) struct Group {
    pub meta: Meta,
    pub display_name: String,
    pub description: Option<String>,
    pub mail_nickname: String,
    pub mail_enabled: bool,
    pub security_enabled: bool,
    pub group_types: Vec<String>,
    pub visibility: Option<String>,
    pub is_assignable_to_role: Option<bool>,
    pub members: Vec<String>,
    pub owners: Vec<String>,
}

#[derive(Clone, Debug)]
pub(crate) struct RoleDefinition {
    pub id: &'static str,
    pub display_name: &'static str,
    /// The name the role had before (beta answered with it for years).
    pub legacy_name: Option<&'static str>,
    pub description: &'static str,
}

#[derive(Clone, Debug)]
pub(crate) struct RoleAssignment {
    pub meta: Meta,
    pub role_definition_id: String,
    pub principal_id: String,
    pub directory_scope_id: String,
    /// Entitlement management's roles: `/AccessPackageCatalog/{id}` for a catalog role, `/` for Catalog
    /// creator; `None` for directory roles.
    pub app_scope_id: Option<String>,
}

#[derive(Clone, Debug)]
pub(crate) struct Catalog {
    pub meta: Meta,
    pub display_name: String,
    pub description: Option<String>,
    pub built_in: bool,
    pub published: bool,
    pub externally_visible: bool,
    pub created_by: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RoleKind {
    Member,
    Owner,
}

impl RoleKind {
    pub(crate) fn name(self) -> &'static str {
        match self {
            RoleKind::Member => "Member",
            RoleKind::Owner => "Owner",
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Resource {
    pub meta: Meta,
    pub catalog_id: String,
    /// The group's object id.
    pub origin_id: String,
    pub display_name: String,
    pub description: Option<String>,
    pub added_by: String,
    pub member_role_id: String,
    pub owner_role_id: String,
    pub scope_id: String,
}

impl Resource {
    pub(crate) fn role_id(&self, kind: RoleKind) -> &str {
        match kind {
            RoleKind::Member => &self.member_role_id,
            RoleKind::Owner => &self.owner_role_id,
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct ResourceRequest {
    pub meta: Meta,
    pub catalog_id: String,
    pub resource_id: Option<String>,
    pub origin_id: String,
    pub remove: bool,
    pub justification: Option<String>,
}

#[derive(Clone, Debug)]
pub(crate) struct AccessPackage {
    pub meta: Meta,
    pub catalog_id: String,
    pub display_name: String,
    pub description: Option<String>,
    pub is_hidden: bool,
    pub created_by: String,
}

#[derive(Clone, Debug)]
pub(crate) struct RoleScope {
    /// `{roleId}_{scopeId}`, as Graph forms it.
    pub meta: Meta,
    pub access_package_id: String,
    pub resource_id: String,
    pub role: RoleKind,
    pub created_by: String,
}

/// Who a policy lets in, in one form for both API versions.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Scope {
    /// Administrator direct assignments only (beta NoSubjects, v1.0 notSpecified).
    AdminOnly,
    /// Listed users and members of listed groups.
    Specific,
    AllMembers,
    AllDirectory,
    /// External and connected-organization scopes, kept by their beta and v1.0 names.
    External(String, String),
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct AllowedTarget {
    pub group: bool,
    pub id: String,
    pub description: Option<String>,
}

#[derive(Clone, Debug)]
pub(crate) struct Policy {
    pub meta: Meta,
    pub access_package_id: String,
    pub display_name: String,
    pub description: Option<String>,
    pub scope: Scope,
    pub targets: Vec<AllowedTarget>,
    /// Beta `acceptRequests`; v1.0 `enableTargetsToSelfAddAccess`.
    pub self_add: bool,
    pub self_remove: bool,
    pub approval_required: bool,
    pub duration_days: Option<u64>,
    pub can_extend: bool,
    pub created_by: String,
    /// Beta approval settings as posted, echoed back on beta.
    pub beta_approval: Option<Value>,
    pub beta_review: Value,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RequestType {
    AdminAdd,
    AdminRemove,
    UserAdd,
    UserRemove,
}

impl RequestType {
    pub(crate) fn parse(s: &str) -> Option<Self> {
        Some(match s.to_ascii_lowercase().as_str() {
            "adminadd" => Self::AdminAdd,
            "adminremove" => Self::AdminRemove,
            "useradd" => Self::UserAdd,
            "userremove" => Self::UserRemove,
            _ => return None,
        })
    }
    pub(crate) fn beta(self) -> &'static str {
        match self {
            Self::AdminAdd => "AdminAdd",
            Self::AdminRemove => "AdminRemove",
            Self::UserAdd => "UserAdd",
            Self::UserRemove => "UserRemove",
        }
    }
    pub(crate) fn v1(self) -> &'static str {
        match self {
            Self::AdminAdd => "adminAdd",
            Self::AdminRemove => "adminRemove",
            Self::UserAdd => "userAdd",
            Self::UserRemove => "userRemove",
        }
    }
    pub(crate) fn is_add(self) -> bool {
        matches!(self, Self::AdminAdd | Self::UserAdd)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RequestState {
    Submitted,
    PendingApproval,
    /// Accepted and on its way: the assignment is being made (or taken away).
    Delivering,
    Delivered,
    DeliveryFailed,
}

impl RequestState {
    pub(crate) fn v1(self) -> &'static str {
        match self {
            Self::Submitted => "submitted",
            Self::PendingApproval => "pendingApproval",
            Self::Delivering => "delivering",
            Self::Delivered => "delivered",
            Self::DeliveryFailed => "deliveryFailed",
        }
    }
}

impl RequestState {
    /// Submitted or delivering: not done yet, and not waiting for anyone's approval.
    pub(crate) fn in_progress(self) -> bool {
        matches!(self, Self::Submitted | Self::Delivering)
    }
}

#[derive(Clone, Debug)]
pub(crate) struct AssignmentRequest {
    pub meta: Meta,
    pub request_type: RequestType,
    pub state: RequestState,
    pub access_package_id: String,
    pub policy_id: Option<String>,
    pub target_id: String,
    pub assignment_id: Option<String>,
    pub requestor_id: String,
    pub justification: Option<String>,
    /// When it turns from submitted (accepted) to delivering.
    pub delivering_ms: u64,
    pub due_ms: u64,
    pub completed_ms: Option<u64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AssignmentState {
    Delivered,
    Expired,
}

#[derive(Clone, Debug)]
pub(crate) struct Assignment {
    pub meta: Meta,
    pub access_package_id: String,
    pub policy_id: String,
    pub target_id: String,
    pub catalog_id: String,
    pub state: AssignmentState,
    pub end_ms: Option<u64>,
}

has_meta!(
    User,
    Group,
    RoleAssignment,
    Catalog,
    Resource,
    ResourceRequest,
    AccessPackage,
    RoleScope,
    Policy,
    AssignmentRequest,
    Assignment
);

#[derive(Clone, Debug, Default)]
pub(crate) struct Store {
    pub users: Vec<User>,
    pub groups: Vec<Group>,
    pub role_definitions: Vec<RoleDefinition>,
    pub role_assignments: Vec<RoleAssignment>,
    /// Entitlement management's own roles (`roleManagement/entitlementManagement`).
    pub em_role_definitions: Vec<RoleDefinition>,
    pub em_role_assignments: Vec<RoleAssignment>,
    pub catalogs: Vec<Catalog>,
    pub resources: Vec<Resource>,
    pub resource_requests: Vec<ResourceRequest>,
    pub packages: Vec<AccessPackage>,
    pub role_scopes: Vec<RoleScope>,
    pub policies: Vec<Policy>,
    pub requests: Vec<AssignmentRequest>,
    pub assignments: Vec<Assignment>,
    /// Deleted users and groups with when they were deleted (`directory/deletedItems`).
    pub deleted_users: Vec<(User, u64)>,
    pub deleted_groups: Vec<(Group, u64)>,
}

pub const GLOBAL_ADMIN: &str = "62e90394-69f5-4237-9190-012177145e10";
pub const IDENTITY_GOVERNANCE_ADMIN: &str = "45d8d3c5-c802-45c6-b32a-1d70b5e1e86e";
pub const USER_ADMIN: &str = "fe930be7-5e62-47db-91af-98c3a49a38b1";
pub const GROUPS_ADMIN: &str = "fdd7a751-b60b-444a-984c-02652fe8fa1c";
pub const PRIVILEGED_ROLE_ADMIN: &str = "e8611ab8-c189-46e8-94e1-60213ab1f814";
pub const GLOBAL_READER: &str = "f2ef992c-3afb-46b9-b7cf-a126ee74c451";

// Entitlement management's built-in roles, the same ids in every tenant ("Delegation and roles in
// entitlement management", and the examples of rbacapplication-post-roleassignments).
pub const CATALOG_CREATOR: &str = "ba92d953-d8e0-4e39-a797-0cbedb0a89e8";
pub const CATALOG_OWNER: &str = "ae79f266-94d4-4dab-b730-feca7e132178";
pub const CATALOG_READER: &str = "44272f93-9762-48e8-af59-1b5351b1d6b3";
pub const ACCESS_PACKAGE_MANAGER: &str = "7f480852-ebdc-47d4-87de-0d8498384a83";
pub const ACCESS_PACKAGE_ASSIGNMENT_MANAGER: &str = "e2182095-804a-4656-ae11-64734e9b7ae5";

fn entitlement_roles() -> Vec<RoleDefinition> {
    let r = |id, display_name, description| RoleDefinition {
        id,
        display_name,
        legacy_name: None,
        description,
    };
    vec![
        r(
            CATALOG_CREATOR,
            "Catalog creator",
            "Create and manage catalogs.",
        ),
        r(
            CATALOG_OWNER,
            "Catalog owner",
            "Edit and manage an existing catalog, its resources and its access packages.",
        ),
        r(
            CATALOG_READER,
            "Catalog reader",
            "View the access packages of a catalog.",
        ),
        r(
            ACCESS_PACKAGE_MANAGER,
            "Access package manager",
            "Edit and manage all access packages of a catalog.",
        ),
        r(
            ACCESS_PACKAGE_ASSIGNMENT_MANAGER,
            "Access package assignment manager",
            "Edit and manage the assignments of all access packages of a catalog.",
        ),
    ]
}

/// When the seeded objects were made (2020-05-30T10:58:05.363Z, the General catalog's date in Graph's docs).
pub(crate) const SEEDED_MS: u64 = 1_590_836_285_363;

fn builtin_roles() -> Vec<RoleDefinition> {
    let r = |id, display_name, legacy_name, description| RoleDefinition {
        id,
        display_name,
        legacy_name,
        description,
    };
    vec![
        r(GLOBAL_ADMIN, "Global Administrator", Some("Company Administrator"),
          "Can manage all aspects of Microsoft Entra ID and Microsoft services that use Microsoft Entra identities."),
        r(IDENTITY_GOVERNANCE_ADMIN, "Identity Governance Administrator", None,
          "Manage access using Microsoft Entra ID for identity governance scenarios."),
        r(USER_ADMIN, "User Administrator", Some("User Account Administrator"),
          "Can manage all aspects of users and groups, including resetting passwords for limited admins."),
        r(GROUPS_ADMIN, "Groups Administrator", None,
          "Members of this role can create/manage groups, create/manage groups settings like naming and expiration policies, and view groups activity and audit reports."),
        r(PRIVILEGED_ROLE_ADMIN, "Privileged Role Administrator", None,
          "Can manage role assignments in Microsoft Entra ID, and all aspects of Privileged Identity Management."),
        r("729827e3-9c14-49f7-bb1b-9608f156bbb8", "Helpdesk Administrator", Some("Helpdesk Administrator"),
          "Can reset passwords for non-administrators and Helpdesk Administrators."),
        r(GLOBAL_READER, "Global Reader", None,
          "Can read everything that a Global Administrator can, but not update anything."),
    ]
}

/// The seeded accounts' local parts: the Global Administrator, the least-privilege administrator
/// (User, Privileged Role and Identity Governance Administrator) and a member with no role.
pub(crate) const ADMIN: &str = "admin";
pub(crate) const LEAST_PRIVILEGE_ADMIN: &str = "least-privilege-admin";
pub(crate) const MEMBER: &str = "member";

/// The roles the least-privilege administrator holds: exactly what the tutorials need.
pub(crate) const LEAST_PRIVILEGE_ROLES: &[&str] =
    &[USER_ADMIN, PRIVILEGED_ROLE_ADMIN, IDENTITY_GOVERNANCE_ADMIN];

/// The tenant as it is before anyone touches it. `accounts` makes the ids of the accounts seeded
/// besides the administrator, so `ids` gives the same ids it always did.
pub(crate) fn seed(
    ids: &mut crate::ids::Prng,
    accounts: &mut crate::ids::Prng,
    domain: &str,
) -> Store {
    let meta = |id: String| Meta {
        id,
        created_ms: SEEDED_MS,
        seeded: true,
    };
    let admin_id = ids.guid();
    let admin = User {
        meta: meta(admin_id.clone()),
        display_name: "Sandbox Administrator".into(),
        mail_nickname: ADMIN.into(),
        upn: format!("{ADMIN}@{domain}"),
        account_enabled: true,
        given_name: Some("Sandbox".into()),
        surname: Some("Administrator".into()),
        job_title: Some("Administrator".into()),
        mail: Some(format!("admin@{domain}")),
        usage_location: Some("US".into()),
        subject_id: ids.guid(),
        password: None,
    };
    let admin_ga = RoleAssignment {
        meta: meta(crate::directory::role_assignment_id(
            GLOBAL_ADMIN,
            &admin_id,
        )),
        role_definition_id: GLOBAL_ADMIN.into(),
        principal_id: admin_id,
        directory_scope_id: "/".into(),
        app_scope_id: None,
    };
    let general = Catalog {
        meta: meta(ids.guid()),
        display_name: "General".into(),
        description: Some("Built-in catalog.".into()),
        built_in: true,
        published: true,
        externally_visible: true,
        created_by: "Azure AD".into(),
    };
    let mut users = vec![admin];
    let mut role_assignments = vec![admin_ga];
    let others = [
        (
            LEAST_PRIVILEGE_ADMIN,
            "Least-Privilege Administrator",
            "Least-Privilege",
            "Administrator",
            LEAST_PRIVILEGE_ROLES,
        ),
        (MEMBER, "Sandbox Member", "Sandbox", "Member", &[][..]),
    ];
    for (local, display_name, given, surname, roles) in others {
        let id = accounts.guid();
        for role in roles {
            role_assignments.push(RoleAssignment {
                meta: meta(crate::directory::role_assignment_id(role, &id)),
                role_definition_id: (*role).into(),
                principal_id: id.clone(),
                directory_scope_id: "/".into(),
                app_scope_id: None,
            });
        }
        users.push(User {
            meta: meta(id),
            display_name: display_name.into(),
            mail_nickname: local.into(),
            upn: format!("{local}@{domain}"),
            account_enabled: true,
            given_name: Some(given.into()),
            surname: Some(surname.into()),
            job_title: None,
            mail: Some(format!("{local}@{domain}")),
            usage_location: Some("US".into()),
            subject_id: accounts.guid(),
            password: None,
        });
    }
    Store {
        users,
        role_definitions: builtin_roles(),
        role_assignments,
        em_role_definitions: entitlement_roles(),
        catalogs: vec![general],
        ..Store::default()
    }
}
