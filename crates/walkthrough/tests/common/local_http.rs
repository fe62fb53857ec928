//! The sandbox tenant over local HTTP, one request per connection, for running exported scripts against.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Serves `sandbox` on 127.0.0.1 from a background thread; returns the port.
pub fn serve(sandbox: &Arc<Mutex<sandbox::Sandbox>>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a local port");
    let port = listener.local_addr().expect("a local address").port();
    let started = Instant::now();
    let shared = Arc::clone(sandbox);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let _ = answer(stream, &shared, started);
        }
    });
    port
}

/// Whether a command-line tool is installed.
fn available(tool: &str) -> bool {
    std::process::Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Fails the test, naming what is missing and how to install it, unless every tool in `tools` is
/// installed. A test that cannot run must not pass.
pub fn require_tools(tools: &[&str]) {
    let missing: Vec<&str> = tools.iter().copied().filter(|t| !available(t)).collect();
    assert!(
        missing.is_empty(),
        "this test runs the exported script and needs {}, which {} not installed; \
         install with `sudo apt-get install -y {}` (or run `make setup`)",
        missing.join(", "),
        if missing.len() == 1 { "is" } else { "are" },
        missing.join(" ")
    );
}

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
