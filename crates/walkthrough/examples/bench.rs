//! Benchmark: the beta tutorial against the sandbox with 150 ms latency per request, run
//! concurrently and one step at a time, on a virtual clock. Prints the virtual time of each,
//! their ratio, and the engine's own CPU time per run (time spent inside `Run::handle`).
//!
//! `cargo run -p walkthrough --example bench --release`

use std::time::{Duration, Instant};

use walkthrough::{builtin_tutorials, Action, Event, Run, RunOptions, StepStatus};

const LATENCY_MS: u64 = 150;

struct Outcome {
    virtual_ms: u64,
    requests: usize,
    engine: Duration,
}

fn serve(
    sb: &mut sandbox::Sandbox,
    mut request: http::Request<String>,
    scopes: &[String],
    now_ms: u64,
) -> http::Response<String> {
    let scopes: Vec<&str> = scopes.iter().map(String::as_str).collect();
    let token = sandbox::mint_token(
        &scopes,
        sb.admin_upn(),
        sb.tenant_id(),
        now_ms / 1000 + 3600,
    );
    if let Ok(value) = http::HeaderValue::from_str(&format!("Bearer {token}")) {
        request.headers_mut().insert("authorization", value);
    }
    sb.handle(&request, now_ms)
}

/// Runs the whole tutorial (not cleanup); returns when the run reports `Done`.
fn run_once(seed: u64, one_at_a_time: bool) -> Outcome {
    let tutorial = builtin_tutorials()
        .into_iter()
        .find(|t| t.id == "access-package-beta")
        .expect("built-in");
    let mut sb = sandbox::Sandbox::new(sandbox::Config {
        seed,
        ..Default::default()
    });
    let mut run = Run::new(
        tutorial,
        RunOptions {
            seed,
            one_at_a_time,
            ..Default::default()
        },
    );
    let mut engine = Duration::ZERO;
    let mut pending: Vec<(u64, u64, http::Response<String>)> = Vec::new();
    let mut wake: Option<u64> = None;
    let mut now = 0u64;
    let mut requests = 0;
    let mut event = Some(Event::RunAll { now_ms: 0 });
    loop {
        if let Some(e) = event.take() {
            let started = Instant::now();
            let actions = run.handle(e);
            engine += started.elapsed();
            let mut done = false;
            for action in actions {
                match action {
                    Action::Send {
                        request_id,
                        request,
                        scopes,
                        ..
                    } => {
                        requests += 1;
                        let response = serve(&mut sb, request, &scopes, now);
                        pending.push((now + LATENCY_MS, request_id, response));
                    }
                    Action::WakeAt(at) => wake = Some(at),
                    Action::Done => done = true,
                    _ => {}
                }
            }
            if done && pending.is_empty() {
                break;
            }
        }
        let next = pending
            .iter()
            .enumerate()
            .min_by_key(|(_, p)| (p.0, p.1))
            .map(|(i, p)| (i, p.0));
        event = match (next, wake) {
            (Some((i, at)), w) if w.is_none_or(|w| at <= w) => {
                let (at, request_id, response) = pending.remove(i);
                now = now.max(at);
                Some(Event::Response {
                    request_id,
                    response,
                    now_ms: now,
                })
            }
            (_, Some(w)) => {
                wake = None;
                now = now.max(w);
                Some(Event::Tick { now_ms: now })
            }
            _ => break,
        };
    }
    for i in 0..run.tutorial().steps.len() {
        assert_eq!(
            run.step_status(i),
            &StepStatus::Passed,
            "step {i} did not pass"
        );
    }
    Outcome {
        virtual_ms: now,
        requests,
        engine,
    }
}

fn main() {
    let runs = 50u64;
    let mut results = Vec::new();
    for one_at_a_time in [false, true] {
        let outcomes: Vec<Outcome> = (0..runs)
            .map(|seed| run_once(seed, one_at_a_time))
            .collect();
        let virtual_ms = outcomes.iter().map(|o| o.virtual_ms).sum::<u64>() / runs;
        let requests = outcomes.iter().map(|o| o.requests).sum::<usize>() / runs as usize;
        let engine = outcomes.iter().map(|o| o.engine).sum::<Duration>() / runs as u32;
        results.push((virtual_ms, requests, engine));
    }
    let (conc, seq) = (results[0], results[1]);
    println!(
        "beta tutorial, {LATENCY_MS} ms simulated latency per request, mean of {runs} seeded runs"
    );
    println!(
        "concurrent:     {:>7.2} s virtual, {} requests, engine CPU {:>8.1} µs per run",
        conc.0 as f64 / 1000.0,
        conc.1,
        conc.2.as_secs_f64() * 1e6
    );
    println!(
        "one at a time:  {:>7.2} s virtual, {} requests, engine CPU {:>8.1} µs per run",
        seq.0 as f64 / 1000.0,
        seq.1,
        seq.2.as_secs_f64() * 1e6
    );
    println!(
        "ratio (one at a time / concurrent): {:.2}x",
        seq.0 as f64 / conc.0.max(1) as f64
    );
}
