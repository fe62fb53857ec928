//! The bash export, actually run: curl and jq against the sandbox tenant served over local HTTP.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use walkthrough::{builtin_tutorials, export, ExportFormat};

/// Answers one HTTP/1.1 request from the sandbox, then closes the connection.
fn answer(
    stream: TcpStream,
    sandbox: &Mutex<sandbox::Sandbox>,
    started: Instant,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let (method, target) = (
        parts.next().unwrap_or("GET").to_string(),
        parts.next().unwrap_or("/").to_string(),
    );
    let mut builder = http::Request::builder()
        .method(method.as_str())
        .uri(target.as_str());
    let mut length = 0usize;
    loop {
        let mut header = String::new();
        reader.read_line(&mut header)?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((k, v)) = header.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                length = v.trim().parse().unwrap_or(0);
            }
            builder = builder.header(k.trim(), v.trim());
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    let request = builder
        .body(String::from_utf8_lossy(&body).into_owned())
        .expect("request");
    let response = sandbox
        .lock()
        .expect("lock")
        .handle(&request, started.elapsed().as_millis() as u64);
    let mut out = format!(
        "HTTP/1.1 {} X\r\nConnection: close\r\nContent-Length: {}\r\n",
        response.status().as_u16(),
        response.body().len()
    );
    for (k, v) in response.headers() {
        if k != "content-length" {
            out.push_str(&format!("{k}: {}\r\n", v.to_str().unwrap_or_default()));
        }
    }
    out.push_str("\r\n");
    out.push_str(response.body());
    let mut stream = stream;
    stream.write_all(out.as_bytes())
}

fn available(tool: &str) -> bool {
    std::process::Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn the_curl_export_runs_end_to_end_and_cleans_up() {
    if !(available("bash") && available("curl") && available("jq")) {
        eprintln!("bash, curl or jq missing: skipped");
        return;
    }
    for tutorial in builtin_tutorials() {
        let sandbox = Arc::new(Mutex::new(sandbox::Sandbox::new(sandbox::Config {
            seed: 5,
            delivery_delay_ms: 0,
            ..Default::default()
        })));
        let before = serde_json::to_value(sandbox.lock().unwrap().snapshot()).unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let started = Instant::now();
        let shared = Arc::clone(&sandbox);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let _ = answer(stream, &shared, started);
            }
        });
        let mut scopes: Vec<&str> = sandbox::TUTORIAL_SCOPES.to_vec();
        scopes.extend(tutorial.scopes.iter().map(String::as_str));
        let token = {
            let sb = sandbox.lock().unwrap();
            sandbox::mint_token(&scopes, sb.admin_upn(), sb.tenant_id(), 4_000_000_000)
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
            .env("RUN_PASSWORD", "Str0ng!Passw0rd-For-Tests")
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
