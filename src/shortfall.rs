//! What each step needs that the current token or account lacks, known before anything is sent: delegated
//! permissions the token does not carry, directory roles Graph says the account does not hold. Pure, tested
//! natively.
//!
//! The token's scopes are read from its claims, for display only: nothing is refused on their account (a
//! token's claims are Microsoft's to change). The roles come from Graph's answer about the account.

use walkthrough::Tutorial;

use crate::advice::list;
use crate::services::auth_claims::Claims;
use crate::services::live_state::{Credential, LiveState, Mode, OtherAccount, RolesCheck};

/// Where the current token came from: what can be done about what it lacks depends on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenOrigin {
    /// Signed in with MSAL.js. A step asks MSAL.js for a token with its own scopes silently when it runs;
    /// only a click (Sign in again) may open a window to consent.
    SignIn,
    /// Pasted: the same token goes with every step, and nothing can add permissions to it.
    Pasted,
}

/// What one step lacks, for its card and its line in the outline.
#[derive(Clone, Debug, PartialEq)]
pub struct Shortfall {
    pub origin: TokenOrigin,
    /// The account the step runs as (`as:`), signed in beside the reader's; `None`: the reader's own.
    pub account: Option<String>,
    /// The step's delegated permissions that the token does not grant, directly or through a broader one.
    pub scopes: Vec<String>,
    /// Of `scopes`, those a sign-in here does not ask for (the tutorial's scopes do not list them).
    pub not_asked: Vec<String>,
    /// The step's directory roles that Graph's list of the account's role assignments lacks.
    pub roles: Vec<String>,
}

/// For each step of `tutorial`, what it lacks (`None`: nothing that is known). A step that runs as another
/// account (`as:`) is judged against that account's token when it is signed in beside (`others`), on
/// permissions only (its roles are not checked), and not at all otherwise. Steps off the chosen path
/// (`on_path[i]` false) do not run, so they lack nothing. Steps that declare no permissions of their own are
/// judged on roles only.
pub fn shortfalls(
    tutorial: &Tutorial,
    on_path: &[bool],
    origin: TokenOrigin,
    claims: &Claims,
    roles: &RolesCheck,
    others: &[OtherAccount],
) -> Vec<Option<Shortfall>> {
    let asked = tutorial.signed_in_scopes();
    let missing_roles: &[(&str, &str)] = match roles {
        RolesCheck::Missing(missing) => missing,
        _ => &[],
    };
    tutorial
        .steps
        .iter()
        .enumerate()
        .map(|(i, step)| {
            if !on_path.get(i).copied().unwrap_or(true) {
                return None;
            }
            if let Some(identity) = &step.run_as {
                let other = others.iter().find(|o| &o.identity == identity)?;
                let scopes: Vec<String> = other
                    .claims
                    .missing(&step.scopes)
                    .into_iter()
                    .map(str::to_string)
                    .collect();
                return (!scopes.is_empty()).then(|| Shortfall {
                    origin: TokenOrigin::SignIn,
                    account: Some(identity.clone()),
                    scopes,
                    not_asked: Vec::new(),
                    roles: Vec::new(),
                });
            }
            let scopes: Vec<String> = claims
                .missing(&step.scopes)
                .into_iter()
                .map(str::to_string)
                .collect();
            let not_asked = scopes
                .iter()
                .filter(|s| !asked.iter().any(|a| a.eq_ignore_ascii_case(s)))
                .cloned()
                .collect();
            // Only roles the check looked at and found missing: of any other, nothing is known.
            let roles: Vec<String> = step
                .roles
                .iter()
                .filter(|r| {
                    missing_roles
                        .iter()
                        .any(|(name, _)| name.eq_ignore_ascii_case(r))
                })
                .cloned()
                .collect();
            (!scopes.is_empty() || !roles.is_empty()).then_some(Shortfall {
                origin,
                account: None,
                scopes,
                not_asked,
                roles,
            })
        })
        .collect()
}

/// The page's shortfalls: none in sandbox mode, or before a token's claims are known.
pub fn of_page(
    mode: Mode,
    live: &LiveState,
    tutorial: &Tutorial,
    on_path: &[bool],
) -> Vec<Option<Shortfall>> {
    let origin = match live.credential {
        Credential::Msal(_) => TokenOrigin::SignIn,
        Credential::Pasted => TokenOrigin::Pasted,
        Credential::None => return Vec::new(),
    };
    match (&live.claims, mode) {
        (Some(claims), Mode::Live) => {
            shortfalls(tutorial, on_path, origin, claims, &live.roles, &live.others)
        }
        _ => Vec::new(),
    }
}

