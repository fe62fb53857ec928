//! Requests per second for the whole tutorial flow (beta), run natively: `cargo bench -p sandbox`.

use sandbox::{Config, Sandbox};
use serde_json::{json, Value};
use std::time::Instant;

struct Run {
    sb: Sandbox,
    token: String,
    now: u64,
    requests: u64,
    /// Seconds spent inside `Sandbox::handle` (the rest is this client building and reading JSON).
    in_handle: f64,
}

impl Run {
    fn call(&mut self, method: &str, url: &str, body: Option<Value>) -> Value {
        let req = http::Request::builder()
            .method(method)
            .uri(url)
            .header("authorization", &self.token)
            .body(body.map(|b| b.to_string()).unwrap_or_default())
            .expect("request");
        let t0 = Instant::now();
        let resp = self.sb.handle(&req, self.now);
        self.in_handle += t0.elapsed().as_secs_f64();
        self.requests += 1;
        assert!(
            resp.status().is_success(),
            "{method} {url}: {}",
            resp.body()
        );
        serde_json::from_str(resp.body()).unwrap_or(Value::Null)
    }
}

fn id(v: &Value) -> String {
    v["id"].as_str().expect("id").to_string()
}

fn first(v: &Value) -> String {
    id(&v["value"][0])
}

/// The seed tutorial, start to clean-up.
fn flow(r: &mut Run) {
    let g = "https://graph.microsoft.com/beta";
    let em = "https://graph.microsoft.com/beta/identityGovernance/entitlementManagement";
    let domain = r.sb.default_domain().to_string();
    let user = |n: &str| json!({"accountEnabled":true,"displayName":n,"mailNickname":n,"userPrincipalName":format!("{n}@{domain}"),"passwordProfile":{"password":"Contoso1234"}});
    let admin = id(&r.call("POST", &format!("{g}/users"), Some(user("Admin1"))));
    let requestor = id(&r.call("POST", &format!("{g}/users"), Some(user("Requestor1"))));
    let role = first(&r.call("GET", &format!("{g}/roleManagement/directory/roleDefinitions?$filter=(displayName%20eq%20'Global%20Administrator')"), None));
    r.call(
        "POST",
        &format!("{g}/roleManagement/directory/roleAssignments"),
        Some(json!({"roleDefinitionId":role,"principalId":admin,"directoryScopeId":"/"})),
    );
    let group = id(&r.call("POST", &format!("{g}/groups"), Some(json!({"description":"Marketing group","displayName":"Marketing resources","mailEnabled":false,"mailNickname":"markres","securityEnabled":true}))));
    let catalog = first(&r.call(
        "GET",
        &format!("{em}/accessPackageCatalogs?$filter=(displayName%20eq%20'General')"),
        None,
    ));
    r.call("POST", &format!("{em}/accessPackageResourceRequests"), Some(json!({"catalogId":catalog,"requestType":"AdminAdd","accessPackageResource":{"originId":group,"originSystem":"AadGroup"}})));
    let resource = first(&r.call("GET", &format!("{em}/accessPackageCatalogs/{catalog}/accessPackageResources?$filter=(displayName%20eq%20'Marketing%20resources')"), None));
    let roles = r.call("GET", &format!("{em}/accessPackageCatalogs/{catalog}/accessPackageResourceRoles?$filter=(originSystem+eq+%27AadGroup%27+and+accessPackageResource/id+eq+%27{resource}%27+and+displayName+eq+%27Member%27)&$expand=accessPackageResource"), None);
    let origin = roles["value"][0]["originId"]
        .as_str()
        .expect("originId")
        .to_string();
    let package = id(&r.call(
        "POST",
        &format!("{em}/accessPackages"),
        Some(json!({"catalogId":catalog,"displayName":"Marketing Campaign"})),
    ));
    r.call("POST", &format!("{em}/accessPackages/{package}/accessPackageResourceRoleScopes"), Some(json!({"accessPackageResourceRole":{"originId":origin,"originSystem":"AadGroup","accessPackageResource":{"id":resource}},"accessPackageResourceScope":{"originId":group,"originSystem":"AadGroup"}})));
    let policy = id(&r.call("POST", &format!("{em}/accessPackageAssignmentPolicies"), Some(json!({"accessPackageId":package,"displayName":"direct","durationInDays":30,"requestorSettings":{"scopeType":"SpecificDirectorySubjects","acceptRequests":true,"allowedRequestors":[{"@odata.type":"#microsoft.graph.singleUser","id":requestor}]}}))));
    r.call(
        "GET",
        &format!("{em}/accessPackageAssignmentPolicies?$filter=(id%20eq%20'{policy}')"),
        None,
    );
    let request = id(&r.call("POST", &format!("{em}/accessPackageAssignmentRequests"), Some(json!({"requestType":"AdminAdd","accessPackageAssignment":{"targetId":requestor,"assignmentPolicyId":policy,"accessPackageId":package}}))));
    r.now += 1;
    r.call(
        "GET",
        &format!("{em}/accessPackageAssignmentRequests/{request}"),
        None,
    );
    r.call("GET", &format!("{g}/groups/{group}/members"), None);
    let assignment = first(&r.call("GET", &format!("{em}/accessPackageAssignments?$filter=accessPackageAssignmentPolicy/Id%20eq%20'{policy}'"), None));
    r.call(
        "POST",
        &format!("{em}/accessPackageAssignmentRequests"),
        Some(json!({"requestType":"AdminRemove","accessPackageAssignment":{"id":assignment}})),
    );
    r.now += 1;
    for url in [
        format!("{em}/accessPackageAssignmentPolicies/{policy}"),
        format!("{em}/accessPackages/{package}"),
        format!("{g}/users/{requestor}"),
        format!("{g}/users/{admin}"),
        format!("{g}/groups/{group}"),
    ] {
        r.call("DELETE", &url, None);
    }
}

fn main() {
    let iterations = 2_000;
    let mut requests = 0;
    let mut in_handle = 0.0;
    let started = Instant::now();
    for i in 0..iterations {
        let sb = Sandbox::new(Config {
            seed: i,
            delivery_delay_ms: 1,
            ..Config::default()
        });
        let token = format!("Bearer {}", sb.admin_token(1_700_000_000_000));
        let mut run = Run {
            sb,
            token,
            now: 1_700_000_000_000,
            requests: 0,
            in_handle: 0.0,
        };
        flow(&mut run);
        requests += run.requests;
        in_handle += run.in_handle;
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "full tutorial flow ({} requests): {:.1} µs per run in the sandbox, {:.0} requests/second; \
         {:.1} µs per run including the client's JSON work ({iterations} runs)",
        requests / iterations,
        in_handle * 1e6 / iterations as f64,
        requests as f64 / in_handle,
        secs * 1e6 / iterations as f64,
    );
}
