//! The bash export, actually run: curl and jq against the sandbox tenant served over local HTTP.

mod common;

use std::sync::{Arc, Mutex};

use common::local_http::{require_tools, serve};
use walkthrough::{builtin_tutorials, export, ExportFormat};

#[test]
fn the_curl_export_runs_end_to_end_and_cleans_up() {
    require_tools(&["bash", "curl", "jq"]);
    for tutorial in builtin_tutorials() {
        let sandbox = Arc::new(Mutex::new(sandbox::Sandbox::new(sandbox::Config {
            seed: 5,
            delivery_delay_ms: 0,
            ..Default::default()
        })));
        let before = serde_json::to_value(sandbox.lock().unwrap().snapshot()).unwrap();
        let port = serve(&sandbox);
        let mut scopes: Vec<&str> = sandbox::TUTORIAL_SCOPES.to_vec();
        scopes.extend(tutorial.scopes.iter().map(String::as_str));
        // The export takes the requestor's path: the requestor, whom the script creates with the run tag
        // `demo01`, signs its own requests.
        let (token, requestor_token) = {
            let sb = sandbox.lock().unwrap();
            let requestor = format!("requestor1-demo01@{}", sb.default_domain());
            (
                sandbox::mint_token(&scopes, sb.admin_upn(), sb.tenant_id(), 4_000_000_000),
                sandbox::mint_token(&scopes, &requestor, sb.tenant_id(), 4_000_000_000),
            )
        };
        let script = export(&tutorial, ExportFormat::Curl).replace(
            &format!("base=\"{}\"", tutorial.base_url),
            &format!("base=\"http://127.0.0.1:{port}/{}\"", tutorial.api_version),
        );
        let dir = std::env::temp_dir().join(format!("walkthrough-run-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join(format!("{}.sh", tutorial.id));
        std::fs::write(&file, &script).unwrap();
        let out = std::process::Command::new("bash")
            .arg(&file)
            .env("TOKEN", token)
            .env("TOKEN_REQUESTOR", requestor_token)
            .env("RUN_PASSWORD", r#"Str0ng!"Pass\w0rd-For-Tests"#)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}: the script failed\nstdout:\n{}\nstderr:\n{}",
            tutorial.id,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let requests = sandbox.lock().unwrap().stats().requests;
        assert!(
            requests >= 25,
            "{}: only {requests} requests reached the tenant",
            tutorial.id
        );
        let after = serde_json::to_value(sandbox.lock().unwrap().snapshot()).unwrap();
        assert_eq!(
            after, before,
            "{}: the script's cleanup left objects behind",
            tutorial.id
        );
    }
}
