//! The time a run cannot beat: each built-in tutorial against the sandbox on a virtual clock, with a given
//! latency per request and delivery delay, run concurrently and one step at a time. Processing costs no
//! virtual time here, so the concurrent figure is the bound the tutorial's own dependencies (and its
//! polling) allow. Also measures the CPU time of a whole run natively: engine alone, and engine plus sandbox.
//!
//! `cargo run -p walkthrough --example critical_path --release -- <latency_ms> <delivery_ms> [runs]`
//! prints one JSON object per tutorial (defaults: 150 ms latency, 2500 ms delivery, 20 runs), with the
//! ratio of the one-at-a-time time to the concurrent one. `make bench` reads it.

use std::time::{Duration, Instant};

use walkthrough::{builtin_tutorials, Action, Event, Run, RunOptions, Tutorial};

struct Outcome {
    virtual_ms: u64,
    requests: usize,
    engine: Duration,
    total: Duration,
}

fn run_once(
    tutorial: &Tutorial,
    seed: u64,
    latency_ms: u64,
    delivery_ms: u64,
    one_at_a_time: bool,
) -> Outcome {
    let started = Instant::now();
    let mut sandbox = sandbox::Sandbox::new(sandbox::Config {
        seed,
        delivery_delay_ms: delivery_ms,
        ..Default::default()
    });
    let mut run = Run::new(
        tutorial.clone(),
        RunOptions {
            seed,
            one_at_a_time,
            ..Default::default()
        },
    );
    let mut engine = Duration::ZERO;
    // In flight: (answer at, request id, request). The sandbox answers when the latency has passed,
    // as the in-page sandbox does.
    let mut in_flight: Vec<(u64, u64, http::Request<String>)> = Vec::new();
    let mut wake: Option<u64> = None;
    let mut now = 0u64;
    let mut requests = 0;
    let mut event = Some(Event::RunAll { now_ms: 0 });
    loop {
        if let Some(e) = event.take() {
            let t = Instant::now();
            let actions = run.handle(e);
            engine += t.elapsed();
            for action in actions {
                match action {
                    Action::Send {
                        request_id,
                        mut request,
                        scopes,
                        run_as,
                        ..
                    } => {
                        requests += 1;
                        // A step that runs as another account (the requestor) carries that account's token.
                        let token = match run_as {
                            Some(account) => {
                                let scopes: Vec<&str> = scopes.iter().map(String::as_str).collect();
                                sandbox::mint_token(
                                    &scopes,
                                    &account.upn,
                                    sandbox.tenant_id(),
                                    now / 1000 + 3600,
                                )
                            }
                            None => sandbox.admin_token(now),
                        };
                        if let Ok(value) = http::HeaderValue::from_str(&format!("Bearer {token}")) {
                            request.headers_mut().insert("authorization", value);
                        }
                        in_flight.push((now + latency_ms, request_id, request));
                    }
                    Action::WakeAt(at) => wake = Some(at),
                    _ => {}
                }
            }
        }
        let next = in_flight
            .iter()
            .enumerate()
            .min_by_key(|(_, p)| (p.0, p.1))
            .map(|(i, p)| (i, p.0));
        event = match (next, wake) {
            (Some((i, at)), w) if w.is_none_or(|w| at <= w) => {
                let (at, request_id, request) = in_flight.remove(i);
                now = now.max(at);
                let response = sandbox.handle(&request, now);
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
    // Every step on the path the tutorial's inputs choose by default (the others never run).
    let (passed, on_path) = run.progress();
    assert_eq!(passed, on_path, "{}: not every step passed", tutorial.id);
    Outcome {
        virtual_ms: now,
        requests,
        engine,
        total: started.elapsed(),
    }
}

fn main() {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let latency_ms = args.first().copied().unwrap_or(150);
    let delivery_ms = args.get(1).copied().unwrap_or(2_500);
    let runs = args.get(2).copied().unwrap_or(20).max(1);
    for tutorial in builtin_tutorials() {
        let mean = |one_at_a_time: bool| {
            let outcomes: Vec<Outcome> = (0..runs)
                .map(|seed| run_once(&tutorial, seed + 1, latency_ms, delivery_ms, one_at_a_time))
                .collect();
            let n = outcomes.len() as u32;
            (
                outcomes.iter().map(|o| o.virtual_ms).sum::<u64>() / runs,
                outcomes.iter().map(|o| o.requests).sum::<usize>() / runs as usize,
                outcomes.iter().map(|o| o.engine).sum::<Duration>() / n,
                outcomes.iter().map(|o| o.total).sum::<Duration>() / n,
            )
        };
        let concurrent = mean(false);
        let sequential = mean(true);
        println!(
            "{{\"tutorial\":\"{}\",\"latency_ms\":{latency_ms},\"delivery_ms\":{delivery_ms},\"runs\":{runs},\
             \"concurrent_ms\":{},\"sequential_ms\":{},\"ratio\":{:.3},\"requests\":{},\"engine_us\":{:.1},\"engine_and_sandbox_us\":{:.1}}}",
            tutorial.id,
            concurrent.0,
            sequential.0,
            sequential.0 as f64 / concurrent.0.max(1) as f64,
            concurrent.1,
            concurrent.2.as_secs_f64() * 1e6,
            concurrent.3.as_secs_f64() * 1e6,
        );
    }
}
