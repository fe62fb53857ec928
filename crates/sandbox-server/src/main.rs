//! `graphwalk-sandbox`: the sandbox tenant over real HTTP on 127.0.0.1, with CORS for browsers.

mod args;
mod identity;

use axum::body::{to_bytes, Body};
use axum::extract::{FromRef, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use sandbox::{Account, Faults, Sandbox, TUTORIAL_SCOPES};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Instant, SystemTime, UNIX_EPOCH};
use tower_http::cors::{AllowOrigin, CorsLayer};

type Shared = Arc<Mutex<Sandbox>>;
type SharedIdentity = Arc<Mutex<identity::Identity>>;

/// The tenant and its sign-in service, each behind its own lock.
#[derive(Clone)]
struct AppState {
    sb: Shared,
    id: SharedIdentity,
}

impl FromRef<AppState> for Shared {
    fn from_ref(state: &AppState) -> Shared {
        state.sb.clone()
    }
}

/// Bodies larger than this are refused: the tutorial's are a few hundred bytes.
const MAX_BODY: usize = 1 << 20;

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// A poisoned lock only means an earlier request panicked; the tenant data is still usable.
fn lock(s: &Shared) -> MutexGuard<'_, Sandbox> {
    s.lock().unwrap_or_else(|e| e.into_inner())
}

fn json_response(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// The identity platform's paths go to the sign-in service; every other path to the Graph tenant,
/// rebuilt as an absolute URL so next links lead back here.
async fn graph(State(state): State<AppState>, req: Request) -> Response {
    let sb = state.sb.clone();
    let (parts, body) = req.into_parts();
    let bytes = match to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(_) => {
            return graph_error(
                &sb,
                413,
                "RequestEntityTooLarge",
                "The request body is too large.",
                &parts.headers,
            )
        }
    };
    let host = parts
        .headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    let pq = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let uri: http::Uri = format!("http://{host}{pq}")
        .parse()
        .unwrap_or_else(|_| parts.uri.clone());
    let mut builder = http::Request::builder()
        .method(parts.method.clone())
        .uri(uri);
    for (k, v) in &parts.headers {
        builder = builder.header(k, v);
    }
    let Ok(request) = builder.body(String::from_utf8_lossy(&bytes).into_owned()) else {
        return graph_error(
            &sb,
            400,
            "BadRequest",
            "The request could not be read.",
            &parts.headers,
        );
    };
    let signed_in = {
        let tenant = lock(&sb);
        let mut id = state.id.lock().unwrap_or_else(|e| e.into_inner());
        id.handle(&tenant, &request, now_ms())
    };
    if let Some(answer) = signed_in {
        let (parts, body) = answer.into_parts();
        return Response::from_parts(parts, Body::from(body));
    }
    let answer = lock(&sb).handle(&request, now_ms());
    let (parts, body) = answer.into_parts();
    Response::from_parts(parts, Body::from(body))
}

/// Graph's error body, with a request id and date, for a request the sandbox never saw.
fn graph_error(
    sb: &Shared,
    status: u16,
    code: &str,
    message: &str,
    headers: &axum::http::HeaderMap,
) -> Response {
    let answer = lock(sb).refuse(status, code, message, headers, now_ms());
    let (parts, body) = answer.into_parts();
    Response::from_parts(parts, Body::from(body))
}

async fn reset(State(state): State<AppState>) -> Response {
    lock(&state.sb).reset();
    state.id.lock().unwrap_or_else(|e| e.into_inner()).reset();
    StatusCode::NO_CONTENT.into_response()
}

async fn state(State(sb): State<Shared>) -> Response {
    let sb = lock(&sb);
    let body = serde_json::json!({
        "snapshot": sb.snapshot(),
        "stats": sb.stats(),
        "faults": sb.faults(),
        "governanceLicence": sb.config().governance_licence,
        "beyondSeed": sb.snapshot().beyond_seed(),
    });
    json_response(StatusCode::OK, body.to_string())
}

/// A token for the account `?upn=` names (any user of the tenant), else for the administrator.
async fn token(State(sb): State<Shared>, uri: http::Uri) -> Response {
    let sb = lock(&sb);
    let upn =
        query_value(uri.query().unwrap_or(""), "upn").unwrap_or_else(|| sb.admin_upn().to_string());
    let Some(token) = sb.token_for(&upn, now_ms()) else {
        return json_response(
            StatusCode::NOT_FOUND,
            serde_json::json!({"error": {"code": "NotFound", "message": format!("The tenant has no user '{upn}'.")}})
                .to_string(),
        );
    };
    let body = serde_json::json!({"access_token": token, "token_type": "Bearer", "scope": TUTORIAL_SCOPES.join(" "), "upn": upn, "wids": sb.roles_of(&upn)});
    json_response(StatusCode::OK, body.to_string())
}

/// `{"governance": false}` takes the tenant's Microsoft Entra ID P2 / Governance licence away.
async fn set_licence(State(sb): State<Shared>, body: String) -> Response {
    let licensed = serde_json::from_str::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v.get("governance").and_then(serde_json::Value::as_bool));
    match licensed {
        Some(l) => {
            lock(&sb).set_governance_licence(l);
            StatusCode::NO_CONTENT.into_response()
        }
        None => json_response(
            StatusCode::BAD_REQUEST,
            r#"{"error":{"code":"BadRequest","message":"Send {\"governance\": true} or {\"governance\": false}."}}"#.into(),
        ),
    }
}

