//! What a step's error means and what to do about it, in plain words: one place for every card's advice.

use walkthrough::{SendFailure, StepError};

use crate::services::auth_claims::covers;

/// What the advice depends on besides the error: where requests go, and what the token grants.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Situation {
    /// Requests go to the tenant in this page, not to Graph.
    pub in_sandbox: bool,
    /// The delegated permissions the current token carries (read from its claims, for display only).
    pub granted: Option<Vec<String>>,
    /// The reader signed in with MSAL.js, so another account can sign in beside them (a pasted token
    /// cannot).
    pub second_sign_in: bool,
}

/// A short heading for the error box.
pub fn title(error: &StepError) -> &'static str {
    match error {
        StepError::Graph { .. } => "Graph returned an error",
        StepError::Expectation { .. } => "The response was not what this step expects",
        StepError::Template { .. } => "A value this request needs is missing",
        StepError::HeaderLineBreak { .. } => "A header value would contain a line break",
        StepError::InvalidJson { .. } => "The request body is not valid JSON",
        StepError::InvalidRequest { .. } => "The request could not be built",
        StepError::Capture { .. } => "A value could not be taken from the response",
        StepError::InvalidValue { .. } => "That value cannot be used here",
        StepError::PollFailed { .. } => "The request ended in a failure state",
        StepError::PollTimeout { .. } => "Gave up waiting",
        StepError::RetriesExhausted { .. } => "Gave up retrying",
        StepError::Network { .. } => "No response",
        StepError::NotSent { failure } => match failure {
            SendFailure::Network { .. } => "No response",
            SendFailure::NeedsSignIn { .. } => "Not sent: sign in first",
            SendFailure::NeedsConsent { .. } => "Not sent: consent needed",
            SendFailure::SandboxUnavailable { .. } => "Not sent: the sandbox tenant is unavailable",
            SendFailure::NotInSandbox { .. } => "Not sent: the sandbox cannot answer this request",
            SendFailure::HostNotAllowed { .. } => "Not sent: the address is not Microsoft Graph",
            SendFailure::NeedsAccount { .. } => "Not sent: this step runs as another account",
        },
        StepError::Interrupted { .. } => "Interrupted by a reload",
        StepError::Stopped => "Stopped",
    }
}

/// What the transport said about a request it could not send, without the heading `title` already gives.
pub fn failure_detail(failure: &SendFailure) -> String {
    match failure {
        // The request left the page; whether it reached the server is unknown.
        SendFailure::Network { message } => message.clone(),
        SendFailure::NeedsSignIn { message }
        | SendFailure::NeedsConsent { message, .. }
        | SendFailure::SandboxUnavailable { message } => {
            format!("{}. Nothing was sent.", sentence(message))
        }
        SendFailure::HostNotAllowed { url, .. } => format!("Nothing was sent to {url}."),
        SendFailure::NotInSandbox { method, path } => format!(
            "The sandbox tenant emulates users, groups, directory roles and entitlement management; it does \
             not answer {method} {path}, and makes up no answer for it. Nothing was sent."
        ),
        SendFailure::NeedsAccount { identity, upn } => {
            format!(
                "This step runs as the {identity}, {upn}, who has not signed in. Nothing was sent."
            )
        }
    }
}

