//! Exports: stored expected files, a bash syntax check, and no token or password ever.

mod common;

use std::path::PathBuf;

use common::fake::Fake;
use common::Driver;
use walkthrough::{builtin_tutorials, export, Event, ExportFormat, Run, RunOptions};

const FORMATS: [(ExportFormat, &str); 4] = [
    (ExportFormat::Http, "http"),
    (ExportFormat::Curl, "sh"),
    (ExportFormat::PowerShell, "ps1"),
    (ExportFormat::Hurl, "hurl"),
];

fn expected_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/expected")
        .join(name)
}

/// Compares with the stored file; `UPDATE_EXPECTED=1` rewrites it after a deliberate change.
fn check_expected(name: &str, actual: &str) {
    let path = expected_path(name);
    if std::env::var_os("UPDATE_EXPECTED").is_some() {
        std::fs::write(&path, actual).expect("write expected file");
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("missing {}; run with UPDATE_EXPECTED=1", path.display()));
    assert!(
        expected == actual,
        "{name} differs from the stored file; diff it or run with UPDATE_EXPECTED=1"
    );
}

#[test]
fn tutorial_exports_match_stored_files() {
    for t in builtin_tutorials() {
        for (format, ext) in FORMATS {
            let text = export(&t, format);
            check_expected(&format!("{}.{ext}", t.id), &text);
        }
    }
}

#[test]
fn curl_export_is_valid_bash() {
    for t in builtin_tutorials() {
        let script = export(&t, ExportFormat::Curl);
        let dir = std::env::temp_dir().join(format!("walkthrough-export-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join(format!("{}.sh", t.id));
        std::fs::write(&file, &script).unwrap();
        let out = std::process::Command::new("bash")
            .arg("-n")
            .arg(&file)
            .output()
            .unwrap_or_else(|e| {
                panic!(
                    "bash could not be started ({e}); the syntax check needs it: \
                     install with `sudo apt-get install -y bash`"
                )
            });
        assert!(
            out.status.success(),
            "{}: {}",
            t.id,
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn http_export_has_a_request_line_in_every_block() {
    for t in builtin_tutorials() {
        let text = export(&t, ExportFormat::Http);
        let blocks: Vec<&str> = text.split("\n### ").skip(1).collect();
        // The default path: the requestor asks, so the administrator's own assignment steps are left out.
        let on_path = t
            .steps
            .iter()
            .filter(|s| s.when.as_ref().is_none_or(|w| w.holds("requestor")))
            .count();
        assert!(on_path < t.steps.len());
        assert!(blocks.len() >= on_path);
        let as_requestor = t.steps.iter().filter(|s| s.run_as.is_some()).count();
        assert!(as_requestor > 0);
        assert_eq!(
            blocks
                .iter()
                .filter(|b| b.contains("Authorization: Bearer {{token_requestor}}"))
                .count(),
            as_requestor,
            "each of the requestor's requests uses the requestor's token"
        );
        assert!(text.contains("@token_requestor = <paste an access token of the requestor>"));
        for block in blocks {
            let line = block
                .lines()
                .find(|l| l.contains(" {{base}}"))
                .unwrap_or_default();
            assert!(
                ["GET ", "POST ", "DELETE ", "PATCH "]
                    .iter()
                    .any(|m| line.starts_with(m)),
                "no request line in block: {block}"
            );
            assert!(
                block.contains("Authorization: Bearer {{token}}")
                    || block.contains("Authorization: Bearer {{token_requestor}}")
            );
        }
    }
}

#[test]
fn run_exports_carry_the_run_tag_but_never_a_token_or_password() {
    let t = builtin_tutorials().remove(0);
    let mut run = Run::new(
        t,
        RunOptions {
            seed: 9,
            ..Default::default()
        },
    );
    let mut fake = Fake::new();
    let mut d = Driver::new(10);
    d.event(&mut fake, &mut run, Event::RunAll { now_ms: 0 });
    d.settle(&mut fake, &mut run);
    let tag = run.variables().get("run.tag").unwrap().value.clone();
    let password = run.variables().get("run.password").unwrap().value.clone();
    for (format, _) in FORMATS {
        let text = export(&run, format);
        assert!(text.contains(&tag), "{format:?} lacks the run tag");
        assert!(!text.contains(&password), "{format:?} leaks the password");
        assert!(!text.contains("test-token"), "{format:?} leaks a token");
        assert!(
            !text.to_ascii_lowercase().contains("bearer ey"),
            "{format:?} leaks a token"
        );
    }
    let state = serde_json::to_string(&run).unwrap();
    assert!(
        !state.contains("test-token"),
        "the saved run must never hold a token"
    );
}

#[test]
fn each_format_names_the_requestors_token_on_the_requestors_path_only() {
    for t in builtin_tutorials() {
        let admin = Run::new(
            t.clone(),
            RunOptions {
                seed: 3,
                inputs: [("path".to_string(), "admin".to_string())].into(),
                ..Default::default()
            },
        );
        let requestor = Run::new(t.clone(), RunOptions::default());
        for (format, _) in FORMATS {
            let mine = export(&requestor, format);
            let theirs = export(&admin, format);
            let marker = match format {
                ExportFormat::Curl => "${TOKEN_REQUESTOR}",
                ExportFormat::PowerShell => "Sign in as the requestor",
                _ => "{{token_requestor}}",
            };
            assert!(mine.contains(marker), "{} {format:?}: {marker}", t.id);
            assert!(
                !theirs.contains(marker),
                "{} {format:?} on the administrator's path",
                t.id
            );
            // The two paths differ in who asks, and one export holds one path.
            let (asks, assigns) = (
                "The requestor asks for the package",
                "Assign the package to the requestor",
            );
            assert!(
                mine.contains(asks) && !mine.contains(assigns),
                "{} {format:?}",
                t.id
            );
            assert!(
                theirs.contains(assigns) && !theirs.contains(asks),
                "{} {format:?}",
                t.id
            );
            let user_add = if t.api_version == "beta" {
                "UserAdd"
            } else {
                "userAdd"
            };
            assert!(
                mine.contains(user_add) && !theirs.contains(user_add),
                "{} {format:?}",
                t.id
            );
        }
    }
}
