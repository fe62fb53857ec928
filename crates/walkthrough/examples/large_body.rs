//! What judging a large response costs: the whole body as a tree, against only the parts the step's
//! JSONPaths can reach. The body is a 5 MB list (the one `make bench` sends the page); the step is the
//! first step of the v1.0 access-package tutorial, whose paths start `$.value[0]`.
//!
//! `cargo run -p walkthrough --example large_body --release -- [runs]` prints one JSON object (times in
//! milliseconds, the mean of `runs`, default 5; each includes dropping what was built).

use std::time::Instant;

use walkthrough::{builtin_tutorials, ReceivedResponse};

fn main() {
    let runs: u32 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(5)
        .max(1);
    let mut items = Vec::new();
    let mut size = 2;
    while size < 5 * 1024 * 1024 {
        let i = items.len();
        let item = format!(
            r#"{{"id":"00000000-0000-4000-8000-{i:012}","displayName":"Object {i}","tags":["a","b"],"nested":{{"level":{{"deeper":{i}}}}}}}"#
        );
        size += item.len() + 1;
        items.push(item);
    }
    let body = format!(r#"{{"value":[{}]}}"#, items.join(","));
    let response = ReceivedResponse {
        status: 200,
        headers: Vec::new(),
        body: body.as_str().into(),
        elapsed_ms: 0,
    };
    let tutorial = builtin_tutorials()
        .into_iter()
        .find(|t| t.id == "access-package-v1")
        .expect("the v1.0 tutorial is built in");
    let step = &tutorial.steps[0];
    let paths: Vec<String> = step.queries().map(|q| q.to_string()).collect();

    let mean_ms = |judge: &dyn Fn() -> bool| {
        let started = Instant::now();
        for _ in 0..runs {
            assert!(judge(), "the body is JSON");
        }
        started.elapsed().as_secs_f64() * 1000.0 / f64::from(runs)
    };
    let whole = mean_ms(&|| response.json().is_some());
    let reached = mean_ms(&|| response.json_for(step.queries()).is_some());
    let round = |ms: f64| (ms * 10.0).round() / 10.0;
    println!(
        "{}",
        serde_json::json!({
            "bytes": body.len(),
            "items": items.len(),
            "queries": paths,
            "whole_ms": round(whole),
            "reached_ms": round(reached),
        })
    );
}