/// One query parameter, percent-decoded.
fn query_value(query: &str, name: &str) -> Option<String> {
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == name).then(|| identity::decode(v))
    })
}

async fn set_faults(State(sb): State<Shared>, body: String) -> Response {
    match serde_json::from_str::<Faults>(&body) {
        Ok(f) => {
            lock(&sb).set_faults(f);
            StatusCode::NO_CONTENT.into_response()
        }
        Err(e) => json_response(
            StatusCode::BAD_REQUEST,
            serde_json::json!({"error": {"code": "BadRequest", "message": e.to_string()}})
                .to_string(),
        ),
    }
}

/// One line per request: method, path and query, status, time. Never headers (tokens live there).
async fn log(req: Request, next: axum::middleware::Next) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    let target = req
        .uri()
        .path_and_query()
        .map_or_else(|| req.uri().path().to_string(), |p| p.to_string());
    let resp = next.run(req).await;
    eprintln!(
        "{method} {target} -> {} ({:.1} ms)",
        resp.status().as_u16(),
        started.elapsed().as_secs_f64() * 1000.0
    );
    resp
}

fn cors(origins: &args::Origins) -> CorsLayer {
    let origins = origins.clone();
    CorsLayer::new()
        .allow_origin(AllowOrigin::predicate(move |origin: &HeaderValue, _| {
            origin.to_str().is_ok_and(|o| origins.allows(o))
        }))
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PATCH,
            Method::PUT,
            Method::DELETE,
            Method::OPTIONS,
        ])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::HeaderName::from_static("client-request-id"),
            header::HeaderName::from_static("consistencylevel"),
            header::HeaderName::from_static("prefer"),
            header::HeaderName::from_static("sdkversion"),
            header::HeaderName::from_static("x-ms-throttle-priority"),
        ])
        // Graph does not expose Retry-After to browsers; neither do we.
        .expose_headers([
            header::HeaderName::from_static("request-id"),
            header::HeaderName::from_static("client-request-id"),
            header::LOCATION,
            header::ETAG,
        ])
        .max_age(std::time::Duration::from_secs(3600))
}

fn app(sb: Shared, id: SharedIdentity, origins: &args::Origins) -> Router {
    Router::new()
        .route("/_sandbox/reset", post(reset))
        .route("/_sandbox/state", get(state))
        .route("/_sandbox/token", get(token))
        .route("/_sandbox/faults", post(set_faults).put(set_faults))
        .route("/_sandbox/licence", post(set_licence).put(set_licence))
        .fallback(graph)
        .with_state(AppState { sb, id })
        .layer(cors(origins))
        .layer(axum::middleware::from_fn(log))
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    eprintln!("shutting down");
}

#[tokio::main]
async fn main() {
    let opts = match args::parse(std::env::args().skip(1)) {
        Ok(o) => o,
        Err(msg) => {
            eprintln!("{msg}\n\n{}", args::USAGE);
            std::process::exit(2);
        }
    };
    if opts.help {
        println!("{}", args::USAGE);
        return;
    }
    let sb = Sandbox::new(opts.config.clone());
    if opts.print_token {
        let upn = opts
            .upn
            .clone()
            .unwrap_or_else(|| sb.admin_upn().to_string());
        match sb.token_for(&upn, now_ms()) {
            Some(token) => println!("{token}"),
            None => {
                eprintln!("the tenant has no user '{upn}'");
                std::process::exit(2);
            }
        }
        return;
    }
    let listener = match tokio::net::TcpListener::bind(("127.0.0.1", opts.port)).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("cannot listen on 127.0.0.1:{}: {e}", opts.port);
            std::process::exit(1);
        }
    };
    let port = listener.local_addr().map_or(opts.port, |a| a.port());
    println!("listening on http://127.0.0.1:{port}");
    eprintln!(
        "sandbox tenant {} ({}), signed-in admin {}; token: GET http://127.0.0.1:{port}/_sandbox/token[?upn=UPN]",
        sb.tenant_id(),
        sb.default_domain(),
        sb.admin_upn()
    );
    for account in Account::ALL {
        eprintln!("  account {}", sb.account_upn(account));
    }
    let reg = &opts.identity.registration;
    eprintln!(
        "sign-in: {}/organizations (app {}, {}, {}), password of the accounts: {}",
        opts.identity.login_base,
        reg.client_id,
        if reg.multi_tenant {
            "multi-tenant"
        } else {
            "single-tenant"
        },
        if reg.admin_consent {
            "admin consent granted"
        } else {
            "no admin consent"
        },
        opts.identity.password
    );
    let id = Arc::new(Mutex::new(identity::Identity::new(opts.identity.clone())));
    let app = app(Arc::new(Mutex::new(sb)), id, &opts.origins);
    if let Err(e) = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown())
        .await
    {
        eprintln!("server error: {e}");
        std::process::exit(1);
    }
}
