//! The tutorials compiled into the app.

use crate::format::{parse_front_matter, parse_tutorial};
use crate::model::Tutorial;

const SOURCES: [&str; 2] = [
    include_str!("../tutorials/access-package-beta.md"),
    include_str!("../tutorials/access-package-v1.md"),
];

/// A built-in tutorial known by its id and title, parsed only when it is opened: a page that starts on
/// one tutorial does not pay for parsing the others.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BuiltinTutorial {
    pub id: String,
    pub title: String,
    source: &'static str,
}

impl BuiltinTutorial {
    /// The parsed tutorial. Every built-in is parsed by the tests, so this cannot fail in a build that passed.
    pub fn load(&self) -> Tutorial {
        parse_tutorial(self.source)
            .unwrap_or_else(|e| panic!("the built-in tutorial {} does not parse: {e}", self.id))
    }
}

/// The built-in tutorials, in order, with only their front matter read.
pub fn builtin_catalog() -> Vec<BuiltinTutorial> {
    SOURCES
        .iter()
        .filter_map(|source| {
            let lines: Vec<&str> = source.lines().collect();
            let (front, _) = parse_front_matter(&lines).ok()?;
            Some(BuiltinTutorial {
                id: front.id,
                title: front.title,
                source,
            })
        })
        .collect()
}

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
    fn the_catalog_names_each_builtin_as_its_parsed_front_matter_does() {
        let catalog = builtin_catalog();
        let parsed = builtin_tutorials();
        assert_eq!(catalog.len(), SOURCES.len());
        for (entry, tutorial) in catalog.iter().zip(&parsed) {
            assert_eq!(entry.id, tutorial.id);
            assert_eq!(entry.title, tutorial.title);
            assert_eq!(entry.load(), *tutorial);
        }
    }

    #[test]
    fn every_builtin_parses() {
        for src in SOURCES {
            if let Err(e) = parse_tutorial(src) {
                panic!("{e}");
            }
        }
    }
}
