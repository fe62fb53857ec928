//! A native driver for runs: a virtual clock, simulated latency, and any Graph-like server.
#![allow(dead_code)]

pub mod fake;
pub mod local_http;
pub mod tenant;

use walkthrough::{Action, Event, Run};

/// Something that answers Graph requests (the sandbox tenant or the small fake).
pub trait Server {
    /// `scopes` are the delegated permissions the run asked a token for; `run_as` the user principal name
    /// of the account the step runs as (`None`: the signed-in administrator).
    fn serve(
        &mut self,
        request: &http::Request<String>,
        scopes: &[String],
        run_as: Option<&str>,
        now_ms: u64,
    ) -> http::Response<String>;
}

/// Drives a run to quiescence on a virtual clock.
pub struct Driver {
    pub now_ms: u64,
    pub latency_ms: u64,
    pub sent: usize,
    pending: Vec<(u64, u64, http::Response<String>)>,
    wake: Option<u64>,
    pub done: usize,
    pub cleanup_left: Option<usize>,
    pub refused: Vec<walkthrough::StepError>,
    pub log: Vec<String>,
    /// Stop delivering responses (to simulate a page closing mid-flight).
    pub hold: bool,
    /// Every this many events, save the run to JSON and carry on with the restored copy.
    pub roundtrip_every: Option<usize>,
    events: usize,
}

impl Driver {
    pub fn new(latency_ms: u64) -> Driver {
        Driver {
            now_ms: 0,
            latency_ms,
            sent: 0,
            pending: Vec::new(),
            wake: None,
            done: 0,
            cleanup_left: None,
            refused: Vec::new(),
            log: Vec::new(),
            hold: false,
            roundtrip_every: None,
            events: 0,
        }
    }

    pub fn apply(&mut self, server: &mut dyn Server, actions: Vec<Action>) {
        for action in actions {
            match action {
                Action::Send {
                    request_id,
                    request,
                    step,
                    scopes,
                    run_as,
                    ..
                } => {
                    self.sent += 1;
                    assert!(
                        request.headers().get("authorization").is_none(),
                        "the engine must never add a token"
                    );
                    let mut with_token = request;
                    with_token.headers_mut().insert(
                        "authorization",
                        http::HeaderValue::from_static("Bearer test-token"),
                    );
                    self.log.push(format!(
                        "{} {} {}",
                        step,
                        with_token.method(),
                        with_token.uri()
                    ));
                    let upn = run_as.as_ref().map(|r| r.upn.as_str());
                    let response = server.serve(&with_token, &scopes, upn, self.now_ms);
                    self.pending
                        .push((self.now_ms + self.latency_ms, request_id, response));
                }
                Action::WakeAt(at) => self.wake = Some(at),
                Action::Done => self.done += 1,
                Action::CleanupFinished { left } => self.cleanup_left = Some(left),
                Action::Refused { error, .. } => self.refused.push(error),
                Action::StepFinished { .. } | Action::Changed => {}
            }
        }
    }

    pub fn event(&mut self, server: &mut dyn Server, run: &mut Run, event: Event) {
        let actions = run.handle(event);
        self.apply(server, actions);
        self.maybe_roundtrip(run);
    }

    fn maybe_roundtrip(&mut self, run: &mut Run) {
        self.events += 1;
        if let Some(n) = self.roundtrip_every {
            if self.events.is_multiple_of(n) {
                let json = serde_json::to_string(run).expect("a run serializes");
                let restored: Run = serde_json::from_str(&json).expect("a run deserializes");
                assert_eq!(&restored, run, "the saved run differs from the live one");
                *run = restored;
            }
        }
    }

    /// Runs until nothing is pending. Returns false if it hit the step budget.
    pub fn settle(&mut self, server: &mut dyn Server, run: &mut Run) -> bool {
        for _ in 0..100_000 {
            if self.hold || !self.step(server, run) {
                return true;
            }
        }
        false
    }

    /// Delivers the next response or timer, whichever is due first. Returns false if nothing is pending.
    pub fn step(&mut self, server: &mut dyn Server, run: &mut Run) -> bool {
        let next_response = self
            .pending
            .iter()
            .enumerate()
            .min_by_key(|(_, p)| (p.0, p.1))
            .map(|(i, p)| (i, p.0));
        match (next_response, self.wake) {
            (Some((i, at)), w) if w.is_none_or(|w| at <= w) => {
                let (at, id, response) = self.pending.remove(i);
                self.now_ms = self.now_ms.max(at);
                let actions = run.handle(Event::Response {
                    request_id: id,
                    response,
                    now_ms: self.now_ms,
                });
                self.apply(server, actions);
                self.maybe_roundtrip(run);
                true
            }
            (_, Some(w)) => {
                self.wake = None;
                self.now_ms = self.now_ms.max(w);
                let actions = run.handle(Event::Tick {
                    now_ms: self.now_ms,
                });
                self.apply(server, actions);
                self.maybe_roundtrip(run);
                true
            }
            _ => false,
        }
    }

    /// Runs until the virtual clock passes `until_ms` (or nothing is pending).
    pub fn settle_until(&mut self, server: &mut dyn Server, run: &mut Run, until_ms: u64) {
        while self.now_ms < until_ms {
            let next = self.pending.iter().map(|p| p.0).min();
            let at = match (next, self.wake) {
                (Some(a), Some(w)) => a.min(w),
                (Some(a), None) => a,
                (None, Some(w)) => w,
                (None, None) => return,
            };
            if at > until_ms {
                return;
            }
            self.step(server, run);
        }
    }

    /// Drops undelivered responses (as if the page closed).
    pub fn drop_pending(&mut self) -> usize {
        let n = self.pending.len();
        self.pending.clear();
        self.wake = None;
        n
    }
}

/// Each step's status, request and the start of its response, for an assertion's message.
pub fn status_report(run: &Run) -> String {
    (0..run.tutorial().steps.len())
        .map(|i| {
            let r = run.step_record(i);
            format!(
                "{} {}: {:?}\n   request {:?}\n   response {:?}\n",
                i,
                run.tutorial().steps[i].id,
                run.step_status(i),
                r.request
                    .as_ref()
                    .map(|q| format!("{} {}", q.method, q.url)),
                r.response.as_ref().map(|x| format!(
                    "{} {}",
                    x.status,
                    x.body.chars().take(400).collect::<String>()
                ))
            )
        })
        .collect()
}
