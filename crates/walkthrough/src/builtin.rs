//! The tutorials compiled into the app.

use crate::format::parse_tutorial;
use crate::model::Tutorial;

const SOURCES: [&str; 2] = [
    include_str!("../tutorials/access-package-beta.md"),
    include_str!("../tutorials/access-package-v1.md"),
];

/// The built-in tutorials: the access-package flow on beta, then on v1.0.
/// They are checked by tests, so a parse failure here is a build defect, and is skipped.
pub fn builtin_tutorials() -> Vec<Tutorial> {
    SOURCES
        .iter()
        .filter_map(|src| parse_tutorial(src).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_parses() {
        for src in SOURCES {
            if let Err(e) = parse_tutorial(src) {
                panic!("{e}");
            }
        }
    }
}
