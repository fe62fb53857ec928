//! A tiny test driver: a sandbox, a virtual clock and an admin token.
#![allow(dead_code)]

use sandbox::{Config, Sandbox};
use serde_json::Value;

pub const T0: u64 = 1_700_000_000_000;

pub struct Driver {
    pub sb: Sandbox,
    pub now: u64,
    pub token: String,
}

pub struct Answer {
    pub status: u16,
    pub body: Value,
    pub headers: http::HeaderMap,
}

impl Driver {
    pub fn new(config: Config) -> Self {
        let sb = Sandbox::new(config);
        let token = sb.admin_token(T0);
        Driver { sb, now: T0, token }
    }

    pub fn default() -> Self {
        Self::new(Config {
            delivery_delay_ms: 1_000,
            ..Config::default()
        })
    }

    pub fn send_as(
        &mut self,
        token: Option<&str>,
        method: &str,
        url: &str,
        body: Option<Value>,
    ) -> Answer {
        let mut b = http::Request::builder().method(method).uri(url);
        if let Some(t) = token {
            b = b.header("authorization", format!("Bearer {t}"));
        }
        if body.is_some() {
            b = b.header("content-type", "application/json");
        }
        let req = b
            .body(body.map(|v| v.to_string()).unwrap_or_default())
            .expect("request");
        let resp = self.sb.handle(&req, self.now);
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let text = resp.into_body();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).expect("json body")
        };
        Answer {
            status,
            body,
            headers,
        }
    }

    pub fn send(&mut self, method: &str, url: &str, body: Option<Value>) -> Answer {
        let token = self.token.clone();
        self.send_as(Some(&token), method, url, body)
    }

    pub fn get(&mut self, url: &str) -> Answer {
        self.send("GET", url, None)
    }

    pub fn post(&mut self, url: &str, body: Value) -> Answer {
        self.send("POST", url, Some(body))
    }

    pub fn delete(&mut self, url: &str) -> Answer {
        self.send("DELETE", url, None)
    }

    pub fn advance(&mut self, ms: u64) {
        self.now += ms;
    }
}

pub fn s(v: &Value) -> &str {
    v.as_str()
        .unwrap_or_else(|| panic!("expected a string, got {v}"))
}

pub const EM_BETA: &str =
    "https://graph.microsoft.com/beta/identityGovernance/entitlementManagement";
pub const EM_V1: &str = "https://graph.microsoft.com/v1.0/identityGovernance/entitlementManagement";

/// Every body the run sent and every object it was answered with, checked against Graph's type
/// definitions: prints the counts and fails on any answer property the definitions do not declare.
pub fn report_schema_checks(sb: &sandbox::Sandbox, run: &str) {
    let c = sb.schema_checks();
    let (v1, beta) = sandbox::schema_sources();
    println!(
        "schema checks ({run}): bodies {}, answers {} (against {v1} and {beta})",
        c.bodies, c.answers
    );
    assert!(c.bodies > 0 && c.answers > 0, "{run}: nothing was checked");
    assert!(
        c.answer_problems.is_empty(),
        "{run}: answers that do not match Graph's types:\n{}",
        c.answer_problems.join("\n")
    );
}
