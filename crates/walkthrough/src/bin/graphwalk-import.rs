//! `graphwalk-import PAGE.md [--links links.json]`: a Microsoft Graph docs page in, a graphwalk tutorial out.

use std::process::ExitCode;

const USAGE: &str = "usage: graphwalk-import PAGE.md [--links LINKS.json]

Reads a Microsoft Graph docs page (Markdown with request and response blocks) and writes a graphwalk
tutorial to standard output. With --links, also writes the inferred links as JSON: each value, the step
and JSONPath it comes from, the steps and places it goes to, and how sure the import is.";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("graphwalk-import: {message}");
            ExitCode::from(2)
        }
    }
}

fn run(args: &[String]) -> Result<(), String> {
    let mut page: Option<&str> = None;
    let mut links: Option<&str> = None;
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            "--links" => {
                let path = args.get(i + 1).ok_or(
                    "--links needs a file name to write the links to, e.g. --links links.json",
                )?;
                links = Some(path);
                i += 1;
            }
            other if other.starts_with('-') => {
                return Err(format!("unknown option `{other}`\n\n{USAGE}"));
            }
            other if page.is_none() => page = Some(other),
            other => {
                return Err(format!(
                    "expected one page, got a second one `{other}`\n\n{USAGE}"
                ))
            }
        }
        i += 1;
    }
    let page = page.ok_or_else(|| format!("expected the docs page to import\n\n{USAGE}"))?;
    let src = std::fs::read_to_string(page)
        .map_err(|e| format!("cannot read `{page}`: {e}; give the path of a Markdown file"))?;
    let imported = walkthrough::import_docs(&src).map_err(|e| format!("{page}: {e}"))?;
    if let Some(path) = links {
        let json = serde_json::to_string_pretty(&imported.links)
            .map_err(|e| format!("cannot write the links as JSON: {e}"))?;
        std::fs::write(path, json + "\n").map_err(|e| {
            format!("cannot write `{path}`: {e}; the tutorial was not printed either")
        })?;
    }
    print!("{}", imported.markdown);
    for note in &imported.notes {
        eprintln!("note: {note}");
    }
    Ok(())
}