fn it_them(items: &[String]) -> &'static str {
    if items.len() == 1 {
        "it"
    } else {
        "them"
    }
}

impl Shortfall {
    /// What the card says about the permissions, and what to do: true to what happens when the step runs.
    pub fn scopes_text(&self) -> Option<String> {
        if self.scopes.is_empty() {
            return None;
        }
        let names: Vec<&str> = self.scopes.iter().map(String::as_str).collect();
        let (names, it) = (list(&names), it_them(&self.scopes));
        if let Some(identity) = &self.account {
            return Some(format!(
                "The token from the {identity}'s sign-in lacks {names}. No consent is asked when this step \
                 runs: it asks MSAL.js silently for a token of that account that has {it}, which works only if \
                 consent has been granted since; otherwise the step is not sent. To consent now, sign the \
                 {identity} out and in again in the live panel."
            ));
        }
        Some(match self.origin {
            TokenOrigin::Pasted => format!(
                "This token lacks {names}, so Graph will refuse this step (403). A pasted token cannot be given \
                 more permissions: paste one that has {it} (in Graph Explorer, consent under Modify permissions, \
                 then copy a new token), or sign in instead."
            ),
            TokenOrigin::SignIn if self.not_asked.is_empty() => format!(
                "The token from your sign-in lacks {names}. No consent is asked when this step runs: it asks \
                 MSAL.js silently for a token that has {it}, which works only if consent has been granted since \
                 you signed in; otherwise the step is not sent. To consent now, choose Sign in again in the live \
                 panel (a permission that needs an administrator needs admin consent to the app registration)."
            ),
            TokenOrigin::SignIn => {
                let names_not_asked: Vec<&str> = self.not_asked.iter().map(String::as_str).collect();
                format!(
                    "The token from your sign-in lacks {names}, and signing in here does not ask for {} (the \
                     tutorial's scopes do not list {}). When this step runs it asks MSAL.js silently for a token \
                     that has {it}: unless consent to {it} has been granted to the app registration (an \
                     administrator can grant admin consent), the step is not sent.",
                    list(&names_not_asked),
                    it_them(&self.not_asked),
                )
            }
        })
    }

    /// What the card says about the directory roles, and what to do.
    pub fn roles_text(&self) -> Option<String> {
        if self.roles.is_empty() {
            return None;
        }
        let names: Vec<&str> = self.roles.iter().map(String::as_str).collect();
        let (s, it) = if self.roles.len() == 1 {
            ("", "it")
        } else {
            ("s", "them")
        };
        let then = match self.origin {
            TokenOrigin::SignIn => {
                format!("then sign in again; or sign in with an account that holds {it}")
            }
            TokenOrigin::Pasted => {
                format!("then paste a new token; or paste a token of an account that holds {it}")
            }
        };
        Some(format!(
            "Graph lists no {} role{s} (nor Global Administrator) for this account, so Graph will refuse this \
             step (403). Have {it} assigned in the Microsoft Entra admin center under Roles and administrators, \
             {then}.",
            list(&names)
        ))
    }

