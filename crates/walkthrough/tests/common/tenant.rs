//! The sandbox tenant behind the test driver, with a token minted for exactly the scopes asked for.

use super::Server;

pub struct Tenant {
    pub sandbox: sandbox::Sandbox,
    /// Who signs the requests: the seeded Global Administrator unless told otherwise.
    pub account: sandbox::Account,
}

impl Tenant {
    pub fn new(config: sandbox::Config) -> Tenant {
        Self::signed_in_as(config, sandbox::Account::GlobalAdmin)
    }

    pub fn signed_in_as(config: sandbox::Config, account: sandbox::Account) -> Tenant {
        Tenant {
            sandbox: sandbox::Sandbox::new(config),
            account,
        }
    }
}

impl Server for Tenant {
    fn serve(
        &mut self,
        request: &http::Request<String>,
        scopes: &[String],
        run_as: Option<&str>,
        now_ms: u64,
    ) -> http::Response<String> {
        let scopes: Vec<&str> = scopes.iter().map(String::as_str).collect();
        let upn = match run_as {
            Some(upn) => upn.to_string(),
            None => self.sandbox.account_upn(self.account),
        };
        let token = sandbox::mint_token(
            &scopes,
            &upn,
            self.sandbox.tenant_id(),
            now_ms / 1000 + 3600,
        );
        let mut request = request.clone();
        let value =
            http::HeaderValue::from_str(&format!("Bearer {token}")).expect("token is ASCII");
        request.headers_mut().insert("authorization", value);
        self.sandbox.handle(&request, now_ms)
    }
}
