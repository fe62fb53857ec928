//! Entitlement management: catalogs, resources, access packages, policies, requests and
//! assignments, rendered in beta's legacy `accessPackage*` schema or v1.0's.

pub(crate) mod catalogs;
pub(crate) mod delivery;
pub(crate) mod packages;
pub(crate) mod requests;
pub(crate) mod roles;
mod views;

use crate::odata::Family;
use crate::render::ListRules;
use crate::store::{RoleKind, Store};
use crate::target::Version;

pub(crate) const EM: &str = "identityGovernance/entitlementManagement";

/// The entity set names that differ between beta and v1.0.
#[derive(Clone, Copy)]
pub(crate) enum Set {
    Catalogs,
    Resources,
    ResourceRoles,
    ResourceScopes,
    ResourceRequests,
    AccessPackages,
    RoleScopes,
    Policies,
    Requests,
    Assignments,
}

impl Set {
    /// Every set, in no particular order.
    pub(crate) fn all() -> [Set; 10] {
        use Set::*;
        [
            Catalogs,
            Resources,
            ResourceRoles,
            ResourceScopes,
            ResourceRequests,
            AccessPackages,
            RoleScopes,
            Policies,
            Requests,
            Assignments,
        ]
    }

    pub(crate) fn name(self, v: Version) -> &'static str {
        let beta = v == Version::Beta;
        match self {
            Set::Catalogs => {
                if beta {
                    "accessPackageCatalogs"
                } else {
                    "catalogs"
                }
            }
            Set::Resources => {
                if beta {
                    "accessPackageResources"
                } else {
                    "resources"
                }
            }
            Set::ResourceRoles => {
                if beta {
                    "accessPackageResourceRoles"
                } else {
                    "resourceRoles"
                }
            }
            Set::ResourceScopes => {
                if beta {
                    "accessPackageResourceScopes"
                } else {
                    "resourceScopes"
                }
            }
            Set::ResourceRequests => {
                if beta {
                    "accessPackageResourceRequests"
                } else {
                    "resourceRequests"
                }
            }
            Set::AccessPackages => "accessPackages",
            Set::RoleScopes => {
                if beta {
                    "accessPackageResourceRoleScopes"
                } else {
                    "resourceRoleScopes"
                }
            }
            Set::Policies => {
                if beta {
                    "accessPackageAssignmentPolicies"
                } else {
                    "assignmentPolicies"
                }
            }
            Set::Requests => {
                if beta {
                    "accessPackageAssignmentRequests"
                } else {
                    "assignmentRequests"
                }
            }
            Set::Assignments => {
                if beta {
                    "accessPackageAssignments"
                } else {
                    "assignments"
                }
            }
        }
    }

    /// `identityGovernance/entitlementManagement/{set}` for `@odata.context`.
    pub(crate) fn path(self, v: Version) -> String {
        format!("{EM}/{}", self.name(v))
    }
}

/// The v1.0 set names beta also serves (with the v1.0 types); `accessPackages` is one name on both.
pub(crate) fn v1_only_set(name: &str) -> bool {
    [
        Set::Catalogs,
        Set::ResourceRequests,
        Set::Policies,
        Set::Requests,
        Set::Assignments,
    ]
    .iter()
    .any(|s| s.name(Version::V1).eq_ignore_ascii_case(name))
}

pub(crate) fn em_rules() -> ListRules {
    ListRules {
        family: Some(Family::Entitlement),
        ..ListRules::default()
    }
}

/// The (group, role) pairs an access package hands out.
pub(crate) fn grants(s: &Store, package_id: &str) -> Vec<(String, RoleKind)> {
    s.role_scopes
        .iter()
        .filter(|rs| rs.access_package_id == package_id)
        .filter_map(|rs| {
            s.resources
                .iter()
                .find(|r| r.meta.id == rs.resource_id)
                .map(|r| (r.origin_id.clone(), rs.role))
        })
        .collect()
}

/// Give `user` what `package_id` grants.
pub(crate) fn grant(s: &mut Store, package_id: &str, user: &str) {
    for (gid, kind) in grants(s, package_id) {
        if let Some(g) = s.groups.iter_mut().find(|g| g.meta.id == gid) {
            let list = match kind {
                RoleKind::Member => &mut g.members,
                RoleKind::Owner => &mut g.owners,
            };
            if !list.iter().any(|m| m == user) {
                list.push(user.to_string());
            }
        }
    }
}

/// Take back (group, role) from `user` unless another delivered assignment still grants it.
pub(crate) fn revoke_pairs(s: &mut Store, pairs: &[(String, RoleKind)], user: &str) {
    let still: Vec<(String, RoleKind)> = s
        .assignments
        .iter()
        .filter(|a| a.target_id == user && a.state == crate::store::AssignmentState::Delivered)
        .flat_map(|a| grants(s, &a.access_package_id))
        .collect();
    for (gid, kind) in pairs {
        if still.contains(&(gid.clone(), *kind)) {
            continue;
        }
        if let Some(g) = s.groups.iter_mut().find(|g| &g.meta.id == gid) {
            match kind {
                RoleKind::Member => g.members.retain(|m| m != user),
                RoleKind::Owner => g.owners.retain(|m| m != user),
            }
        }
    }
}
