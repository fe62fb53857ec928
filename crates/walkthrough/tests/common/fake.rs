//! A small stand-in for Graph that understands just the access-package flow (beta and v1.0 shapes).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::Server;

/// Its state serializes (without the injected failures), so a saved run can be kept with the tenant it ran against.
#[derive(Default, Serialize, Deserialize)]
pub struct Fake {
    next: u64,
    /// id -> (collection, object)
    pub objects: BTreeMap<String, (String, Value)>,
    /// request id -> remaining polls before delivery
    requests: BTreeMap<String, u32>,
    pub polls_before_delivery: u32,
    /// Requests end Denied instead of Delivered.
    pub deny: bool,
    /// Answer these paths (substring match) with this status, always.
    #[serde(skip)]
    pub broken: Vec<(&'static str, u16)>,
    /// Answer the next N requests with this status first.
    #[serde(skip)]
    pub fail_next: Vec<(u16, Option<&'static str>)>,
    pub calls: usize,
}

fn resp(status: u16, body: Value) -> http::Response<String> {
    let body = if status == 204 {
        String::new()
    } else {
        body.to_string()
    };
    http::Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .header("request-id", "fake-request-id")
        .body(body)
        .unwrap()
}

fn error(status: u16, code: &str, message: &str) -> http::Response<String> {
    resp(
        status,
        json!({"error": {"code": code, "message": message, "innerError": {"request-id": "fake-request-id"}}}),
    )
}

fn decode(s: &str) -> String {
    let mut out = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl Fake {
    pub fn new() -> Fake {
        Fake {
            polls_before_delivery: 2,
            ..Fake::default()
        }
    }

    fn id(&mut self) -> String {
        self.next += 1;
        format!("00000000-0000-4000-8000-{:012}", self.next)
    }

    /// Objects the run created and did not remove (the General catalog and roles are not stored).
    pub fn left(&self) -> Vec<String> {
        self.objects
            .iter()
            .filter(|(_, (c, _))| c != "requests")
            .map(|(id, (c, _))| format!("{c} {id}"))
            .collect()
    }

    fn of(&self, collection: &str) -> Vec<&Value> {
        self.objects
            .values()
            .filter(|(c, _)| c == collection)
            .map(|(_, v)| v)
            .collect()
    }

    fn handle(
        &mut self,
        method: &str,
        path: &str,
        query: &str,
        body: Value,
    ) -> http::Response<String> {
        let seg: Vec<&str> = path.trim_matches('/').split('/').collect();
        let beta = seg.first() == Some(&"beta");
        let seg = &seg[1..];
        let em = seg.len() >= 2 && seg[0] == "identityGovernance";
        let tail: Vec<&str> = if em { seg[2..].to_vec() } else { seg.to_vec() };
        match (method, tail.as_slice()) {
            ("GET", ["organization"]) => resp(
                200,
                json!({"value": [{"id": "t1", "verifiedDomains": [{"name": "other.example", "isDefault": false}, {"name": "contoso.example", "isDefault": true}]}]}),
            ),
            ("GET", ["roleManagement", "directory", "roleDefinitions"]) => {
                let t = query.split('\'').nth(1).unwrap_or_default().to_string();
                resp(200, json!({"value": [{"id": t, "templateId": t}]}))
            }
            ("POST", ["users"])
            | ("POST", ["groups"])
            | ("POST", ["roleManagement", "directory", "roleAssignments"]) => {
                let id = self.id();
                let mut obj = body.clone();
                obj["id"] = json!(id);
                self.objects
                    .insert(id, (tail[tail.len() - 1].to_string(), obj.clone()));
                resp(201, obj)
            }
            ("DELETE", [_, .., id]) => match self.objects.remove(*id) {
                Some(_) => resp(204, Value::Null),
                None => error(
                    404,
                    "Request_ResourceNotFound",
                    &format!("Resource '{id}' does not exist"),
                ),
            },
            ("GET", ["accessPackageCatalogs"]) | ("GET", ["catalogs"]) => resp(
                200,
                json!({"value": [{"id": "cat-general", "displayName": "General"}]}),
            ),
            ("POST", ["accessPackageResourceRequests"]) | ("POST", ["resourceRequests"]) => {
                let res = if beta {
                    &body["accessPackageResource"]
                } else {
                    &body["resource"]
                };
                let origin = res["originId"].as_str().unwrap_or_default().to_string();
                let remove = body["requestType"]
                    .as_str()
                    .unwrap_or_default()
                    .eq_ignore_ascii_case("adminremove");
                if remove {
                    let rid = res["id"].as_str().unwrap_or_default().to_string();
                    if self.objects.remove(&rid).is_none() {
                        return error(404, "ResourceNotFound", "resource does not exist");
                    }
                } else {
                    let rid = format!("res-{origin}");
                    self.objects.insert(rid.clone(), ("resources".into(), json!({"id": rid, "originId": origin, "displayName": res["displayName"]})));
                }
                let id = self.id();
                resp(
                    201,
                    json!({"id": id, "requestState": "Delivered", "state": "delivered"}),
                )
            }
            ("GET", ["accessPackageCatalogs", _, "accessPackageResources"])
            | ("GET", ["catalogs", _, "resources"]) => {
                let wanted = decode(query);
                let list: Vec<Value> = self
                    .of("resources")
                    .into_iter()
                    .filter(|r| {
                        [&r["originId"], &r["displayName"]].iter().any(|v| {
                            v.as_str()
                                .is_some_and(|v| !v.is_empty() && wanted.contains(v))
                        })
                    })
                    .cloned()
                    .collect();
                resp(200, json!({ "value": list }))
            }
            ("GET", ["accessPackageCatalogs", _, "accessPackageResourceRoles"])
            | ("GET", ["catalogs", _, "resourceRoles"]) => {
                let list: Vec<Value> = self
                    .of("resources")
                    .iter()
                    .map(|r| json!({"id": "00000000-0000-0000-0000-000000000000", "originId": format!("Member_{}", r["originId"].as_str().unwrap_or_default())}))
                    .collect();
                resp(200, json!({ "value": list }))
            }
            ("POST", ["accessPackages"])
            | ("POST", ["accessPackageAssignmentPolicies"])
            | ("POST", ["assignmentPolicies"])
            | ("POST", ["accessPackages", _, _]) => {
                let id = self.id();
                let mut obj = body.clone();
                obj["id"] = json!(id);
                let coll = if tail.len() == 3 {
                    "roleScopes"
                } else {
                    tail[0]
                };
                self.objects.insert(id, (coll.to_string(), obj.clone()));
                resp(201, obj)
            }
            ("GET", ["accessPackageAssignmentPolicies"]) => {
                let id = decode(query)
                    .split('\'')
                    .nth(1)
                    .unwrap_or_default()
                    .to_string();
                let list: Vec<Value> = self
                    .objects
                    .get(&id)
                    .map(|(_, v)| v.clone())
                    .into_iter()
                    .collect();
                resp(200, json!({ "value": list }))
            }
            ("GET", ["assignmentPolicies", id]) => match self.objects.get(*id) {
                Some((_, v)) => resp(200, v.clone()),
                None => error(404, "NotFound", "policy does not exist"),
            },
            ("POST", ["accessPackageAssignmentRequests"]) | ("POST", ["assignmentRequests"]) => {
                let a = if beta {
                    &body["accessPackageAssignment"]
                } else {
                    &body["assignment"]
                };
                let kind = body["requestType"]
                    .as_str()
                    .unwrap_or_default()
                    .to_ascii_lowercase();
                let id = self.id();
                if kind == "adminremove" {
                    let aid = a["id"].as_str().unwrap_or_default().to_string();
                    if self.objects.remove(&aid).is_none() {
                        return error(404, "NotFound", "assignment does not exist");
                    }
                } else {
                    let aid = self.id();
                    let target = a["targetId"].clone();
                    self.objects.insert(
                        aid.clone(),
                        (
                            "assignments".into(),
                            json!({"id": aid, "targetId": target, "target": {"objectId": target}}),
                        ),
                    );
                }
                self.objects
                    .insert(id.clone(), ("requests".into(), json!({"id": id})));
                self.requests.insert(id.clone(), self.polls_before_delivery);
                resp(
                    201,
                    json!({"id": id, "requestState": "Submitted", "state": "submitted"}),
                )
            }
            ("GET", ["accessPackageAssignmentRequests", id])
            | ("GET", ["assignmentRequests", id]) => {
                let Some(left) = self.requests.get_mut(*id) else {
                    return error(404, "NotFound", "request does not exist");
                };
                let (b, v) = if *left == 0 && self.deny {
                    ("Denied", "denied")
                } else if *left == 0 {
                    ("Delivered", "delivered")
                } else {
                    *left -= 1;
                    ("Submitted", "submitted")
                };
                resp(200, json!({"id": id, "requestState": b, "state": v}))
            }
            ("GET", ["groups", _, "members"]) => {
                let members: Vec<Value> = self
                    .of("assignments")
                    .iter()
                    .map(|a| json!({"id": a["targetId"]}))
                    .collect();
                resp(200, json!({ "value": members }))
            }
            ("GET", ["accessPackageAssignments"]) | ("GET", ["assignments"]) => {
                let list: Vec<Value> = self.of("assignments").into_iter().cloned().collect();
                resp(200, json!({ "value": list }))
            }
            _ => error(
                400,
                "BadRequest",
                &format!("Resource not found for the segment '{path}'."),
            ),
        }
    }
}

impl Server for Fake {
    fn serve(
        &mut self,
        request: &http::Request<String>,
        _scopes: &[String],
        _run_as: Option<&str>,
        _now_ms: u64,
    ) -> http::Response<String> {
        self.calls += 1;
        if !self.fail_next.is_empty() {
            let (status, retry_after) = self.fail_next.remove(0);
            let mut r = error(status, "TooManyRequests", "Please retry again later.");
            if let Some(ra) = retry_after {
                r.headers_mut()
                    .insert("retry-after", http::HeaderValue::from_static(ra));
            }
            return r;
        }
        let uri = request.uri().to_string();
        if let Some((_, status)) = self.broken.iter().find(|(p, _)| uri.contains(p)) {
            return error(
                *status,
                "Authorization_RequestDenied",
                "Insufficient privileges to complete the operation.",
            );
        }
        let body: Value = serde_json::from_str(request.body()).unwrap_or(Value::Null);
        let path = request.uri().path().to_string();
        let query = request.uri().query().unwrap_or_default().to_string();
        self.handle(request.method().as_str(), &path, &query, body)
    }
}
