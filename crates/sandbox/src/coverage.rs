//! Which requests the sandbox tenant answers, so a client can say so before it sends one it cannot.

use crate::entitlement::Set;
use crate::target::Version;

/// Whether the sandbox answers `method` on `url` (absolute, or a path starting with `/v1.0` or `/beta`).
/// Anything else gets Graph's "resource not found" from the sandbox, which would say nothing true about
/// what Microsoft Graph does with it.
pub fn answers(method: &str, url: &str) -> bool {
    let path = url
        .split(['?', '#'])
        .next()
        .unwrap_or(url)
        .trim_start_matches("https://graph.microsoft.com");
    let mut segs = path.trim_matches('/').split('/');
    let version = match segs.next().map(str::to_ascii_lowercase).as_deref() {
        Some("v1.0") => Version::V1,
        Some("beta") => Version::Beta,
        _ => return false,
    };
    let lower: Vec<String> = segs.map(str::to_ascii_lowercase).collect();
    let l: Vec<&str> = lower.iter().map(String::as_str).collect();
    let m = method.to_ascii_uppercase();
    let any = |allowed: &[&str]| allowed.contains(&m.as_str());
    match l.as_slice() {
        ["me"] | ["organization"] | ["domains"] | ["domains", _] => any(&["GET"]),
        ["users"] | ["groups"] => any(&["GET", "POST"]),
        ["users", _] | ["groups", _] => any(&["GET", "PATCH", "DELETE"]),
        ["groups", _, "members" | "owners"] => any(&["GET"]),
        ["groups", _, "members", "$ref"] => any(&["POST"]),
        ["groups", _, "members", _, "$ref"] => any(&["DELETE"]),
        ["rolemanagement", "directory", "roledefinitions"]
        | ["rolemanagement", "directory", "roledefinitions", _] => any(&["GET"]),
        ["rolemanagement", "directory", "roleassignments"] => any(&["GET", "POST"]),
        ["rolemanagement", "directory", "roleassignments", _] => any(&["GET", "DELETE"]),
        ["directory", "deleteditems"] | ["directory", "deleteditems", _] => {
            any(&["GET"]) || (l.len() == 3 && any(&["DELETE"]))
        }
        ["directory", "deleteditems", _, "restore"] => any(&["POST"]),
        ["identitygovernance", "entitlementmanagement", rest @ ..] => {
            entitlement(version, &m, rest)
        }
        _ => false,
    }
}

fn entitlement(v: Version, m: &str, l: &[&str]) -> bool {
    use Set::*;
    let set_of = |name: &str| {
        Set::all()
            .into_iter()
            .find(|s| s.name(v).eq_ignore_ascii_case(name))
    };
    let Some(set) = l.first().and_then(|s| set_of(s)) else {
        return false;
    };
    let sub = l.get(2).and_then(|s| set_of(s));
    let any = |allowed: &[&str]| allowed.contains(&m);
    match (set, l.len(), sub) {
        (Catalogs | ResourceRequests | AccessPackages | Policies | Requests, 1, _) => {
            any(&["GET", "POST"])
        }
        (Catalogs | AccessPackages | Policies, 2, _) => any(&["GET", "DELETE"]),
        (ResourceRequests | Requests | Assignments, 2, _) | (Assignments, 1, _) => any(&["GET"]),
        (Catalogs, 3, Some(Resources | ResourceRoles | ResourceScopes)) => any(&["GET"]),
        (AccessPackages, 3, Some(RoleScopes)) => any(&["GET", "POST"]),
        (AccessPackages, 4, Some(RoleScopes)) => any(&["GET", "DELETE"]),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::answers;

    #[test]
    fn answers_what_the_tutorials_use_and_nothing_else() {
        assert!(answers("POST", "https://graph.microsoft.com/v1.0/users"));
        assert!(answers("GET", "/v1.0/groups/abc/members?$select=id"));
        assert!(answers(
            "GET",
            "https://graph.microsoft.com/beta/identityGovernance/entitlementManagement/accessPackageCatalogs/x/accessPackageResources"
        ));
        assert!(answers(
            "DELETE",
            "https://graph.microsoft.com/v1.0/identityGovernance/entitlementManagement/accessPackages/p/resourceRoleScopes/s"
        ));
        // v1.0 names on beta, and the other way round, are not answered.
        assert!(!answers(
            "GET",
            "/beta/identityGovernance/entitlementManagement/catalogs"
        ));
        assert!(!answers(
            "POST",
            "/v1.0/identityGovernance/accessReviews/definitions"
        ));
        assert!(!answers("PATCH", "/v1.0/organization"));
        assert!(!answers(
            "GET",
            "https://graph.microsoft.com/v1.0/me/messages"
        ));
        assert!(!answers("GET", "https://example.com/v1.0/users"));
    }
}
