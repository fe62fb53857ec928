//! The Microsoft Entra directory roles the tutorials need, and which of them an account lacks, from its
//! role assignments as Graph lists them (never from a token's claims). Pure, tested natively.

use serde_json::Value;

/// Global Administrator holds every other role's rights.
pub const GLOBAL_ADMINISTRATOR: &str = "62e90394-69f5-4237-9190-012177145e10";

/// The least-privileged roles for the tutorials, by template id (Microsoft Entra built-in roles), and
/// what each one is for.
pub const NEEDED: &[(&str, &str, &str)] = &[
    (
        "fe930be7-5e62-47db-91af-98c3a49a38b1",
        "User Administrator",
        "create and delete the test users",
    ),
    (
        "45d8d3c5-c802-45c6-b32a-1d70b5e1e86e",
        "Identity Governance Administrator",
        "catalogs, access packages, policies and assignments",
    ),
    (
        "e8611ab8-c189-46e8-94e1-60213ab1f814",
        "Privileged Role Administrator",
        "give the test administrator a directory role",
    ),
];

/// The role definition ids of `GET roleManagement/directory/roleAssignments?$filter=principalId eq '…'`.
pub fn assigned(body: &str) -> Result<Vec<String>, String> {
    let v: Value =
        serde_json::from_str(body).map_err(|e| format!("the answer is not JSON ({e})"))?;
    let list = v
        .get("value")
        .and_then(Value::as_array)
        .ok_or("the answer has no \"value\" list")?;
    Ok(list
        .iter()
        .filter_map(|a| a.get("roleDefinitionId").and_then(Value::as_str))
        .map(|s| s.to_ascii_lowercase())
        .collect())
}

/// The needed roles (name, purpose) that `assigned` does not cover.
pub fn missing(assigned: &[String]) -> Vec<(&'static str, &'static str)> {
    if assigned.iter().any(|r| r == GLOBAL_ADMINISTRATOR) {
        return Vec::new();
    }
    NEEDED
        .iter()
        .filter(|(id, _, _)| !assigned.iter().any(|r| r == id))
        .map(|(_, name, what)| (*name, *what))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn global_administrator_covers_everything_and_each_role_is_named_when_missing() {
        assert!(missing(&[GLOBAL_ADMINISTRATOR.to_string()]).is_empty());
        let all: Vec<String> = NEEDED.iter().map(|(id, _, _)| id.to_string()).collect();
        assert!(missing(&all).is_empty());
        let none = missing(&[]);
        assert_eq!(none.len(), 3);
        assert_eq!(none[0].0, "User Administrator");
        let without_user_admin = missing(&all[1..]);
        assert_eq!(
            without_user_admin,
            vec![("User Administrator", "create and delete the test users")]
        );
    }

    #[test]
    fn reads_graphs_list_of_assignments() {
        let body = r#"{"value":[{"id":"a","roleDefinitionId":"FE930BE7-5E62-47DB-91AF-98C3A49A38B1","principalId":"p"}]}"#;
        assert_eq!(
            assigned(body),
            Ok(vec!["fe930be7-5e62-47db-91af-98c3a49a38b1".to_string()])
        );
        assert!(assigned("{}").is_err());
        assert!(assigned("nope").is_err());
    }
}
