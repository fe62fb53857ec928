//! The docs importer on real Microsoft Graph docs pages: links found, missed and wrong against the chains a
//! careful reader wires by hand, and the imported access-package page run end to end in the sandbox.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use common::tenant::Tenant;
use common::Driver;
use serde_json::Value;
use walkthrough::{import_docs, Event, Origin, Run, RunOptions, StepStatus};

fn pages_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/import-pages")
}

fn read(name: &str) -> String {
    let path = pages_dir().join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// (value, from, to): `from` is a docs block name, `tenant` or `input`.
type Chain = (String, String, String);

fn expected_chains(name: &str) -> BTreeSet<Chain> {
    let json: Value = serde_json::from_str(&read(name)).expect("a links file is JSON");
    let mut out = BTreeSet::new();
    for link in json["links"].as_array().expect("links") {
        let value = link["value"].as_str().expect("value").to_string();
        let from = link["from"].as_str().expect("from").to_string();
        for to in link["to"].as_array().expect("to") {
            out.insert((
                value.clone(),
                from.clone(),
                to.as_str().expect("a request name").to_string(),
            ));
        }
    }
    out
}

fn found_chains(links: &[walkthrough::Link]) -> BTreeSet<Chain> {
    let mut out = BTreeSet::new();
    for link in links {
        let from = match &link.from {
            Origin::Response { request, .. } | Origin::Sent { request, .. } => request.clone(),
            Origin::Tenant { .. } => "tenant".to_string(),
            Origin::Input => "input".to_string(),
        };
        for t in &link.to {
            if t.request != from {
                out.insert((
                    link.value.to_ascii_lowercase(),
                    from.clone(),
                    t.request.clone(),
                ));
            }
        }
    }
    out
}

struct Score {
    expected: usize,
    found: usize,
    missed: Vec<Chain>,
    wrong: Vec<Chain>,
}

/// A chain is found when the importer links the same value into the same request from the same source;
/// wrong when it links a value into a request from another source, or links what no reader would.
fn score(expected: &BTreeSet<Chain>, found: &BTreeSet<Chain>) -> Score {
    let lower = |c: &Chain| (c.0.to_ascii_lowercase(), c.1.clone(), c.2.clone());
    let expected: BTreeSet<Chain> = expected.iter().map(lower).collect();
    let hits = expected.intersection(found).count();
    let missed: Vec<Chain> = expected.difference(found).cloned().collect();
    let wrong: Vec<Chain> = found.difference(&expected).cloned().collect();
    Score {
        expected: expected.len(),
        found: hits,
        missed,
        wrong,
    }
}

/// Every page of the test data with its hand-wired chains.
fn pages() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(pages_dir())
        .expect("the test pages")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".md"))
        .collect();
    names.sort();
    names
}

#[test]
fn links_on_real_docs_pages() {
    let mut table =
        String::from("\npage                              expected  found  missed  wrong\n");
    let mut totals = (0, 0, 0, 0);
    let mut details = String::new();
    let mut per_page: BTreeMap<String, (usize, usize, usize, usize)> = BTreeMap::new();
    for page in pages() {
        let links_file = page.replace(".md", ".links.json");
        let imported = import_docs(&read(&page)).unwrap_or_else(|e| panic!("{page}: {e}"));
        let s = score(
            &expected_chains(&links_file),
            &found_chains(&imported.links),
        );
        table.push_str(&format!(
            "{page:<34}{:>8}{:>7}{:>8}{:>7}\n",
            s.expected,
            s.found,
            s.missed.len(),
            s.wrong.len()
        ));
        for m in &s.missed {
            details.push_str(&format!(
                "  {page} missed: {} from {} into {}\n",
                m.0, m.1, m.2
            ));
        }
        for w in &s.wrong {
            details.push_str(&format!(
                "  {page} wrong:  {} from {} into {}\n",
                w.0, w.1, w.2
            ));
        }
        totals.0 += s.expected;
        totals.1 += s.found;
        totals.2 += s.missed.len();
        totals.3 += s.wrong.len();
        per_page.insert(page, (s.expected, s.found, s.missed.len(), s.wrong.len()));
    }
    table.push_str(&format!(
        "{:<34}{:>8}{:>7}{:>8}{:>7}\n",
        "all pages", totals.0, totals.1, totals.2, totals.3
    ));
    // Written past the test harness's capture, so `cargo test` shows the table on every run.
    let _ = std::io::Write::write_all(
        &mut std::io::stderr(),
        format!("{table}{details}").as_bytes(),
    );
    assert!(
        per_page.len() >= 8,
        "expected at least eight judged pages, found {}",
        per_page.len()
    );
    // Thresholds: most chains found on every page, few wrong overall.
    for (page, (expected, found, _, wrong)) in &per_page {
        assert!(*expected > 0, "{page}: its links file names no chain");
        assert!(
            found * 10 >= expected * 7,
            "{page}: found {found} of {expected} chains, fewer than 70%{table}{details}"
        );
        assert!(
            wrong * 5 <= *expected,
            "{page}: {wrong} wrong links for {expected} chains{table}{details}"
        );
    }
    assert!(
        totals.1 * 10 >= totals.0 * 8,
        "found fewer than 80% of all chains{table}{details}"
    );
}

