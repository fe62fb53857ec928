//! What the importer calls things: variables after the object they identify, and each request's permission.

use super::values::{singular, snake};

/// `accessPackageCatalog` → `catalog`, `unifiedRoleDefinition` → `role_definition`, `user` → `user`.
pub(crate) fn short_type(t: &str) -> String {
    let t = t.rsplit('.').next().unwrap_or(t);
    let mut s = t;
    for prefix in ["accessPackage", "unified"] {
        if let Some(rest) = s.strip_prefix(prefix) {
            if rest.starts_with(|c: char| c.is_ascii_uppercase()) {
                s = rest;
            }
        }
    }
    snake(s)
}

/// The entity named by `@odata.context` (`...$metadata#users/$entity` → `user`).
pub(crate) fn context_type(context: &str) -> Option<String> {
    let after = context.split_once("$metadata#")?.1;
    let mut segs: Vec<&str> = after
        .split('/')
        .map(|s| s.split('(').next().unwrap_or(s))
        .filter(|s| !s.is_empty() && !s.starts_with('$'))
        .collect();
    let last = segs.pop()?;
    Some(singular(last))
}

/// A step id from a heading: lower-case words joined by `-`.
pub(crate) fn slug(title: &str) -> String {
    let title = strip_step_number(title);
    let mut out = String::new();
    for c in title.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-');
    // Long headings make long ids; the first few words say enough.
    let mut words: Vec<&str> = out.split('-').take(6).collect();
    while words.len() > 1
        && matches!(
            words.last(),
            Some(&("the" | "a" | "an" | "to" | "of" | "for" | "and" | "in" | "s"))
        )
    {
        words.pop();
    }
    let joined = words.join("-");
    if joined.is_empty() {
        "step".to_string()
    } else {
        joined
    }
}

/// `Step 3: Ask for it` → `Ask for it`.
pub(crate) fn strip_step_number(title: &str) -> &str {
    let t = title.trim();
    let lower = t.to_ascii_lowercase();
    if let Some(rest) = lower.strip_prefix("step ") {
        let digits = rest.chars().take_while(char::is_ascii_digit).count();
        if digits > 0 {
            let after = &t[5 + digits..];
            let after = after.trim_start_matches([':', '.', ' ', '-']);
            if !after.is_empty() {
                return after;
            }
        }
    }
    t
}

/// A name's first two telling words as a variable prefix: `Marketing resources` → `marketing_resources`,
/// `Policy for risky sign-in` for a policy → `risky_sign` (words the variable already says are left out).
pub(crate) fn name_prefix(name: &str, base: &str) -> String {
    const STOP: [&str; 10] = [
        "a", "an", "the", "for", "of", "to", "and", "in", "on", "with",
    ];
    let words: Vec<String> = name
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .filter(|w| !STOP.contains(&w.as_str()) && !base.split('_').any(|b| b == w))
        .take(2)
        .collect();
    words.join("_")
}

/// Ids that are the same in every tenant: built-in role templates, first-party apps, the empty id.
pub(crate) fn is_constant_id(key: &str, value: &str) -> bool {
    const KNOWN: [&str; 18] = [
        "00000000-0000-0000-0000-000000000000",
        "62e90394-69f5-4237-9190-012177145e10", // Global Administrator
        "fe930be7-5e62-47db-91af-98c3a49a38b1", // User Administrator
        "45d8d3c5-c802-45c6-b32a-1d70b5e1e86e", // Identity Governance Administrator
        "e8611ab8-c189-46e8-94e1-60213ab1f814", // Privileged Role Administrator
        "fdd7a751-b60b-444a-984c-02652fe8fa1c", // Groups Administrator
        "88d8e3e3-8f55-4a1e-953a-9b9898b8876b", // Directory Readers
        "5d6b6bb7-de71-4623-b4af-96380a352509", // Security Reader
        "194ae4cb-b126-40b2-bd5b-6091b380977d", // Security Administrator
        "f2ef992c-3afb-46b9-b7cf-a126ee74c451", // Global Reader
        "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3", // Application Administrator
        "158c047a-c907-4556-b7ef-446551a6b5f7", // Cloud Application Administrator
        "729827e3-9c14-49f7-bb1b-9608f156bbb8", // Helpdesk Administrator
        "c4e39bd9-1100-46d3-8c65-fb160da0071f", // Authentication Administrator
        "7be44c8a-adaf-4e2a-84d6-ab2649e08a13", // Privileged Authentication Administrator
        "29232cdf-9323-42fd-ade2-1d097af3e4de", // Exchange Administrator
        "00000003-0000-0000-c000-000000000000", // Microsoft Graph
        "b79fbf4d-3ef9-4689-8143-76b194e85509", // Directory role "All users"
    ];
    let key = key.to_ascii_lowercase().replace('_', "");
    KNOWN.contains(&value.to_ascii_lowercase().as_str())
        || key.ends_with("definitionid")
        || key.ends_with("templateid")
        || key == "appid"
        || key == "resourceappid"
        || key == "taskdefinitionid"
}

