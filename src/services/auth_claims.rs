//! Reading an access token's claims locally (scopes, tenant, account, expiry) without ever sending it anywhere.
//!
//! Access tokens for Graph are JWTs whose payload is plain base64url JSON. Decoding it here lets the live
//! panel show what a pasted or freshly acquired token can do before the first request is sent.

use serde_json::Value;

/// What a token says about itself. Holds no part of the token.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Claims {
    /// Delegated permissions (`scp`), or application roles (`roles`) for an app-only token.
    pub scopes: Vec<String>,
    /// `tid`: the tenant the token was issued for.
    pub tenant_id: Option<String>,
    /// `upn`, `preferred_username` or `unique_name`: who signed in.
    pub account: Option<String>,
    /// `exp`: when the token stops working, in Unix seconds.
    pub expires_at_secs: Option<u64>,
    /// `aud`: who the token is for (Graph is `https://graph.microsoft.com` or its app id).
    pub audience: Option<String>,
}

/// Why a pasted text is not a token this page can read.
#[derive(Clone, Debug, PartialEq)]
pub enum ClaimsError {
    Empty,
    NotAJwt,
    NotBase64,
    NotJson,
}

impl std::fmt::Display for ClaimsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ClaimsError::Empty => "Paste an access token first.",
            ClaimsError::NotAJwt => {
                "That is not an access token: a Graph token has three parts separated by dots (header.payload.signature)."
            }
            ClaimsError::NotBase64 => "That token's middle part is not base64url: was it copied whole?",
            ClaimsError::NotJson => "That token's claims are not JSON: was it copied whole?",
        })
    }
}

/// Strips what people paste along with a token: whitespace, quotes, a `Bearer ` prefix.
pub fn clean_pasted(text: &str) -> String {
    let text = text.trim().trim_matches(|c| c == '"' || c == '\'').trim();
    let text = match text.split_once(' ') {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => rest.trim(),
        _ => text,
    };
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

pub fn decode(token: &str) -> Result<Claims, ClaimsError> {
    if token.is_empty() {
        return Err(ClaimsError::Empty);
    }
    let parts: Vec<&str> = token.split('.').collect();
    if parts.len() != 3 || parts[1].is_empty() {
        return Err(ClaimsError::NotAJwt);
    }
    let bytes = b64url_decode(parts[1]).ok_or(ClaimsError::NotBase64)?;
    let payload: Value = serde_json::from_slice(&bytes).map_err(|_| ClaimsError::NotJson)?;
    let text = |key: &str| payload.get(key).and_then(Value::as_str).map(str::to_string);
    let mut scopes: Vec<String> = text("scp")
        .map(|scp| scp.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default();
    if let Some(roles) = payload.get("roles").and_then(Value::as_array) {
        scopes.extend(roles.iter().filter_map(Value::as_str).map(str::to_string));
    }
    Ok(Claims {
        scopes,
        tenant_id: text("tid"),
        account: text("upn")
            .or_else(|| text("preferred_username"))
            .or_else(|| text("unique_name")),
        expires_at_secs: payload.get("exp").and_then(Value::as_u64),
        audience: text("aud"),
    })
}

impl Claims {
    pub fn is_expired(&self, now_ms: u64) -> bool {
        self.expires_at_secs
            .is_some_and(|exp| exp.saturating_mul(1000) <= now_ms)
    }

    /// The scopes of `needed` this token does not grant, directly or through a broader scope.
    pub fn missing<'a>(&self, needed: &'a [String]) -> Vec<&'a str> {
        needed
            .iter()
            .filter(|scope| !covers(&self.scopes, scope))
            .map(String::as_str)
            .collect()
    }
}

