//! Checks a request body before anything is sent: it must be JSON once its `{{variables}}` are filled in.

/// `Ok` for an empty body or valid JSON. Each `{{variable}}` counts as a value of the same length, so the
/// line and column in the error are those of the text the reader typed.
pub fn json_body(body: &str) -> Result<(), String> {
    if body.trim().is_empty() {
        return Ok(());
    }
    let stand_in = blank_variables(body);
    serde_json::from_str::<serde::de::IgnoredAny>(&stand_in)
        .map(|_| ())
        .map_err(|e| {
            let message = e.to_string();
            let reason = message
                .split(" at line ")
                .next()
                .unwrap_or(&message)
                .to_string();
            format!(
                "The body is not valid JSON at line {}, column {}: {reason}.",
                e.line(),
                e.column()
            )
        })
}

/// Replaces each `{{...}}` with `0` padded by spaces to the same length (valid inside and outside strings).
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
            json_body(r#"{"id": "{{user.id}}", "n": {{count}}}"#),
            Ok(())
        );
        assert_eq!(json_body("   "), Ok(()));
    }

    #[test]
    fn names_line_and_column_of_the_mistake() {
        let error = json_body("{\n  \"a\": 1,\n  \"b\": }").unwrap_err();
        assert!(error.contains("line 3, column 8"), "{error}");
    }

    #[test]
    fn keeps_columns_after_a_variable() {
        let error = json_body(r#"{"id": "{{user.id}}" "x": 1}"#).unwrap_err();
        assert!(error.contains("line 1, column 22"), "{error}");
    }
}
