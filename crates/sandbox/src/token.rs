//! Sandbox access tokens: JWT-shaped, unsigned, carrying `scp`, `exp`, `upn` and `tid`.

use serde_json::{json, Value};

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Base64url without padding, as JWTs use it.
pub(crate) fn b64url_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, b)| acc | u32::from(*b) << (16 - 8 * i));
        let chars = chunk.len() + 1;
        for i in 0..chars {
            out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

pub(crate) fn b64url_decode(s: &str) -> Option<Vec<u8>> {
    let s = s.trim_end_matches('=');
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// Mint a sandbox token. The signature part is present (clients that split a
/// JWT in three expect it) but the sandbox never checks it.
pub fn mint_token(
    scopes: &[&str],
    upn: &str,
    tenant_id: &str,
    expires_at_unix_secs: u64,
) -> String {
    mint_token_with_roles(scopes, upn, tenant_id, expires_at_unix_secs, &[])
}

/// [`mint_token`] with `wids`: the template ids of the user's directory roles, as Entra puts them in
/// access tokens. Informational: the sandbox authorizes by the roles the user holds when it asks.
pub fn mint_token_with_roles(
    scopes: &[&str],
    upn: &str,
    tenant_id: &str,
    expires_at_unix_secs: u64,
    wids: &[&str],
) -> String {
    let header = json!({"typ": "JWT", "alg": "none", "kid": "graphwalk-sandbox"});
    let mut payload = json!({
        "aud": "https://graph.microsoft.com",
        "iss": format!("https://sts.windows.net/{tenant_id}/"),
        "exp": expires_at_unix_secs,
        "scp": scopes.join(" "),
        "upn": upn,
        "unique_name": upn,
        "tid": tenant_id,
        "app_displayname": "graphwalk sandbox",
    });
    if !wids.is_empty() {
        payload["wids"] = json!(wids);
    }
    format!(
        "{}.{}.{}",
        b64url_encode(header.to_string().as_bytes()),
        b64url_encode(payload.to_string().as_bytes()),
        b64url_encode(b"unsigned-sandbox-token")
    )
}

/// What the sandbox reads from a token.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Claims {
    pub scopes: Vec<String>,
    pub exp: u64,
    pub upn: String,
}

/// Parse a token's claims; `None` when it is not a JWT with the claims we need.
pub(crate) fn parse_claims(token: &str) -> Option<Claims> {
    let mut parts = token.split('.');
    let (_header, payload, _sig) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let bytes = b64url_decode(payload)?;
    let v: Value = serde_json::from_slice(&bytes).ok()?;
    let exp = v.get("exp")?.as_u64()?;
    let upn = v
        .get("upn")
        .or_else(|| v.get("unique_name"))
        .and_then(Value::as_str)?
        .to_string();
    let scopes = v
        .get("scp")
        .and_then(Value::as_str)
        .unwrap_or("")
        .split_whitespace()
        .map(str::to_string)
        .collect();
    Some(Claims { scopes, exp, upn })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_round_trips() {
        for len in 0..20 {
            let data: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
            assert_eq!(
                b64url_decode(&b64url_encode(&data)).as_deref(),
                Some(&data[..])
            );
        }
        assert_eq!(b64url_encode(b"Ma"), "TWE");
    }

    #[test]
    fn minted_tokens_parse() {
        let t = mint_token(&["User.Read", "Group.ReadWrite.All"], "a@b.c", "tid", 99);
        let c = parse_claims(&t).expect("claims");
        assert_eq!(c.scopes, vec!["User.Read", "Group.ReadWrite.All"]);
        assert_eq!(c.exp, 99);
        assert_eq!(c.upn, "a@b.c");
        assert!(parse_claims("garbage").is_none());
        assert!(parse_claims("a.b.c").is_none());
    }
}
