//! The bash export, actually run: curl and jq against the sandbox tenant served over local HTTP.

mod common;

use std::sync::{Arc, Mutex};

use common::local_http::{require_tools, serve};
use walkthrough::{builtin_tutorials, export, ExportFormat};

/// What running an exported script did: its output, and the tenant before and after.
struct Ran {
    out: std::process::Output,
    before: serde_json::Value,
    after: serde_json::Value,
    stats: sandbox::Stats,
}

/// Runs `tutorial`'s curl export with `args` against a sandbox with `faults`, served over local HTTP.
fn run_curl_export(
    tutorial: &walkthrough::Tutorial,
    faults: sandbox::Faults,
    args: &[&str],
) -> Ran {
    run_curl_export_with(tutorial, faults, args, true)
}

/// As `run_curl_export`; `with_requestor`: whether TOKEN_REQUESTOR is set before the script starts.
fn run_curl_export_with(
    tutorial: &walkthrough::Tutorial,
    faults: sandbox::Faults,
    args: &[&str],
    with_requestor: bool,
) -> Ran {
    let sandbox = Arc::new(Mutex::new(sandbox::Sandbox::new(sandbox::Config {
        seed: 5,
        delivery_delay_ms: 0,
        faults,
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
    let script = export(tutorial, ExportFormat::Curl).replace(
        &format!("base=\"{}\"", tutorial.base_url),
        &format!("base=\"http://127.0.0.1:{port}/{}\"", tutorial.api_version),
    );
    let dir = std::env::temp_dir().join(format!("walkthrough-run-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(format!("{}-{}.sh", tutorial.id, args.join("")));
    std::fs::write(&file, &script).unwrap();
    let mut command = std::process::Command::new("bash");
    command
        .arg(&file)
        .args(args)
        .env("TOKEN", token)
        .env_remove("TOKEN_REQUESTOR")
        .env("RUN_PASSWORD", r#"Str0ng!"Pass\w0rd-For-Tests"#)
        .stdin(std::process::Stdio::null());
    if with_requestor {
        command.env("TOKEN_REQUESTOR", requestor_token);
    }
    let out = command.output().unwrap();
    let after = serde_json::to_value(sandbox.lock().unwrap().snapshot()).unwrap();
    let stats = sandbox.lock().unwrap().stats();
    Ran {
        out,
        before,
        after,
        stats,
    }
}

/// The script, its stdout and its stderr, for a failure message.
fn report(ran: &Ran) -> String {
    format!(
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&ran.out.stdout),
        String::from_utf8_lossy(&ran.out.stderr)
    )
}

/// Throttled (429 with Retry-After) and unavailable (503) answers are waited out, as the app does: the
/// script still finishes and cleans up, and says what it waited for.
#[test]
fn the_curl_export_waits_out_throttling_as_retry_after_says() {
    require_tools(&["bash", "curl", "jq"]);
    let tutorial = builtin_tutorials().remove(0);
    let faults = sandbox::Faults {
        throttle_rate: 0.15,
        unavailable_rate: 0.05,
        retry_after_secs: 1,
        ..Default::default()
    };
    let ran = run_curl_export(&tutorial, faults, &[]);
    assert!(ran.out.status.success(), "{}", report(&ran));
    assert!(
        ran.stats.throttled + ran.stats.unavailable > 0,
        "no fault was injected"
    );
    let stderr = String::from_utf8_lossy(&ran.out.stderr);
    assert!(
        stderr.contains("HTTP 429: waiting 1 s") || stderr.contains("HTTP 503: waiting 1 s"),
        "{stderr}"
    );
    assert_eq!(
        ran.after,
        ran.before,
        "cleanup left objects behind\n{}",
        report(&ran)
    );
}

/// `--no-cleanup` leaves what the script created in the tenant.
#[test]
fn without_the_requestors_token_the_curl_export_asks_for_it_once_the_requestor_exists() {
    require_tools(&["bash", "curl", "jq"]);
    let tutorials = builtin_tutorials();
    let tutorial = tutorials
        .iter()
        .find(|t| t.id == "access-package-v1")
        .unwrap();
    let ran = run_curl_export_with(tutorial, sandbox::Faults::default(), &[], false);
    let stderr = String::from_utf8_lossy(&ran.out.stderr);
    assert!(!ran.out.status.success(), "{}", report(&ran));
    // The administrator's steps ran: the requestor exists before the script asks for their token.
    assert!(
        stderr.contains("The next requests run as the requestor, requestor1-demo01@"),
        "{}",
        report(&ran)
    );
    assert!(stderr.contains("set TOKEN_REQUESTOR to an access token of the requestor"));
    assert_ne!(
        ran.before, ran.after,
        "the administrator's steps changed the tenant first"
    );
}

#[test]
fn the_curl_export_keeps_its_objects_with_no_cleanup() {
    require_tools(&["bash", "curl", "jq"]);
    let tutorial = builtin_tutorials().remove(0);
    let ran = run_curl_export(&tutorial, sandbox::Faults::default(), &["--no-cleanup"]);
    assert!(ran.out.status.success(), "{}", report(&ran));
    assert_ne!(
        ran.after,
        ran.before,
        "the objects were removed\n{}",
        report(&ran)
    );
    assert!(String::from_utf8_lossy(&ran.out.stderr).contains("--no-cleanup"));
}

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
