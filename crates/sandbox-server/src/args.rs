//! Command-line flags of `graphwalk-sandbox`.

use crate::identity::IdentityConfig;
use sandbox::{Config, Timing};

pub const USAGE: &str = "graphwalk-sandbox: an emulated Microsoft Graph tenant on 127.0.0.1

USAGE: graphwalk-sandbox [FLAGS]

  --port N                 port to listen on (default 8787; 0 picks a free one)
  --seed N                 seed for ids and fault decisions (default 1)
  --timing PRESET          quick (default: delivery in 2 s, no replication lag) or realistic
                           (delivery in 25 s through submitted and delivering, 3 s replication lag)
  --delivery-delay-ms N    time an assignment request takes to be delivered (default 2000;
                           overrides --timing)
  --throttle-rate F        chance 0..1 of answering 429 (default 0)
  --retry-after-secs N     Retry-After sent with 429 and 503 (default 2)
  --unavailable-rate F     chance 0..1 of answering 503 (default 0)
  --replication-lag-ms N   new objects answer 404 for this long (default 0; overrides --timing)
  --domain NAME            the tenant's verified domain (default graphwalk-sandbox.onmicrosoft.com)
  --legacy-role-names      beta role definitions use their old names (\"Company Administrator\")
  --allow-origin ORIGIN    allow this browser origin (repeatable; '*' allows any);
                           default: any http://localhost:* or http://127.0.0.1:* origin
  --no-governance-licence  the tenant has no Microsoft Entra ID P2 / Governance licence:
                           entitlement management answers 403 NoLicense
  --print-token            print a token with the tutorial's scopes and exit
  --upn UPN                whose token --print-token prints (default the Global Administrator,
                           admin@DOMAIN; also least-privilege-admin@DOMAIN, member@DOMAIN)
  --client-id ID           the emulated app registration's application (client) id
  --redirect-uri URI       a registered single-page-application redirect URI (repeatable;
                           default http://127.0.0.1:8080/redirect.html and http://localhost:8080/redirect.html)
  --single-tenant          the app accepts only this tenant's authority (organizations and common
                           answer AADSTS50194)
  --no-admin-consent       nobody has granted admin consent: users meet the consent page
  --permission SCOPE       a configured Microsoft Graph delegated permission (repeatable; default
                           the eight graphwalk's tutorials ask for)
  --password PASSWORD      the seeded accounts' password (default Sandbox-Passw0rd!)
  --password-change UPN    this account must choose a new password at its first sign-in (repeatable)
  --refresh-token-lifetime-secs N
                           how long a refresh token lasts from sign-in (default 86400, as for a SPA)
  --access-token-lifetime-secs N
                           how long an access token lasts (default 3600)
  --login-base URL         the address MSAL.js signs in at (default https://login.microsoftonline.com)
  --help                   show this text

Endpoints: /beta/... and /v1.0/... as Graph; the identity platform's /{tenant}/oauth2/v2.0/authorize,
token and logout, /{tenant}/v2.0/.well-known/openid-configuration, /common/discovery/instance; POST /_sandbox/reset; GET /_sandbox/state;
GET /_sandbox/token[?upn=UPN]; POST /_sandbox/faults with {\"throttle_rate\":0.2,...};
POST /_sandbox/licence with {\"governance\":false}.";

/// Which browser origins may call the server.
#[derive(Clone, Debug, Default)]
pub struct Origins {
    listed: Vec<String>,
}

impl Origins {
    pub fn allows(&self, origin: &str) -> bool {
        if self.listed.is_empty() {
            return is_local(origin);
        }
        self.listed
            .iter()
            .any(|o| o == "*" || o.eq_ignore_ascii_case(origin))
    }
}

/// `http://localhost[:port]` or `http://127.0.0.1[:port]`.
fn is_local(origin: &str) -> bool {
    ["http://localhost", "http://127.0.0.1"]
        .iter()
        .any(|base| match origin.strip_prefix(base) {
            Some("") => true,
            Some(rest) => rest
                .strip_prefix(':')
                .is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())),
            None => false,
        })
}

#[derive(Debug, Default)]
pub struct Options {
    pub port: u16,
    pub config: Config,
    pub origins: Origins,
    pub print_token: bool,
    /// Whose token `--print-token` prints.
    pub upn: Option<String>,
    pub identity: IdentityConfig,
    pub help: bool,
}

fn value<T: std::str::FromStr>(flag: &str, v: Option<String>) -> Result<T, String> {
    let v = v.ok_or_else(|| format!("{flag} needs a value"))?;
    v.parse()
        .map_err(|_| format!("{flag}: invalid value '{v}'"))
}

pub fn parse(args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut o = Options {
        port: 8787,
        ..Options::default()
    };
    o.config.faults.retry_after_secs = 2;
    // The preset first, then any delay or lag given on its own, whatever the order of the flags.
    let mut timing = Timing::Quick;
    let mut delivery_delay_ms = None;
    let mut replication_lag_ms = None;
    let mut redirect_uris = Vec::new();
    let mut permissions = Vec::new();
    let mut args = args.peekable();
    while let Some(arg) = args.next() {
        // Accept --flag=value as well as --flag value.
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) => (f.to_string(), Some(v.to_string())),
            None => (arg.clone(), None),
        };
        let mut next = || inline.clone().or_else(|| args.next());
        match flag.as_str() {
            "--port" => o.port = value(&flag, next())?,
            "--seed" => o.config.seed = value(&flag, next())?,
            "--timing" => {
                let name: String = value(&flag, next())?;
                timing = Timing::parse(&name).ok_or_else(|| {
                    format!("--timing: '{name}' is not a preset (quick, realistic)")
                })?;
            }
            "--delivery-delay-ms" => delivery_delay_ms = Some(value(&flag, next())?),
            "--throttle-rate" => o.config.faults.throttle_rate = rate(&flag, next())?,
            "--retry-after-secs" => o.config.faults.retry_after_secs = value(&flag, next())?,
            "--unavailable-rate" => o.config.faults.unavailable_rate = rate(&flag, next())?,
            "--replication-lag-ms" => replication_lag_ms = Some(value(&flag, next())?),
            "--domain" => o.config.default_domain = value(&flag, next())?,
            "--legacy-role-names" => o.config.legacy_role_names = true,
            "--allow-origin" => o.origins.listed.push(value(&flag, next())?),
            "--print-token" => o.print_token = true,
            "--upn" => o.upn = Some(value(&flag, next())?),
            "--no-governance-licence" => o.config.governance_licence = false,
            "--client-id" => o.identity.registration.client_id = value(&flag, next())?,
            "--redirect-uri" => redirect_uris.push(value::<String>(&flag, next())?),
            "--permission" => permissions.push(value::<String>(&flag, next())?),
            "--single-tenant" => o.identity.registration.multi_tenant = false,
            "--no-admin-consent" => o.identity.registration.admin_consent = false,
            "--password" => o.identity.password = value(&flag, next())?,
            "--password-change" => o.identity.must_change_password.push(value(&flag, next())?),
            "--refresh-token-lifetime-secs" => {
                o.identity.refresh_lifetime_ms = value::<u64>(&flag, next())?.saturating_mul(1000)
            }
            "--access-token-lifetime-secs" => {
                o.identity.access_lifetime_secs = value(&flag, next())?
            }
            "--login-base" => {
                o.identity.login_base = value::<String>(&flag, next())?
                    .trim_end_matches('/')
                    .to_string()
            }
            "--help" | "-h" => o.help = true,
            other => return Err(format!("unknown flag '{other}'")),
        }
    }
    if !permissions.is_empty() {
        o.identity.registration.permissions = permissions;
    }
    if !redirect_uris.is_empty() {
        o.identity.registration.redirect_uris = redirect_uris;
    }
    o.config = o.config.with_timing(timing);
    if let Some(ms) = delivery_delay_ms {
        o.config.delivery_delay_ms = ms;
    }
    if let Some(ms) = replication_lag_ms {
        o.config.faults.replication_lag_ms = ms;
    }
    Ok(o)
}

fn rate(flag: &str, v: Option<String>) -> Result<f64, String> {
    let r: f64 = value(flag, v)?;
    if (0.0..=1.0).contains(&r) {
        Ok(r)
    } else {
        Err(format!("{flag} must be between 0 and 1"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(a: &[&str]) -> Result<Options, String> {
        parse(a.iter().map(|s| s.to_string()))
    }

    #[test]
    fn parses_flags() {
        let o = p(&[
            "--port",
            "0",
            "--seed=9",
            "--throttle-rate",
            "0.5",
            "--print-token",
            "--upn",
            "member@graphwalk-sandbox.onmicrosoft.com",
            "--no-governance-licence",
        ])
        .expect("flags");
        assert_eq!(
            o.upn.as_deref(),
            Some("member@graphwalk-sandbox.onmicrosoft.com")
        );
        assert!(!o.config.governance_licence);
        assert!(p(&[]).expect("no flags").config.governance_licence);
        assert_eq!(o.port, 0);
        assert_eq!(o.config.seed, 9);
        assert_eq!(o.config.faults.throttle_rate, 0.5);
        assert!(o.print_token);
        assert!(p(&["--throttle-rate", "2"]).is_err());
        assert!(p(&["--bogus"]).is_err());
        let id = p(&[
            "--single-tenant",
            "--no-admin-consent",
            "--redirect-uri",
            "http://127.0.0.1:5/r.html",
            "--refresh-token-lifetime-secs=90",
        ])
        .expect("identity flags")
        .identity;
        assert!(!id.registration.multi_tenant);
        assert!(!id.registration.admin_consent);
        assert_eq!(
            id.registration.redirect_uris,
            vec!["http://127.0.0.1:5/r.html".to_string()]
        );
        assert_eq!(id.refresh_lifetime_ms, 90_000);
        assert!(p(&["--port"]).is_err());
    }

    #[test]
    fn timing_presets_and_overrides() {
        let quick = p(&[]).expect("no flags").config;
        assert_eq!(quick.delivery_delay_ms, 2_000);
        assert_eq!(quick.faults.replication_lag_ms, 0);
        let real = p(&["--timing", "realistic"]).expect("realistic").config;
        assert_eq!(real.delivery_delay_ms, 25_000);
        assert_eq!(real.faults.replication_lag_ms, 3_000);
        // A delay given on its own wins over the preset, before or after it.
        let mixed = p(&["--delivery-delay-ms=500", "--timing=realistic"])
            .expect("mixed")
            .config;
        assert_eq!(mixed.delivery_delay_ms, 500);
        assert_eq!(mixed.faults.replication_lag_ms, 3_000);
        assert!(p(&["--timing", "slow"]).is_err());
    }

    #[test]
    fn local_origins_by_default() {
        let o = Origins::default();
        assert!(o.allows("http://localhost:8080"));
        assert!(o.allows("http://127.0.0.1:3000"));
        assert!(o.allows("http://localhost"));
        assert!(!o.allows("http://localhost.evil.com"));
        assert!(!o.allows("https://example.com"));
        let listed = Origins {
            listed: vec!["https://docs.example".into()],
        };
        assert!(listed.allows("https://docs.example"));
        assert!(!listed.allows("http://localhost:1"));
    }
}
