//! Checking a request body before anything is sent: it must be JSON once its `{{variables}}` are filled in.

/// Where a body stops being JSON: the 1-based line and column of the text as typed, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BodyError {
    pub line: usize,
    pub column: usize,
    /// serde_json's reason, without its own position (e.g. `expected value`).
    pub message: String,
}

impl std::fmt::Display for BodyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "The body is not valid JSON at line {}, column {}: {}.",
            self.line, self.column, self.message
        )
    }
}

impl std::error::Error for BodyError {}

/// `Ok` for an empty body or one that is JSON with its variables filled in. Each `{{variable}}` counts as
/// a value of the same length (valid inside and outside strings), so the line and column in the error
/// are those of the text the reader typed.
pub fn check_body(body: &str) -> Result<(), BodyError> {
    if body.trim().is_empty() {
        return Ok(());
    }
    // Parsed into a `Value`, not ignored: serde_json then stops at 128 levels of nesting, so a body that
    // would exhaust the stack of whatever reads it later is refused here, with its place.
    serde_json::from_str::<serde_json::Value>(&blank_variables(body))
        .map(|_| ())
        .map_err(|e| {
            let message = e.to_string();
            let reason = message.split(" at line ").next().unwrap_or(&message);
            BodyError {
                line: e.line(),
                column: e.column(),
                message: if reason == "recursion limit exceeded" {
                    "it nests more than 128 arrays or objects inside each other".to_string()
                } else {
                    reason.to_string()
                },
            }
        })
}

/// Replaces each `{{...}}` with `0` padded by spaces to the same length.
fn blank_variables(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(start) = rest.find("{{") {
        let Some(len) = rest[start..].find("}}").map(|end| end + 2) else {
            break;
        };
        out.push_str(&rest[..start]);
        out.push('0');
        out.extend(std::iter::repeat_n(' ', len - 1));
        rest = &rest[start + len..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_json_with_variables_in_and_out_of_strings() {
        assert_eq!(
            check_body(r#"{"id": "{{user.id}}", "n": {{count}}}"#),
            Ok(())
        );
        assert_eq!(check_body("   "), Ok(()));
    }

    #[test]
    fn refuses_nesting_deeper_than_any_reader_allows() {
        let deep = format!("{}{}", "[".repeat(5_000), "]".repeat(5_000));
        let error = check_body(&deep).unwrap_err();
        assert!(error.message.contains("128"), "{error}");
        let fine = format!("{}{}", "[".repeat(100), "]".repeat(100));
        assert_eq!(check_body(&fine), Ok(()));
    }

    #[test]
    fn names_line_and_column_of_the_mistake() {
        let error = check_body("{\n  \"a\": 1,\n  \"b\": }").unwrap_err();
        assert_eq!((error.line, error.column), (3, 8));
        assert_eq!(error.message, "expected value");
        assert_eq!(
            error.to_string(),
            "The body is not valid JSON at line 3, column 8: expected value."
        );
    }

    #[test]
    fn keeps_columns_after_a_variable() {
        let error = check_body(r#"{"id": "{{user.id}}" "x": 1}"#).unwrap_err();
        assert_eq!((error.line, error.column), (1, 22));
    }
}
