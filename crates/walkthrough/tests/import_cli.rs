//! `graphwalk-import` as a docs pipeline calls it: the tutorial on stdout, links as JSON, clear errors.

use std::process::Command;

fn import(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_graphwalk-import"))
        .args(args)
        .output()
        .expect("graphwalk-import runs")
}

#[test]
fn writes_the_tutorial_and_the_links() {
    let page = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/import-pages/access-package.md"
    );
    let links = std::env::temp_dir().join(format!(
        "graphwalk-import-links-{}.json",
        std::process::id()
    ));
    let out = import(&[page, "--links", links.to_str().expect("a UTF-8 path")]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tutorial = String::from_utf8(out.stdout).expect("UTF-8");
    let parsed = walkthrough::parse_tutorial(&tutorial).expect("stdout is a graphwalk tutorial");
    assert!(parsed.steps.iter().any(|s| s.cleanup.is_some()));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&links).expect("the links file"))
            .expect("JSON");
    let _ = std::fs::remove_file(&links);
    let first = &json.as_array().expect("a list of links")[0];
    for key in ["variable", "value", "from", "to", "confidence", "reason"] {
        assert!(first.get(key).is_some(), "a link has `{key}`: {first}");
    }
}

#[test]
fn bad_input_says_what_is_wrong_and_what_to_do() {
    let out = import(&[]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("expected the docs page") && err.contains("usage:"),
        "{err}"
    );

    let out = import(&["/nonexistent/page.md"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read `/nonexistent/page.md`"));

    let not_docs =
        std::env::temp_dir().join(format!("graphwalk-not-docs-{}.md", std::process::id()));
    std::fs::write(&not_docs, "# Notes\n\nNo requests here.\n").expect("write");
    let out = import(&[not_docs.to_str().expect("UTF-8")]);
    let _ = std::fs::remove_file(&not_docs);
    assert!(!out.status.success());
    assert!(out.stdout.is_empty(), "nothing half-written to stdout");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("found no request to import"), "{err}");

    let out = import(&["page.md", "--links"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("--links needs a file name"));
}