/// The scorer itself: a wrong source and an extra link count against the importer.
#[test]
fn the_scorer_counts_missed_and_wrong_links() {
    let chain = |v: &str, f: &str, t: &str| (v.to_string(), f.to_string(), t.to_string());
    let expected: BTreeSet<Chain> = [chain("a", "s1", "s2"), chain("b", "s1", "s3")].into();
    let found: BTreeSet<Chain> = [
        chain("a", "s1", "s2"),
        chain("b", "s2", "s3"),
        chain("c", "s1", "s4"),
    ]
    .into();
    let s = score(&expected, &found);
    assert_eq!(
        (s.expected, s.found, s.missed.len(), s.wrong.len()),
        (2, 1, 1, 2)
    );
}

#[test]
fn the_imported_access_package_page_runs_and_cleans_up_in_the_sandbox() {
    let imported = import_docs(&read("access-package.md")).expect("the page imports");
    // The page's four deletes and its assignment removal became cleanup; the role scope's is inferred.
    let from_page = imported.cleanup.iter().filter(|c| !c.inferred).count();
    assert_eq!(from_page, 5, "{:#?}", imported.cleanup);
    assert!(imported
        .cleanup
        .iter()
        .any(|c| c.inferred && c.request.starts_with("DELETE")));
    // The page's request as the requestor, and the administrator's assignment: both paths run.
    for path in ["requestor", "admin"] {
        let mut tenant = Tenant::new(sandbox::Config {
            seed: 3,
            ..Default::default()
        });
        let before = tenant.sandbox.snapshot();
        let mut run = Run::new(
            imported.tutorial.clone(),
            RunOptions {
                seed: 11,
                inputs: [("request_path".to_string(), path.to_string())].into(),
                ..Default::default()
            },
        );
        let mut d = Driver::new(150);
        d.event(&mut tenant, &mut run, Event::RunAll { now_ms: 0 });
        assert!(d.settle(&mut tenant, &mut run));
        let (passed, total) = run.progress();
        assert_eq!(
            passed,
            total,
            "{path}\n{}\n{}",
            common::status_report(&run),
            imported.markdown
        );
        assert_eq!(
            total + 1,
            run.tutorial().steps.len(),
            "one step is on the other path"
        );
        assert!((0..total).all(|i| run.step_status(i) != &StepStatus::Running));
        assert!(!run.ledger().entries.is_empty());
        d.event(&mut tenant, &mut run, Event::Cleanup { now_ms: d.now_ms });
        assert!(d.settle(&mut tenant, &mut run));
        assert_eq!(d.cleanup_left, Some(0), "{path}: {:#?}", run.ledger());
        let after = tenant.sandbox.snapshot();
        assert_ne!(
            serde_json::to_value(&after).unwrap(),
            serde_json::to_value(&before).unwrap(),
            "deleted users and groups stay in deleted items, so the tenant is not back to its seed"
        );
    }
}

/// The sandbox says it answers every request the built-in tutorials and the imported access-package page
/// send, and not the access-review page's endpoints: what the app tells the reader before sending.
#[test]
fn the_sandbox_names_the_requests_it_answers() {
    let answered = |t: &walkthrough::Tutorial| -> Vec<bool> {
        t.steps
            .iter()
            .flat_map(|s| {
                let mut requests = vec![&s.request];
                if let Some(c) = &s.cleanup {
                    requests.push(&c.request);
                    requests.extend(c.wait.as_ref().map(|w| &w.request));
                }
                requests
            })
            .map(|r| sandbox::answers(&r.method, &r.url.source().replace("{{base}}", &t.base_url)))
            .collect()
    };
    for t in walkthrough::builtin_tutorials() {
        assert!(answered(&t).iter().all(|a| *a), "{}", t.id);
    }
    let imported = import_docs(&read("access-package.md")).expect("imports");
    assert!(answered(&imported.tutorial).iter().all(|a| *a));
    let reviews = import_docs(&read("access-reviews-group.md")).expect("imports");
    let reviews = answered(&reviews.tutorial);
    assert!(
        reviews.iter().any(|a| !a) && reviews.iter().any(|a| *a),
        "{reviews:?}"
    );
}