/// The least-privileged delegated permission for a request, by its path (without version or query).
pub(crate) fn scope_for(method: &str, path: &str) -> &'static str {
    let p = path.to_ascii_lowercase();
    let write = method != "GET";
    let pick = |read: &'static str, rw: &'static str| if write { rw } else { read };
    let seg: Vec<&str> = p.trim_matches('/').split('/').collect();
    // `servicePrincipals(appId='...')` addresses the collection's item by a key.
    let first = seg.first().copied().unwrap_or("");
    let first = first.split('(').next().unwrap_or(first);
    if p.contains("/members") && (p.contains("/groups/") || first == "groups") {
        return pick("GroupMember.Read.All", "GroupMember.ReadWrite.All");
    }
    if p.contains("/owners") && first == "groups" {
        return pick("Group.Read.All", "Group.ReadWrite.All");
    }
    if p.contains("/mailfolders") || p.contains("/messages") {
        return pick("Mail.Read", "Mail.ReadWrite");
    }
    if p.ends_with("/sendmail") {
        return "Mail.Send";
    }
    if p.contains("/mailboxsettings") {
        return pick("MailboxSettings.Read", "MailboxSettings.ReadWrite");
    }
    if p.contains("/events") || p.contains("/calendar") {
        return pick("Calendars.Read", "Calendars.ReadWrite");
    }
    if p.contains("/contacts") {
        return pick("Contacts.Read", "Contacts.ReadWrite");
    }
    if p.contains("/todo/") {
        return pick("Tasks.Read", "Tasks.ReadWrite");
    }
    if p.contains("/drive") {
        return pick("Files.Read", "Files.ReadWrite");
    }
    if p.contains("/onenote") {
        return pick("Notes.Read", "Notes.ReadWrite");
    }
    if p.contains("identitygovernance/entitlementmanagement") {
        return pick(
            "EntitlementManagement.Read.All",
            "EntitlementManagement.ReadWrite.All",
        );
    }
    if p.contains("identitygovernance/accessreviews") {
        return pick("AccessReview.Read.All", "AccessReview.ReadWrite.All");
    }
    if p.contains("identitygovernance/lifecycleworkflows") {
        return pick(
            "LifecycleWorkflows.Read.All",
            "LifecycleWorkflows.ReadWrite.All",
        );
    }
    if p.contains("privilegedaccess/group/assignmentschedule") {
        return pick(
            "PrivilegedAssignmentSchedule.Read.AzureADGroup",
            "PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup",
        );
    }
    if p.contains("privilegedaccess/group/eligibilityschedule") {
        return pick(
            "PrivilegedEligibilitySchedule.Read.AzureADGroup",
            "PrivilegedEligibilitySchedule.ReadWrite.AzureADGroup",
        );
    }
    if p.contains("rolemanagement/directory/roleassignmentschedule") {
        return pick(
            "RoleAssignmentSchedule.Read.Directory",
            "RoleAssignmentSchedule.ReadWrite.Directory",
        );
    }
    if p.contains("rolemanagement/directory/roleeligibilityschedule") {
        return pick(
            "RoleEligibilitySchedule.Read.Directory",
            "RoleEligibilitySchedule.ReadWrite.Directory",
        );
    }
    if p.contains("rolemanagement/") || first == "directoryroles" {
        return pick(
            "RoleManagement.Read.Directory",
            "RoleManagement.ReadWrite.Directory",
        );
    }
    if p.contains("policies/rolemanagementpolicies")
        || p.contains("policies/rolemanagementpolicyassignments")
    {
        return pick(
            "RoleManagementPolicy.Read.Directory",
            "RoleManagementPolicy.ReadWrite.Directory",
        );
    }
    if p.contains("conditionalaccess") {
        return pick("Policy.Read.All", "Policy.ReadWrite.ConditionalAccess");
    }
    if p.contains("identityprotection") || p.contains("riskyusers") || p.contains("riskdetections")
    {
        return pick(
            "IdentityRiskyUser.Read.All",
            "IdentityRiskyUser.ReadWrite.All",
        );
    }
    match first {
        "organization" | "me" if !write => "User.Read",
        "me" => "User.ReadWrite",
        "users" => pick("User.Read.All", "User.ReadWrite.All"),
        "groups" if method == "POST" && seg.len() == 1 => "Group.ReadWrite.All",
        "groups" => pick("Group.Read.All", "Group.ReadWrite.All"),
        "teams" => pick("Team.ReadBasic.All", "TeamSettings.ReadWrite.All"),
        "applications" | "serviceprincipals" => {
            pick("Application.Read.All", "Application.ReadWrite.All")
        }
        "domains" => pick("Domain.Read.All", "Domain.ReadWrite.All"),
        "sites" => pick("Sites.Read.All", "Sites.ReadWrite.All"),
        "policies" => pick("Policy.Read.All", "Policy.ReadWrite.AuthenticationMethod"),
        "auditlogs" => "AuditLog.Read.All",
        "security" => pick("SecurityEvents.Read.All", "SecurityEvents.ReadWrite.All"),
        _ => pick("Directory.Read.All", "Directory.ReadWrite.All"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_say_what_a_thing_is() {
        assert_eq!(
            short_type("microsoft.graph.accessPackageCatalog"),
            "catalog"
        );
        assert_eq!(short_type("accessPackage"), "access_package");
        assert_eq!(short_type("unifiedRoleDefinition"), "role_definition");
        assert_eq!(
            context_type("https://graph.microsoft.com/v1.0/$metadata#users/$entity").as_deref(),
            Some("user")
        );
        assert_eq!(
            slug("Step 1: Create a user account"),
            "create-a-user-account"
        );
        assert_eq!(
            slug("Add the Member role to the package"),
            "add-the-member-role"
        );
        assert_eq!(
            name_prefix("Marketing resources", "group_id"),
            "marketing_resources"
        );
        assert_eq!(
            name_prefix("Policy for risky sign-in", "policy_id"),
            "risky_sign"
        );
    }

    #[test]
    fn permissions_follow_the_path() {
        assert_eq!(scope_for("POST", "/users"), "User.ReadWrite.All");
        assert_eq!(
            scope_for("GET", "/groups/x/members"),
            "GroupMember.Read.All"
        );
        assert_eq!(
            scope_for(
                "GET",
                "/identityGovernance/entitlementManagement/accessPackageCatalogs"
            ),
            "EntitlementManagement.Read.All"
        );
        assert_eq!(scope_for("GET", "/organization"), "User.Read");
    }
}
