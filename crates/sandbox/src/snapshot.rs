//! A serializable picture of everything the tenant holds, for tests and "what is in my sandbox" views.

use crate::store::{AssignmentState, Store};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub tenant_id: String,
    pub default_domain: String,
    pub users: Vec<SnapshotUser>,
    pub groups: Vec<SnapshotGroup>,
    pub role_assignments: Vec<SnapshotRoleAssignment>,
    /// Entitlement management's role assignments (catalog roles and Catalog creator). Snapshots saved
    /// before these existed load with none.
    #[serde(default)]
    pub catalog_role_assignments: Vec<SnapshotRoleAssignment>,
    pub catalogs: Vec<SnapshotCatalog>,
    pub access_packages: Vec<SnapshotAccessPackage>,
    pub policies: Vec<SnapshotPolicy>,
    pub assignment_requests: Vec<SnapshotRequest>,
    pub assignments: Vec<SnapshotAssignment>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SnapshotUser {
    pub id: String,
    pub user_principal_name: String,
    pub display_name: String,
    pub seeded: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SnapshotGroup {
    pub id: String,
    pub display_name: String,
    pub members: Vec<String>,
    pub owners: Vec<String>,
    pub seeded: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SnapshotRoleAssignment {
    pub id: String,
    pub role_definition_id: String,
    pub principal_id: String,
    pub seeded: bool,
}

fn role_assignment(a: &crate::store::RoleAssignment) -> SnapshotRoleAssignment {
    SnapshotRoleAssignment {
        id: a.meta.id.clone(),
        role_definition_id: a.role_definition_id.clone(),
        principal_id: a.principal_id.clone(),
        seeded: a.meta.seeded,
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SnapshotCatalog {
    pub id: String,
    pub display_name: String,
    pub seeded: bool,
    pub resources: Vec<SnapshotResource>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SnapshotResource {
    pub id: String,
    /// The group's object id.
    pub origin_id: String,
    pub display_name: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SnapshotAccessPackage {
    pub id: String,
    pub display_name: String,
    pub catalog_id: String,
    /// `{roleId}_{scopeId}` ids of the resource roles the package grants.
    pub role_scopes: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SnapshotPolicy {
    pub id: String,
    pub display_name: String,
    pub access_package_id: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SnapshotRequest {
    pub id: String,
    /// v1.0 spelling: `adminAdd`, `adminRemove`, ...
    pub request_type: String,
    /// v1.0 spelling: `submitted`, `delivered`, ...
    pub state: String,
    pub access_package_id: String,
    pub target_id: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SnapshotAssignment {
    pub id: String,
    pub access_package_id: String,
    pub policy_id: String,
    pub target_id: String,
    /// `delivered` or `expired`.
    pub state: String,
}

/// One object that was not there when the tenant was seeded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectRef {
    /// Graph's type name, e.g. `user`, `accessPackageAssignmentPolicy`.
    pub kind: String,
    pub id: String,
    pub display_name: Option<String>,
}

impl Snapshot {
    pub(crate) fn of(s: &Store, tenant_id: &str, domain: &str) -> Snapshot {
        Snapshot {
            tenant_id: tenant_id.to_string(),
            default_domain: domain.to_string(),
            users: s
                .users
                .iter()
                .map(|u| SnapshotUser {
                    id: u.meta.id.clone(),
                    user_principal_name: u.upn.clone(),
                    display_name: u.display_name.clone(),
                    seeded: u.meta.seeded,
                })
                .collect(),
            groups: s
                .groups
                .iter()
                .map(|g| SnapshotGroup {
                    id: g.meta.id.clone(),
                    display_name: g.display_name.clone(),
                    members: g.members.clone(),
                    owners: g.owners.clone(),
                    seeded: g.meta.seeded,
                })
                .collect(),
            role_assignments: s.role_assignments.iter().map(role_assignment).collect(),
            catalog_role_assignments: s.em_role_assignments.iter().map(role_assignment).collect(),
            catalogs: s
                .catalogs
                .iter()
                .map(|c| SnapshotCatalog {
                    id: c.meta.id.clone(),
                    display_name: c.display_name.clone(),
                    seeded: c.meta.seeded,
                    resources: s
                        .resources
                        .iter()
                        .filter(|r| r.catalog_id == c.meta.id)
                        .map(|r| SnapshotResource {
                            id: r.meta.id.clone(),
                            origin_id: r.origin_id.clone(),
                            display_name: r.display_name.clone(),
                        })
                        .collect(),
                })
                .collect(),
            access_packages: s
                .packages
                .iter()
                .map(|p| SnapshotAccessPackage {
                    id: p.meta.id.clone(),
                    display_name: p.display_name.clone(),
                    catalog_id: p.catalog_id.clone(),
                    role_scopes: s
                        .role_scopes
                        .iter()
                        .filter(|r| r.access_package_id == p.meta.id)
                        .map(|r| r.meta.id.clone())
                        .collect(),
                })
                .collect(),
            policies: s
                .policies
                .iter()
                .map(|p| SnapshotPolicy {
                    id: p.meta.id.clone(),
                    display_name: p.display_name.clone(),
                    access_package_id: p.access_package_id.clone(),
                })
                .collect(),
            assignment_requests: s
                .requests
                .iter()
                .map(|r| SnapshotRequest {
                    id: r.meta.id.clone(),
                    request_type: r.request_type.v1().to_string(),
                    state: r.state.v1().to_string(),
                    access_package_id: r.access_package_id.clone(),
                    target_id: r.target_id.clone(),
                })
                .collect(),
            assignments: s
                .assignments
                .iter()
                .map(|a| SnapshotAssignment {
                    id: a.meta.id.clone(),
                    access_package_id: a.access_package_id.clone(),
                    policy_id: a.policy_id.clone(),
                    target_id: a.target_id.clone(),
                    state: if a.state == AssignmentState::Delivered {
                        "delivered"
                    } else {
                        "expired"
                    }
                    .to_string(),
                })
                .collect(),
        }
    }

    /// Everything that exists now but was not seeded: what a clean-up should have removed.
    pub fn beyond_seed(&self) -> Vec<ObjectRef> {
        let r = |kind: &str, id: &str, name: Option<&str>| ObjectRef {
            kind: kind.to_string(),
            id: id.to_string(),
            display_name: name.map(str::to_string),
        };
        let mut out = Vec::new();
        out.extend(
            self.users
                .iter()
                .filter(|u| !u.seeded)
                .map(|u| r("user", &u.id, Some(&u.display_name))),
        );
        out.extend(
            self.groups
                .iter()
                .filter(|g| !g.seeded)
                .map(|g| r("group", &g.id, Some(&g.display_name))),
        );
        out.extend(
            self.role_assignments
                .iter()
                .filter(|a| !a.seeded)
                .map(|a| r("unifiedRoleAssignment", &a.id, None)),
        );
        out.extend(
            self.catalog_role_assignments
                .iter()
                .filter(|a| !a.seeded)
                .map(|a| r("unifiedRoleAssignment", &a.id, None)),
        );
        for c in &self.catalogs {
            if !c.seeded {
                out.push(r("accessPackageCatalog", &c.id, Some(&c.display_name)));
            }
            out.extend(
                c.resources
                    .iter()
                    .map(|x| r("accessPackageResource", &x.id, Some(&x.display_name))),
            );
        }
        out.extend(
            self.access_packages
                .iter()
                .map(|p| r("accessPackage", &p.id, Some(&p.display_name))),
        );
        out.extend(self.policies.iter().map(|p| {
            r(
                "accessPackageAssignmentPolicy",
                &p.id,
                Some(&p.display_name),
            )
        }));
        out.extend(
            self.assignment_requests
                .iter()
                .map(|q| r("accessPackageAssignmentRequest", &q.id, None)),
        );
        out.extend(
            self.assignments
                .iter()
                .map(|a| r("accessPackageAssignment", &a.id, None)),
        );
        out
    }
}