/// A message as the start of a sentence, without its closing full stop.
fn sentence(message: &str) -> String {
    let trimmed = message.trim().trim_end_matches('.');
    let mut chars = trimmed.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A scope list for a message: `A, B and C`.
pub fn list(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// The roles the 403 advice names when a step does not say which it needs.
const ROLES_BY_TASK: &str =
    "User Administrator to create or delete users, Privileged Role Administrator to \
     assign a directory role, Identity Governance Administrator for entitlement management";

/// What to do after a 403: grant the permissions the token lacks, or else give the account a role.
fn forbidden(step_scopes: &[String], step_roles: &[String], granted: Option<&[String]>) -> String {
    let missing: Vec<&str> = match granted {
        Some(granted) => step_scopes
            .iter()
            .filter(|scope| !covers(granted, scope))
            .map(String::as_str)
            .collect(),
        None => Vec::new(),
    };
    if !missing.is_empty() {
        let (s, them) = if missing.len() == 1 {
            ("", "it")
        } else {
            ("s", "them")
        };
        return format!(
            "The token lacks the permission{s} {}. Add {them} to the app registration (API permissions, delegated), \
             grant admin consent in Microsoft Entra, then sign in again, or paste a token that has {them}.",
            list(&missing)
        );
    }
    let known = if granted.is_some() {
        "The token has this step's permissions, so the signed-in account lacks a directory role"
    } else {
        "The token lacks a permission listed on this card, or the signed-in account lacks a directory role"
    };
    let roles: Vec<&str> = step_roles.iter().map(String::as_str).collect();
    let which = if roles.is_empty() {
        format!("{ROLES_BY_TASK} (Global Administrator covers all three)")
    } else {
        format!("{} (or Global Administrator)", list(&roles))
    };
    format!(
        "{known} this request needs: {which}. Ask an administrator for it, sign in again and run the step again."
    )
}

/// What to do next for a step that runs as another account, `identity` (when it does): a refused or
/// missing token and a consent are that account's to fix, not the reader's.
pub fn hint_as(
    identity: Option<&str>,
    error: &StepError,
    step_scopes: &[String],
    step_roles: &[String],
    situation: &Situation,
) -> String {
    let Some(identity) = identity.filter(|_| !situation.in_sandbox) else {
        return hint(error, step_scopes, step_roles, situation);
    };
    match error {
        StepError::Graph { status: 401, .. } => format!(
            "Graph refused the {identity}'s access token (expired or revoked): use Sign in again as the {identity} under Other accounts in the live panel, then run the step again."
        ),
        StepError::NotSent {
            failure: SendFailure::NeedsConsent { scopes, .. },
        } => {
            let scopes: Vec<&str> = scopes.iter().map(String::as_str).collect();
            format!(
                "Sign the {identity} in again (Sign in again as the {identity}, under Other accounts) and accept the permissions ({}) as them, or have an administrator grant admin consent to the app registration, then run the step again.",
                list(&scopes)
            )
        }
        _ => hint(error, step_scopes, step_roles, situation),
    }
}

/// What to do next. `step_scopes` and `step_roles`: the permissions and directory roles the card lists.
pub fn hint(
    error: &StepError,
    step_scopes: &[String],
    step_roles: &[String],
    situation: &Situation,
) -> String {
    let in_sandbox = situation.in_sandbox;
    let second_sign_in = situation.second_sign_in;
    match error {
        StepError::Graph { status: 401, .. } => "The access token is missing or expired: sign in again, or paste a fresh token, then run the step again.".into(),
        StepError::Graph { status: 403, .. } => forbidden(step_scopes, step_roles, situation.granted.as_deref()),
        StepError::Graph { status: 404, .. } => "Graph does not know that object. If an earlier step just created it, wait a few seconds and run this step again; otherwise re-run the step that provides its id.".into(),
        StepError::Graph { status: 400, .. } => "Graph refused the request as written. Check the body and the values filled in above, edit the request if needed, and run it again.".into(),
        StepError::Graph { status: 409, .. } => "It conflicts with something that already exists. Clean up, or change the name, and run it again.".into(),
        StepError::Graph { status, .. } if *status >= 500 => "Graph had a problem on its side. Run the step again in a moment.".into(),
        StepError::Graph { .. } => "Check the request and run it again.".into(),
        StepError::Expectation { .. } => "Read the response below to see what came back; the tenant may not be in the state this tutorial assumes.".into(),
        StepError::Template { .. } => "Run the step that provides the value, or set it by hand in the variables panel.".into(),
        StepError::HeaderLineBreak { .. } => "Remove the line break from the value in the variables panel.".into(),
        StepError::InvalidJson { .. } => "Fix the body at that line and column, then run the step again.".into(),
        StepError::InvalidRequest { .. } => "Check the method and the address in the request editor.".into(),
        StepError::Capture { .. } => "Read the response below: the field this step takes its value from was not there.".into(),
        StepError::InvalidValue { .. } => "Type the id as a response shows it (a GUID of the right kind), or cancel to keep the value it had.".into(),
        StepError::PollFailed { .. } => "The request reached a final failure state. Read the response for why, fix the cause, and run the step that made the request again.".into(),
        StepError::PollTimeout { .. } => "It is taking longer than usual. Run the step again to keep waiting.".into(),
        StepError::RetriesExhausted { .. } => "Graph kept asking to slow down, or kept failing. Wait a minute and run the step again.".into(),
        StepError::Network { .. } | StepError::NotSent { failure: SendFailure::Network { .. } } => {
            "Check your connection and the Graph base URL; a server that does not allow this page's origin (CORS) also looks like this.".into()
        }
        StepError::NotSent { failure } => match failure {
            SendFailure::NeedsSignIn { .. } => "Sign in, or paste an access token, in the live panel, then run the step again.".into(),
            SendFailure::NeedsConsent { scopes, .. } => {
                let scopes: Vec<&str> = scopes.iter().map(String::as_str).collect();
                format!(
                    "Sign in again and accept the permissions ({}), or have an administrator grant admin consent to the app registration, then run the step again.",
                    list(&scopes)
                )
            }
            SendFailure::SandboxUnavailable { .. } => "To try again, reload the page (the run and the tenant are kept).".into(),
            SendFailure::NotInSandbox { .. } => "Run this step in live mode against your own tenant, or skip it: later steps that need its values will wait for them.".into(),
            SendFailure::HostNotAllowed { .. } if in_sandbox => "The sandbox in this page answers Microsoft Graph only (https://graph.microsoft.com). Edit the address back, or use live mode for another server.".into(),
            SendFailure::HostNotAllowed { allowed, .. } => format!(
                "The token is sent only to the Graph base URL ({allowed}). Edit the address to start with it, or change the Graph base URL in the live panel."
            ),
            SendFailure::NeedsAccount { identity, .. } if in_sandbox => format!(
                "The sandbox signs the {identity} in by itself once the step that creates them has run: run that step first."
            ),
            SendFailure::NeedsAccount { identity, .. } if second_sign_in => format!(
                "Sign the {identity} in beside you with Sign in as the {identity}, under Other accounts in the live panel, then run the step again."
            ),
            SendFailure::NeedsAccount { identity, .. } => format!(
                "A pasted token is one account's, so the {identity} cannot sign in beside it. Sign in with the Sign in button in the live panel, or take the path where you make every request yourself (the link under Other accounts)."
            ),
            SendFailure::Network { .. } => unreachable!("matched above"),
        },
        StepError::Interrupted { .. } => "The page was reloaded while this request was on its way. Run the step again; if it creates something, check the cleanup panel first.".into(),
        StepError::Stopped => "Run the step again when you are ready.".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forbidden_error() -> StepError {
        StepError::Graph {
            status: 403,
            code: "Authorization_RequestDenied".into(),
            message: "Insufficient privileges to complete the operation.".into(),
            request_id: None,
        }
    }

    #[test]
    fn a_step_run_as_another_account_says_how_that_account_signs_in() {
        let error = StepError::NotSent {
            failure: SendFailure::NeedsAccount {
                identity: "requestor".into(),
                upn: "r@contoso.example".into(),
            },
        };
        let msal = Situation {
            second_sign_in: true,
            ..Situation::default()
        };
        let text = hint(&error, &[], &[], &msal);
        assert!(text.contains("Sign in as the requestor"), "{text}");
        let pasted = Situation::default();
        let text = hint(&error, &[], &[], &pasted);
        assert!(text.contains("pasted token is one account's"), "{text}");
        assert!(failure_detail(&SendFailure::NeedsAccount {
            identity: "requestor".into(),
            upn: "r@contoso.example".into(),
        })
        .contains("r@contoso.example"));
    }

    #[test]
    fn a_refused_token_or_consent_of_another_account_is_theirs_to_fix() {
        let live = Situation {
            second_sign_in: true,
            ..Situation::default()
        };
        let refused = StepError::Graph {
            status: 401,
            code: "InvalidAuthenticationToken".into(),
            message: "Access token has expired or is not yet valid.".into(),
            request_id: None,
        };
        let theirs = hint_as(Some("requestor"), &refused, &[], &[], &live);
        assert!(
            theirs.contains("Sign in again as the requestor"),
            "{theirs}"
        );
        assert!(!hint_as(None, &refused, &[], &[], &live).contains("requestor"));
        let consent = StepError::NotSent {
            failure: SendFailure::NeedsConsent {
                message: "consent".into(),
                scopes: vec!["EntitlementMgmt-SubjectAccess.ReadWrite".into()],
            },
        };
        let theirs = hint_as(Some("requestor"), &consent, &[], &[], &live);
        assert!(
            theirs.contains(
                "accept the permissions (EntitlementMgmt-SubjectAccess.ReadWrite) as them"
            ),
            "{theirs}"
        );
    }

    #[test]
    fn a_403_names_the_missing_permission_or_else_the_roles() {
        let scopes = vec![
            "User.ReadWrite.All".to_string(),
            "EntitlementManagement.ReadWrite.All".into(),
        ];
        let lacking = Situation {
            in_sandbox: false,
            granted: Some(vec!["User.ReadWrite.All".into()]),
            ..Situation::default()
        };
        let text = hint(&forbidden_error(), &scopes, &[], &lacking);
        assert!(
            text.contains("lacks the permission EntitlementManagement.ReadWrite.All"),
            "{text}"
        );
        let holding = Situation {
            in_sandbox: false,
            granted: Some(scopes.clone()),
            ..Situation::default()
        };
        let text = hint(&forbidden_error(), &scopes, &[], &holding);
        assert!(text.contains("has this step's permissions"), "{text}");
        assert!(
            text.contains("User Administrator to create or delete users"),
            "{text}"
        );
        // A step that names its role gets that role, not the list.
        let roles = vec!["User Administrator".to_string()];
        let text = hint(&forbidden_error(), &scopes, &roles, &holding);
        assert!(
            text.contains("needs: User Administrator (or Global Administrator)"),
            "{text}"
        );
    }

    #[test]
    fn a_request_that_was_not_sent_says_what_to_do_instead_of_blaming_the_network() {
        let situation = Situation::default();
        let sign_in = StepError::NotSent {
            failure: SendFailure::NeedsSignIn {
                message: "nobody is signed in".into(),
            },
        };
        assert!(hint(&sign_in, &[], &[], &situation).contains("Sign in"));
        assert!(!hint(&sign_in, &[], &[], &situation).contains("CORS"));
        let host = StepError::NotSent {
            failure: SendFailure::HostNotAllowed {
                url: "https://example.com/v1.0/me".into(),
                allowed: "https://graph.microsoft.com".into(),
            },
        };
        let text = hint(&host, &[], &[], &situation);
        assert!(
            text.contains("Graph base URL (https://graph.microsoft.com)"),
            "{text}"
        );
        assert!(!text.contains("CORS"), "{text}");
        assert_eq!(title(&host), "Not sent: the address is not Microsoft Graph");
    }

    #[test]
    fn lists_read_as_prose() {
        assert_eq!(list(&["A", "B", "C"]), "A, B and C");
        assert_eq!(list(&["A"]), "A");
    }
}