/// True when `have` grants `scope` itself or a scope Graph accepts in its place
/// (`X.ReadWrite.All` for `X.Read.All`, `X.ReadWrite.Directory` for `X.Read.Directory`, `Group.*` for
/// `GroupMember.*`, `Directory.*` for directory reads).
pub fn covers(have: &[String], scope: &str) -> bool {
    let has = |s: &str| have.iter().any(|h| h.eq_ignore_ascii_case(s));
    if has(scope) {
        return true;
    }
    let wider = |s: &str| -> Vec<String> {
        let mut out = Vec::new();
        if let Some(base) = s.strip_suffix(".Read.All") {
            out.push(format!("{base}.ReadWrite.All"));
        }
        if let Some(base) = s.strip_suffix(".Read.Directory") {
            out.push(format!("{base}.ReadWrite.Directory"));
        }
        if let Some(base) = s.strip_suffix(".Read") {
            out.push(format!("{base}.ReadWrite"));
            out.push(format!("{base}.Read.All"));
            out.push(format!("{base}.ReadWrite.All"));
        }
        out
    };
    let mut candidates = wider(scope);
    if let Some(rest) = scope.strip_prefix("GroupMember.") {
        candidates.push(format!("Group.{rest}"));
        candidates.extend(wider(&format!("Group.{rest}")));
    }
    // The "higher privileged" columns of the API reference (crates/walkthrough/permissions/least-privilege.json).
    let directory_read = [
        "User.Read.All",
        "Group.Read.All",
        "GroupMember.Read.All",
        "RoleManagement.Read.Directory",
    ];
    if directory_read.iter().any(|s| s.eq_ignore_ascii_case(scope)) {
        candidates.push("Directory.Read.All".into());
        candidates.push("Directory.ReadWrite.All".into());
    }
    candidates.iter().any(|c| has(c))
}

/// Base64url (or standard base64) without padding.
fn b64url_decode(text: &str) -> Option<Vec<u8>> {
    let text = text.trim_end_matches('=');
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in text.bytes() {
        let value = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(payload: &str) -> String {
        fn enc(bytes: &[u8]) -> String {
            const A: &[u8; 64] =
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
            let mut out = String::new();
            for chunk in bytes.chunks(3) {
                let n = chunk
                    .iter()
                    .enumerate()
                    .fold(0u32, |acc, (i, b)| acc | u32::from(*b) << (16 - 8 * i));
                for i in 0..=chunk.len() {
                    out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
                }
            }
            out
        }
        format!(
            "{}.{}.sig",
            enc(b"{\"alg\":\"none\"}"),
            enc(payload.as_bytes())
        )
    }

    #[test]
    fn reads_scopes_tenant_account_and_expiry() {
        let t = token(
            r#"{"scp":"User.Read Group.ReadWrite.All","tid":"t-1","preferred_username":"a@b.c","exp":100}"#,
        );
        let claims = decode(&t).expect("decodes");
        assert_eq!(claims.scopes, vec!["User.Read", "Group.ReadWrite.All"]);
        assert_eq!(claims.tenant_id.as_deref(), Some("t-1"));
        assert_eq!(claims.account.as_deref(), Some("a@b.c"));
        assert!(claims.is_expired(100_000));
        assert!(!claims.is_expired(99_999));
    }

    #[test]
    fn refuses_what_is_not_a_token() {
        assert_eq!(decode(""), Err(ClaimsError::Empty));
        assert_eq!(decode("abc"), Err(ClaimsError::NotAJwt));
        assert_eq!(decode("a.!!.c"), Err(ClaimsError::NotBase64));
        assert_eq!(decode("a.YWJj.c"), Err(ClaimsError::NotJson));
    }

    #[test]
    fn cleans_a_pasted_bearer_header() {
        assert_eq!(clean_pasted("  Bearer ab.cd\n.ef "), "ab.cd.ef");
        assert_eq!(clean_pasted("\"ab.cd.ef\""), "ab.cd.ef");
    }

    #[test]
    fn broader_scopes_count() {
        let have = vec![
            "Group.ReadWrite.All".to_string(),
            "User.ReadWrite.All".into(),
        ];
        assert!(covers(&have, "GroupMember.Read.All"));
        assert!(covers(&have, "User.Read"));
        assert!(!covers(&have, "EntitlementManagement.ReadWrite.All"));
        // The role lookup's least permission, and the wider ones its page lists.
        for wider in [
            "RoleManagement.ReadWrite.Directory",
            "Directory.Read.All",
            "Directory.ReadWrite.All",
        ] {
            assert!(
                covers(&[wider.to_string()], "RoleManagement.Read.Directory"),
                "{wider}"
            );
        }
        assert!(!covers(&have, "RoleManagement.Read.Directory"));
        let claims = Claims {
            scopes: have,
            ..Claims::default()
        };
        let needed = vec![
            "Group.Read.All".to_string(),
            "RoleManagement.ReadWrite.Directory".into(),
        ];
        assert_eq!(
            claims.missing(&needed),
            vec!["RoleManagement.ReadWrite.Directory"]
        );
    }
}
