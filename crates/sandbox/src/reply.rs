//! What handlers answer: a success body or a Graph-shaped error.

use serde_json::Value;

/// A successful answer before headers are added.
#[derive(Debug)]
pub(crate) enum Reply {
    /// 200 or 201 with a JSON body.
    Json(u16, Value),
    /// 201 with a JSON body and the created entity's address for `Location`.
    Created(Value, String),
    /// 204 with no body.
    NoContent,
}

/// Where a created entity lives, from its `@odata.context` and `id`: the directory answers with its
/// own `v2` address for users and groups; other services with the OData entity URL.
pub(crate) fn location(body: &Value, origin: &str, tenant_id: &str) -> Option<String> {
    let context = body.get("@odata.context")?.as_str()?;
    let id = body.get("id")?.as_str()?;
    let (head, fragment) = context.split_once("/$metadata#")?;
    let version = head.rsplit('/').next()?;
    let path = fragment.strip_suffix("/$entity")?;
    Some(match path {
        "users" => format!(
            "{origin}/v2/{tenant_id}/directoryObjects/{id}/Microsoft.DirectoryServices.User"
        ),
        "groups" => format!(
            "{origin}/v2/{tenant_id}/directoryObjects/{id}/Microsoft.DirectoryServices.Group"
        ),
        _ => format!("{origin}/{version}/{path}('{id}')"),
    })
}

/// A v1.0-named set asked for on beta: its `@odata.context` names beta, the version asked for.
pub(crate) fn beta_context(body: &mut Value) {
    if let Some(Value::String(c)) = body.get_mut("@odata.context") {
        *c = c.replacen("/v1.0/$metadata#", "/beta/$metadata#", 1);
    }
}

impl Reply {
    pub(crate) fn ok(body: Value) -> Self {
        Reply::Json(200, body)
    }
    pub(crate) fn created(body: Value) -> Self {
        Reply::Json(201, body)
    }
}

/// An error as Graph reports it: `{"error":{"code","message",...}}`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct GraphError {
    pub status: u16,
    pub code: String,
    pub message: String,
    pub details: Option<Box<Value>>,
    /// Set for 429 and 503 so the `Retry-After` header is sent.
    pub retry_after: Option<u64>,
    /// Set on 405 to fill the `Allow` header.
    pub allow: Option<&'static str>,
    /// True when the 404 comes from injected replication lag (counted in stats).
    pub lagged: bool,
}

pub(crate) type Outcome = Result<Reply, GraphError>;

const INSUFFICIENT_PRIVILEGES: &str = "Insufficient privileges to complete the operation.";

impl GraphError {
    pub(crate) fn new(status: u16, code: &str, message: impl Into<String>) -> Self {
        GraphError {
            status,
            code: code.to_string(),
            message: message.into(),
            details: None,
            retry_after: None,
            allow: None,
            lagged: false,
        }
    }

    /// Unknown id: the directory's wording, which Graph uses for most objects.
    pub(crate) fn not_found(id: &str) -> Self {
        Self::new(
            404,
            "Request_ResourceNotFound",
            format!("Resource '{id}' does not exist or one of its queried reference-property objects are not present."),
        )
    }

    /// Generic invalid input (OData and entitlement management use this code).
    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, "BadRequest", message)
    }

    /// Invalid input to a directory (Microsoft Entra ID) endpoint.
    pub(crate) fn directory_bad_request(message: impl Into<String>) -> Self {
        Self::new(400, "Request_BadRequest", message)
    }

    pub(crate) fn required(property: &str, resource: &str) -> Self {
        Self::directory_bad_request(format!(
            "A value is required for property '{property}' of resource '{resource}'."
        ))
    }

    pub(crate) fn invalid_json() -> Self {
        Self::bad_request(
            "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.",
        )
    }

    pub(crate) fn forbidden(message: impl Into<String>) -> Self {
        Self::new(403, "Authorization_RequestDenied", message)
    }

    /// The directory's answer when the token lacks the permission or the signed-in user the role.
    pub(crate) fn insufficient_privileges() -> Self {
        Self::forbidden(INSUFFICIENT_PRIVILEGES)
    }

    /// Entitlement management's answer for a tenant without a Microsoft Entra ID P2 or
    /// Governance licence.
    pub(crate) fn no_governance_licence() -> Self {
        Self::new(
            403,
            "NoLicense",
            "User is not authorized to perform the operation. Reason: Tenant does not meet license requirement!",
        )
    }

    pub(crate) fn method_not_allowed(allow: &'static str) -> Self {
        let mut e = Self::new(
            405,
            "Request_BadRequest",
            "Specified HTTP method is not allowed for the request uri.",
        );
        e.allow = Some(allow);
        e
    }

    pub(crate) fn segment(seg: &str) -> Self {
        Self::bad_request(format!("Resource not found for the segment '{seg}'."))
    }

    /// Entitlement management answers an unknown object, and a caller it does not authorize, with
    /// its own codes and messages.
    pub(crate) fn in_entitlement(self) -> Self {
        if self.status == 403 && self.message == INSUFFICIENT_PRIVILEGES {
            return GraphError {
                code: "UnAuthorized".into(),
                message: "User is not authorized to perform the operation. Reason: The caller is not authorized.".into(),
                ..self
            };
        }
        if self.status == 404 && self.code == "Request_ResourceNotFound" {
            GraphError {
                code: "ResourceNotFound".into(),
                message: "The resource was not found.".into(),
                ..self
            }
        } else {
            self
        }
    }

    /// A path Graph's metadata knows but the entitlement-management service does not serve.
    pub(crate) fn no_http_resource(url: &str) -> Self {
        Self::new(
            404,
            "ResourceNotFound",
            format!("No HTTP resource was found that matches the request URI '{url}'."),
        )
    }

    pub(crate) fn with_details(mut self, details: Value) -> Self {
        self.details = Some(Box::new(details));
        self
    }

    pub(crate) fn lagged(mut self) -> Self {
        self.lagged = true;
        self
    }
}
