//! Live mode's settings (client id, tenant, redirect page, Graph base URL) and where each comes from:
//! `config.json` beside the site, then URL parameters, then the settings form. None of it is secret.

use serde::{Deserialize, Serialize};

use super::params::decode;
use super::storage;

pub const DEFAULT_GRAPH_BASE: &str = "https://graph.microsoft.com";
/// Work and school accounts of any tenant: the tutorial needs a Microsoft Entra tenant.
pub const DEFAULT_TENANT: &str = "organizations";
/// The redirect bridge page the build puts beside `index.html`.
pub const REDIRECT_PAGE: &str = "redirect.html";
const FORM_KEY: &str = "graphwalk.live.settings";
const MODE_KEY: &str = "graphwalk.mode";

/// Settings from one place; `None` leaves the decision to a lower layer.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SettingsLayer {
    pub client_id: Option<String>,
    pub tenant: Option<String>,
    pub redirect_uri: Option<String>,
    #[serde(alias = "graphBase")]
    pub graph_base_url: Option<String>,
}

/// The settings in force.
#[derive(Clone, Debug, PartialEq)]
pub struct LiveSettings {
    pub client_id: String,
    pub tenant: String,
    pub redirect_uri: String,
    pub graph_base_url: String,
}

impl SettingsLayer {
    /// `?client_id=&tenant=&redirect_uri=&graph=` (camelCase spellings too).
    pub fn from_query(query: &str) -> SettingsLayer {
        let mut layer = SettingsLayer::default();
        for pair in query.trim_start_matches('?').split('&') {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let value = Some(decode(value));
            match decode(key).as_str() {
                "client_id" | "clientId" => layer.client_id = value,
                "tenant" => layer.tenant = value,
                "redirect_uri" | "redirectUri" => layer.redirect_uri = value,
                "graph" | "graph_base_url" | "graphBaseUrl" => layer.graph_base_url = value,
                _ => {}
            }
        }
        layer
    }

    /// A deployment's `config.json`: `{"clientId", "tenant", "redirectUri", "graphBaseUrl"}`.
    pub fn from_json(text: &str) -> Result<SettingsLayer, String> {
        serde_json::from_str(text).map_err(|e| format!("config.json is not valid: {e}"))
    }

    /// This layer where it says something, `lower` elsewhere. Blank values say nothing.
    pub fn over(&self, lower: &SettingsLayer) -> SettingsLayer {
        let pick = |mine: &Option<String>, theirs: &Option<String>| {
            mine.as_ref()
                .map(|s| s.trim())
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .or_else(|| theirs.clone())
        };
        SettingsLayer {
            client_id: pick(&self.client_id, &lower.client_id),
            tenant: pick(&self.tenant, &lower.tenant),
            redirect_uri: pick(&self.redirect_uri, &lower.redirect_uri),
            graph_base_url: pick(&self.graph_base_url, &lower.graph_base_url),
        }
    }

    /// Fills the gaps with the defaults; `default_redirect` is this site's `redirect.html`.
    pub fn resolve(&self, default_redirect: &str) -> LiveSettings {
        let or = |value: &Option<String>, default: &str| {
            value
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .unwrap_or(default)
                .to_string()
        };
        LiveSettings {
            client_id: or(&self.client_id, ""),
            tenant: or(&self.tenant, DEFAULT_TENANT),
            redirect_uri: or(&self.redirect_uri, default_redirect),
            graph_base_url: or(&self.graph_base_url, DEFAULT_GRAPH_BASE)
                .trim_end_matches('/')
                .to_string(),
        }
    }
}

/// Microsoft Graph's own endpoints: the global service and the national clouds
/// (learn.microsoft.com/graph/deployments).
pub const MICROSOFT_GRAPH_HOSTS: &[&str] = &[
    "https://graph.microsoft.com",
    "https://graph.microsoft.us",
    "https://dod-graph.microsoft.us",
    "https://microsoftgraph.chinacloudapi.cn",
];

/// A Graph base URL that a link (the URL's `graph=`) asks for and the reader has not chosen: anything but
/// Microsoft Graph's own endpoints. A link alone must not send a token elsewhere, so it is held back until
/// the reader confirms it in the live panel (which copies it into the form).
pub fn linked_graph_to_confirm(url: &SettingsLayer, form: &SettingsLayer) -> Option<String> {
    let linked = url.graph_base_url.as_deref()?.trim().trim_end_matches('/');
    let microsoft = MICROSOFT_GRAPH_HOSTS
        .iter()
        .any(|host| linked.eq_ignore_ascii_case(host));
    let chosen = form
        .graph_base_url
        .as_deref()
        .is_some_and(|g| g.trim().trim_end_matches('/').eq_ignore_ascii_case(linked));
    (!linked.is_empty() && !microsoft && !chosen).then(|| linked.to_string())
}

/// config.json < URL parameters < the settings form.
pub fn precedence(
    config: &SettingsLayer,
    url: &SettingsLayer,
    form: &SettingsLayer,
) -> SettingsLayer {
    form.over(&url.over(config))
}

impl LiveSettings {
    /// The sign-in authority: a tenant id or domain, `organizations`, or a whole authority URL.
    pub fn authority(&self) -> String {
        if self.tenant.starts_with("https://") {
            self.tenant.clone()
        } else {
            format!("https://login.microsoftonline.com/{}", self.tenant)
        }
    }

