//! A request the page sends signed in as another user the tutorial created (an access package's requestor
//! asking for it) runs as that user on one path, and as the administrator's direct assignment on the other.

use super::Work;

const INPUT: &str = "request_path";

pub(crate) fn self_service(work: &mut Work) {
    let mut j = 0;
    while j < work.steps.len() {
        let step = &work.steps[j];
        let is_request = step.doc.method == "POST"
            && step
                .path()
                .to_ascii_lowercase()
                .ends_with("assignmentrequests")
            && step.removal_of.is_none();
        let body = step.body.clone().unwrap_or_default();
        let user_add = [
            "\"requestType\": \"UserAdd\"",
            "\"requestType\": \"userAdd\"",
        ]
        .into_iter()
        .find(|t| body.contains(t));
        // The requestor is a user the tutorial created: its id is a capture of a `POST /users` step.
        let target = body
            .split("\"targetId\": \"{{")
            .nth(1)
            .and_then(|rest| rest.split("}}").next())
            .map(str::to_string);
        let creator = target
            .as_deref()
            .and_then(|t| work.capturer(t))
            .filter(|&c| {
                work.steps[c].doc.method == "POST"
                    && work.steps[c].path().eq_ignore_ascii_case("/users")
            });
        let (Some(user_add), Some(target), Some(creator), true) =
            (user_add, target, creator, is_request)
        else {
            j += 1;
            continue;
        };
        if work.identity.is_some() {
            j += 1;
            continue;
        }
        let upn = format!("{}_upn", target.trim_end_matches("_id"));
        if !work.steps[creator].captures.iter().any(|c| c.name == upn) {
            work.steps[creator].captures.push(super::CaptureDef {
                name: upn.clone(),
                jsonpath: "$.userPrincipalName".into(),
                note: "the account's sign-in name, so later steps can run as it".into(),
            });
        }
        work.identity = Some(("requestor".into(), format!("{{{{{upn}}}}}")));
        work.choice = Some((
            INPUT.into(),
            "How the requestor gets the package".into(),
            vec![
                (
                    "requestor".into(),
                    "The requestor asks for it, as on the page".into(),
                ),
                (
                    "admin".into(),
                    "An administrator assigns it (live mode runs this one)".into(),
                ),
            ],
        ));
        let admin_add = if user_add.contains("UserAdd") {
            "\"requestType\": \"AdminAdd\""
        } else {
            "\"requestType\": \"adminAdd\""
        };
        let mut admin = work.steps[j].clone();
        admin.id = format!("{}-admin", work.steps[j].id);
        admin.doc.title = format!("{} (an administrator assigns it)", work.steps[j].doc.title);
        admin.body = Some(body.replace(user_add, admin_add));
        admin.when = Some(format!("input.{INPUT} == admin"));
        admin.notes.push(
            "On the administrator's path the package is assigned directly (AdminAdd), which live mode can send."
                .into(),
        );
        let own = &mut work.steps[j];
        own.run_as = Some("requestor".into());
        own.when = Some(format!("input.{INPUT} == requestor"));
        own.scope = Some("EntitlementMgmt-SubjectAccess.ReadWrite");
        own.notes.push(
            "The page sends this request signed in as the requestor: here it runs as that account. Live mode \
             signs in one account and does not send it; choose the administrator's path to run it there."
                .into(),
        );
        work.steps.insert(j + 1, admin);
        work.notes.push(format!(
            "The requestor's own request (step \"{}\") runs as the account the tutorial created; an input \
             chooses it or an administrator's direct assignment.",
            work.steps[j].id
        ));
        j += 2;
    }
}
