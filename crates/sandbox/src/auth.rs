//! Bearer tokens and permissions: who is calling and whether the token may do this.

use crate::reply::GraphError;
use crate::tenant::{Caller, Tenant};
use crate::token::{parse_claims, Claims};

/// The last token seen and its claims: clients send the same token again and again.
pub(crate) type TokenCache = Option<(String, Claims)>;

fn unauthorized(message: &str) -> GraphError {
    GraphError::new(401, "InvalidAuthenticationToken", message)
}

/// Read the `Authorization: Bearer` header into the signed-in caller.
pub(crate) fn authenticate(
    t: &Tenant,
    cache: &mut TokenCache,
    headers: &http::HeaderMap,
) -> Result<Caller, GraphError> {
    let raw = headers
        .get(http::header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .map(str::trim)
        .unwrap_or("");
    if raw.is_empty() {
        return Err(unauthorized("Access token is empty."));
    }
    let token = match raw.split_once(' ') {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => rest.trim(),
        _ => return Err(unauthorized("Access token is empty.")),
    };
    if token.is_empty() {
        return Err(unauthorized("Access token is empty."));
    }
    if token.split('.').count() != 3 {
        return Err(unauthorized(
            "CompactToken parsing failed with error code: 80049217",
        ));
    }
    let claims = match cache {
        Some((cached, claims)) if cached == token => claims.clone(),
        _ => {
            let claims = parse_claims(token).ok_or_else(|| {
                unauthorized("Access token validation failure. Invalid audience.")
            })?;
            *cache = Some((token.to_string(), claims.clone()));
            claims
        }
    };
    if claims.exp.saturating_mul(1000) <= t.now {
        return Err(unauthorized(
            "Lifetime validation failed, the token is expired.",
        ));
    }
    let user = t
        .store
        .users
        .iter()
        .find(|u| u.upn.eq_ignore_ascii_case(&claims.upn))
        .ok_or_else(|| {
            unauthorized(&format!(
                "Access token validation failure. The user '{}' in the token does not exist in this tenant.",
                claims.upn
            ))
        })?;
    Ok(Caller {
        user_id: user.meta.id.clone(),
        upn: user.upn.clone(),
        scopes: claims.scopes,
    })
}

/// 403 unless the token carries one of `accepted` (any one suffices, as in Graph's permission
/// tables). Graph's message names neither the permission nor the role; the card's advice does.
pub(crate) fn need(caller: &Caller, accepted: &[&str]) -> Result<(), GraphError> {
    if caller
        .scopes
        .iter()
        .any(|s| accepted.iter().any(|a| a.eq_ignore_ascii_case(s)))
    {
        return Ok(());
    }
    Err(GraphError::insufficient_privileges())
}

pub(crate) const USER_READ: &[&str] = &[
    "User.Read.All",
    "User.ReadWrite.All",
    "User.ReadBasic.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];
pub(crate) const USER_WRITE: &[&str] = &["User.ReadWrite.All", "Directory.ReadWrite.All"];
pub(crate) const ME: &[&str] = &[
    "User.Read",
    "User.ReadWrite",
    "User.ReadBasic.All",
    "User.Read.All",
    "User.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];
pub(crate) const ORGANIZATION: &[&str] = &[
    "User.Read",
    "Organization.Read.All",
    "Organization.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];
pub(crate) const DOMAINS: &[&str] = &[
    "Domain.Read.All",
    "Domain.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];
pub(crate) const GROUP_READ: &[&str] = &[
    "GroupMember.Read.All",
    "Group.Read.All",
    "Group.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];
pub(crate) const GROUP_CREATE: &[&str] = &[
    "Group.Create",
    "Group.ReadWrite.All",
    "Directory.ReadWrite.All",
];
pub(crate) const GROUP_WRITE: &[&str] = &["Group.ReadWrite.All", "Directory.ReadWrite.All"];
pub(crate) const MEMBER_WRITE: &[&str] = &[
    "GroupMember.ReadWrite.All",
    "Group.ReadWrite.All",
    "Directory.ReadWrite.All",
];
pub(crate) const ROLE_READ: &[&str] = &[
    "RoleManagement.Read.Directory",
    "RoleManagement.ReadWrite.Directory",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];
pub(crate) const ROLE_WRITE: &[&str] = &["RoleManagement.ReadWrite.Directory"];
pub(crate) const EM_READ: &[&str] = &[
    "EntitlementManagement.Read.All",
    "EntitlementManagement.ReadWrite.All",
];
pub(crate) const EM_WRITE: &[&str] = &["EntitlementManagement.ReadWrite.All"];
pub(crate) const EM_REQUEST: &[&str] = &[
    "EntitlementManagement.ReadWrite.All",
    "EntitlementMgmt-SubjectAccess.ReadWrite",
];
pub(crate) const EM_MINE: &[&str] = &[
    "EntitlementManagement.Read.All",
    "EntitlementManagement.ReadWrite.All",
    "EntitlementMgmt-SubjectAccess.ReadWrite",
];