    /// What is wrong with these settings, in words; empty when they are usable.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if let Err(problem) = check_graph_base(&self.graph_base_url) {
            problems.push(problem);
        }
        if !self.redirect_uri.starts_with("https://") && !is_local_http(&self.redirect_uri) {
            problems.push(
                "The redirect URI must be an https:// address (http:// only for localhost).".into(),
            );
        }
        problems
    }

    /// True when requests go somewhere other than Microsoft Graph (a local graphwalk-sandbox).
    pub fn is_custom_graph(&self) -> bool {
        self.graph_base_url != DEFAULT_GRAPH_BASE
    }
}

/// A Graph base URL must be https, or http on this machine (a local graphwalk-sandbox).
pub fn check_graph_base(url: &str) -> Result<(), String> {
    if url.starts_with("https://") && url.len() > "https://".len() {
        return Ok(());
    }
    if is_local_http(url) {
        return Ok(());
    }
    Err(format!(
        "The Graph base URL `{url}` must start with https:// (or http://127.0.0.1: / http://localhost: for a local graphwalk-sandbox)."
    ))
}

fn is_local_http(url: &str) -> bool {
    ["http://127.0.0.1", "http://localhost"].iter().any(|host| {
        url.strip_prefix(host)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(':') || rest.starts_with('/'))
    })
}

/// The settings form's values as saved in localStorage.
pub fn load_form() -> SettingsLayer {
    storage::get(FORM_KEY)
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default()
}

pub fn save_form(form: &SettingsLayer) {
    if let Ok(text) = serde_json::to_string(form) {
        storage::set(FORM_KEY, &text);
    }
}

/// The mode chosen last time (`live` or `sandbox`), so a reload or a redirect back stays in it.
pub fn load_mode() -> Option<String> {
    storage::get(MODE_KEY)
}

pub fn save_mode(mode: &str) {
    storage::set(MODE_KEY, mode);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_to_another_graph_base_is_held_until_the_reader_chooses_it() {
        let layer = |graph: &str| SettingsLayer {
            graph_base_url: Some(graph.to_string()),
            ..SettingsLayer::default()
        };
        let none = SettingsLayer::default();
        assert_eq!(
            linked_graph_to_confirm(&layer("http://127.0.0.1:9999"), &none).as_deref(),
            Some("http://127.0.0.1:9999")
        );
        assert_eq!(
            linked_graph_to_confirm(&layer("https://graph.microsoft.us/"), &none),
            None
        );
        assert_eq!(linked_graph_to_confirm(&none, &none), None);
        let chosen = layer("http://127.0.0.1:9999/");
        assert_eq!(
            linked_graph_to_confirm(&layer("http://127.0.0.1:9999"), &chosen),
            None
        );
    }

    fn layer(client: Option<&str>, graph: Option<&str>) -> SettingsLayer {
        SettingsLayer {
            client_id: client.map(str::to_string),
            graph_base_url: graph.map(str::to_string),
            ..SettingsLayer::default()
        }
    }

    #[test]
    fn form_beats_url_beats_config() {
        let config = layer(Some("from-config"), Some("https://config.example"));
        let url = layer(Some("from-url"), None);
        let form = layer(None, Some(" "));
        let settings = precedence(&config, &url, &form).resolve("https://site/redirect.html");
        assert_eq!(settings.client_id, "from-url");
        assert_eq!(settings.graph_base_url, "https://config.example");
        let form = layer(Some("from-form"), None);
        assert_eq!(
            precedence(&config, &url, &form).resolve("x").client_id,
            "from-form"
        );
    }

    #[test]
    fn defaults_fill_the_gaps() {
        let settings = SettingsLayer::default().resolve("https://site/redirect.html");
        assert_eq!(settings.graph_base_url, DEFAULT_GRAPH_BASE);
        assert_eq!(settings.tenant, DEFAULT_TENANT);
        assert_eq!(settings.redirect_uri, "https://site/redirect.html");
        assert_eq!(
            settings.authority(),
            "https://login.microsoftonline.com/organizations"
        );
    }

    #[test]
    fn reads_query_and_config_json() {
        let url = SettingsLayer::from_query(
            "?mode=live&client_id=abc&graph=http%3A%2F%2F127.0.0.1%3A8787%2F",
        );
        assert_eq!(url.client_id.as_deref(), Some("abc"));
        assert_eq!(url.resolve("r").graph_base_url, "http://127.0.0.1:8787");
        let config =
            SettingsLayer::from_json(r#"{"clientId":"c","tenant":"contoso.onmicrosoft.com"}"#)
                .expect("valid");
        assert_eq!(config.tenant.as_deref(), Some("contoso.onmicrosoft.com"));
        assert!(SettingsLayer::from_json("{").is_err());
    }

    #[test]
    fn graph_base_must_be_https_or_local() {
        assert!(check_graph_base("https://graph.microsoft.com").is_ok());
        assert!(check_graph_base("http://127.0.0.1:8787").is_ok());
        assert!(check_graph_base("http://localhost").is_ok());
        assert!(check_graph_base("http://localhost.evil.example").is_err());
        assert!(check_graph_base("http://example.com").is_err());
        assert!(check_graph_base("javascript:alert(1)").is_err());
    }
}