    /// What the outline says after the step's status, for screen readers (the mark itself is hidden).
    pub fn outline_text(&self) -> &'static str {
        if self.account.is_some() {
            return "the other account's token lacks a permission it needs";
        }
        match (self.scopes.is_empty(), self.roles.is_empty()) {
            (false, true) => "the token lacks a permission it needs",
            (true, false) => "the account lacks a directory role it needs",
            _ => "the token lacks a permission and the account a directory role it needs",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tutorial() -> Tutorial {
        walkthrough::builtin_catalog()
            .into_iter()
            .find(|t| t.id == "access-package-v1")
            .expect("built in")
            .load()
    }

    fn claims(scopes: &[&str]) -> Claims {
        Claims {
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            ..Claims::default()
        }
    }

    fn all_on_path(t: &Tutorial) -> Vec<bool> {
        vec![true; t.steps.len()]
    }

    /// The ids of the steps that lack something.
    fn lacking(t: &Tutorial, found: &[Option<Shortfall>]) -> Vec<String> {
        found
            .iter()
            .enumerate()
            .filter(|(_, f)| f.is_some())
            .map(|(i, _)| t.steps[i].id.clone())
            .collect()
    }

    /// Every permission the administrator's steps need.
    fn sufficient() -> Claims {
        claims(&[
            "User.Read",
            "User.ReadWrite.All",
            "Group.ReadWrite.All",
            "RoleManagement.ReadWrite.Directory",
            "EntitlementManagement.ReadWrite.All",
        ])
    }

    #[test]
    fn a_token_lacking_one_scope_marks_exactly_the_steps_that_need_it() {
        let t = tutorial();
        let mut token = sufficient();
        token
            .scopes
            .retain(|s| s != "EntitlementManagement.ReadWrite.All");
        let found = shortfalls(
            &t,
            &all_on_path(&t),
            TokenOrigin::Pasted,
            &token,
            &RolesCheck::Unknown,
            &[],
        );
        let expected: Vec<String> = t
            .steps
            .iter()
            .filter(|s| {
                s.run_as.is_none()
                    && s.scopes
                        .iter()
                        .any(|sc| sc.starts_with("EntitlementManagement."))
            })
            .map(|s| s.id.clone())
            .collect();
        assert!(expected.len() >= 8, "{expected:?}");
        assert_eq!(lacking(&t, &found), expected);
        let add = t.step_index("add-resource").expect("step");
        let shortfall = found[add].clone().expect("lacks");
        assert_eq!(
            shortfall.scopes,
            vec!["EntitlementManagement.ReadWrite.All"]
        );
        assert!(shortfall.roles.is_empty());
        // A read step names the least permission it needs, which the token lacks too.
        let catalog = t.step_index("catalog").expect("step");
        assert_eq!(
            found[catalog].as_ref().expect("lacks").scopes,
            vec!["EntitlementManagement.Read.All"]
        );
    }

    #[test]
    fn a_sufficient_token_marks_nothing_and_broader_scopes_count() {
        let t = tutorial();
        let found = shortfalls(
            &t,
            &all_on_path(&t),
            TokenOrigin::SignIn,
            &sufficient(),
            &RolesCheck::Missing(Vec::new()),
            &[],
        );
        assert!(found.iter().all(Option::is_none), "{found:?}");
        // Directory.ReadWrite.All stands in for the directory reads (the role lookup among them).
        let wide = claims(&[
            "User.ReadWrite.All",
            "Directory.ReadWrite.All",
            "RoleManagement.ReadWrite.Directory",
            "EntitlementManagement.ReadWrite.All",
            "Group.ReadWrite.All",
        ]);
        let found = shortfalls(
            &t,
            &all_on_path(&t),
            TokenOrigin::Pasted,
            &wide,
            &RolesCheck::Unknown,
            &[],
        );
        assert!(found.iter().all(Option::is_none), "{found:?}");
    }

    #[test]
    fn steps_of_another_account_or_off_the_path_are_not_judged_against_this_token() {
        let t = tutorial();
        let nothing = claims(&[]);
        let found = shortfalls(
            &t,
            &all_on_path(&t),
            TokenOrigin::Pasted,
            &nothing,
            &RolesCheck::Unknown,
            &[],
        );
        for (step, found) in t.steps.iter().zip(&found) {
            assert_eq!(
                found.is_none(),
                step.run_as.is_some() || step.scopes.is_empty(),
                "{}",
                step.id
            );
        }
        let mut on_path = all_on_path(&t);
        on_path[0] = false;
        let found = shortfalls(
            &t,
            &on_path,
            TokenOrigin::Pasted,
            &nothing,
            &RolesCheck::Unknown,
            &[],
        );
        assert!(found[0].is_none());
        assert!(found[1].is_some());
    }

    #[test]
    fn a_role_graph_found_missing_marks_the_steps_that_name_it_and_only_those() {
        let t = tutorial();
        let check = RolesCheck::Missing(vec![(
            "Identity Governance Administrator",
            "catalogs, access packages, policies and assignments",
        )]);
        let found = shortfalls(
            &t,
            &all_on_path(&t),
            TokenOrigin::SignIn,
            &sufficient(),
            &check,
            &[],
        );
        let expected: Vec<String> = t
            .steps
            .iter()
            .filter(|s| {
                s.roles
                    .iter()
                    .any(|r| r == "Identity Governance Administrator")
            })
            .map(|s| s.id.clone())
            .collect();
        assert!(!expected.is_empty());
        assert_eq!(lacking(&t, &found), expected);
        let package = found[t.step_index("package").expect("step")]
            .clone()
            .expect("lacks");
        assert_eq!(package.roles, vec!["Identity Governance Administrator"]);
        assert!(package.scopes.is_empty());
        assert!(package
            .roles_text()
            .expect("text")
            .contains("Graph lists no Identity Governance Administrator role"));
        // A role the check did not look at (Security Reader, for the reads) is not claimed missing, and
        // neither is anything while the check is under way or could not be made.
        for unknown in [
            RolesCheck::Unknown,
            RolesCheck::Checking,
            RolesCheck::Problem("no answer".into()),
        ] {
            let found = shortfalls(
                &t,
                &all_on_path(&t),
                TokenOrigin::SignIn,
                &sufficient(),
                &unknown,
                &[],
            );
            assert!(found.iter().all(Option::is_none));
        }
    }

    #[test]
    fn the_words_fit_where_the_token_came_from() {
        let lacks = |origin, not_asked: &[&str]| Shortfall {
            origin,
            account: None,
            scopes: vec!["EntitlementManagement.ReadWrite.All".into()],
            not_asked: not_asked.iter().map(|s| s.to_string()).collect(),
            roles: Vec::new(),
        };
        let pasted = lacks(TokenOrigin::Pasted, &[]).scopes_text().expect("text");
        assert!(pasted.starts_with("This token lacks EntitlementManagement.ReadWrite.All"));
        assert!(pasted.contains("A pasted token cannot be given more permissions"));
        let signed_in = lacks(TokenOrigin::SignIn, &[]).scopes_text().expect("text");
        // The transport asks MSAL.js without a window (interactive = false): no consent is asked then.
        assert!(signed_in.contains("No consent is asked when this step runs"));
        assert!(signed_in.contains("Sign in again"));
        assert!(!signed_in.contains("pasted"));
        let not_asked = lacks(
            TokenOrigin::SignIn,
            &["EntitlementManagement.ReadWrite.All"],
        )
        .scopes_text()
        .expect("text");
        assert!(not_asked
            .contains("signing in here does not ask for EntitlementManagement.ReadWrite.All"));
        assert!(!not_asked.contains("Sign in again"));
        let role = |origin| Shortfall {
            origin,
            account: None,
            scopes: Vec::new(),
            not_asked: Vec::new(),
            roles: vec!["User Administrator".into()],
        };
        assert!(role(TokenOrigin::Pasted)
            .roles_text()
            .expect("text")
            .contains("paste a token of an account that holds it"));
        assert!(role(TokenOrigin::SignIn)
            .roles_text()
            .expect("text")
            .contains("sign in with an account that holds it"));
        assert_eq!(role(TokenOrigin::SignIn).scopes_text(), None);
        assert_eq!(
            role(TokenOrigin::SignIn).outline_text(),
            "the account lacks a directory role it needs"
        );
    }

    #[test]
    fn a_step_of_another_account_is_judged_against_its_token_once_signed_in_beside() {
        let t = tutorial();
        let theirs: Vec<usize> = (0..t.steps.len())
            .filter(|i| t.steps[*i].run_as.as_deref() == Some("requestor"))
            .collect();
        assert!(!theirs.is_empty());
        let requestor = |scopes: &[&str]| OtherAccount {
            identity: "requestor".into(),
            upn: "requestor@contoso.example".into(),
            claims: claims(scopes),
        };
        let judge = |others: &[OtherAccount]| {
            shortfalls(
                &t,
                &all_on_path(&t),
                TokenOrigin::SignIn,
                &sufficient(),
                &RolesCheck::Missing(Vec::new()),
                others,
            )
        };
        assert!(
            judge(&[]).iter().all(Option::is_none),
            "unknown: nothing said"
        );
        let found = judge(&[requestor(&["User.Read"])]);
        for i in &theirs {
            let shortfall = found[*i].clone().expect("lacks");
            assert_eq!(shortfall.account.as_deref(), Some("requestor"));
            assert_eq!(
                shortfall.scopes,
                vec!["EntitlementMgmt-SubjectAccess.ReadWrite"]
            );
            let text = shortfall.scopes_text().expect("text");
            assert!(
                text.starts_with("The token from the requestor's sign-in lacks"),
                "{text}"
            );
        }
        let ok = judge(&[requestor(&["EntitlementMgmt-SubjectAccess.ReadWrite"])]);
        assert!(ok.iter().all(Option::is_none));
    }

    #[test]
    fn the_page_shows_none_in_the_sandbox_or_before_a_token_is_known() {
        let t = tutorial();
        let on_path = all_on_path(&t);
        let pasted = LiveState {
            credential: Credential::Pasted,
            claims: Some(claims(&[])),
            ..LiveState::default()
        };
        assert!(of_page(Mode::Sandbox, &pasted, &t, &on_path).is_empty());
        assert!(of_page(Mode::Live, &pasted, &t, &on_path)
            .iter()
            .any(Option::is_some));
        let signed_in_without_a_token = LiveState {
            credential: Credential::Msal(Default::default()),
            claims: None,
            ..LiveState::default()
        };
        assert!(of_page(Mode::Live, &signed_in_without_a_token, &t, &on_path).is_empty());
        assert!(of_page(Mode::Live, &LiveState::default(), &t, &on_path).is_empty());
    }
}
