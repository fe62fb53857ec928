//! Shell payloads in a tutorial (title, prose, note, headers, body) and in the values captured from its
//! responses stay text in the bash export: the script runs against the sandbox and none of them executes.

mod common;

use std::sync::{Arc, Mutex};

use common::local_http::{require_tools, serve};
use walkthrough::{export, parse_tutorial, ExportFormat};

/// Each payload would create a file named after where it sits in `MARKS`, if it ever ran.
fn tutorial(marks: &str) -> String {
    let p = |name: &str| format!("$(touch {marks}/{name}) `touch {marks}/{name}-tick`");
    format!(
        r#"---
id: shell-payloads
title: Payloads {title}
api: v1.0
base: https://graph.microsoft.com/v1.0
scopes: Group.ReadWrite.All
---

Introduction {intro}
'; touch {marks}/intro-quote; echo '
"; touch {marks}/intro-dquote; echo "

## Create {step} {{#group}}

Prose {prose}
touch {marks}/prose-line

> **Note:** {note}

```http
POST {{{{base}}}}/groups
Content-Type: application/json
X-Note: {header} '; touch {marks}/header-quote; echo '

{{
  "displayName": "x {body} '; touch {marks}/body-quote; echo ' {{{{run.tag}}}}",
  "description": "\" ; touch {marks}/body-escaped ; echo \"",
  "mailEnabled": false,
  "mailNickname": "payload-{{{{run.tag}}}}",
  "securityEnabled": true
}}
```

```walk
[Captures]
group_id: jsonpath "$.id" as group
group_name: jsonpath "$.displayName"
[Asserts]
status == 201
jsonpath "$.displayName" contains "touch"
[Cleanup]
DELETE {{{{base}}}}/groups/{{{{group_id}}}}
```

## Read it back with its name in a header {{#read}}

```http
GET {{{{base}}}}/groups/{{{{group_id}}}}
X-Group-Name: {{{{group_name}}}}
```

```walk
[Asserts]
status == 200
jsonpath "$.displayName" == "{{{{group_name}}}}"
```
"#,
        title = p("title"),
        intro = p("intro"),
        step = p("step"),
        prose = p("prose"),
        note = p("note"),
        header = p("header"),
        body = p("body"),
    )
}

#[test]
fn shell_payloads_stay_text_when_the_bash_export_runs() {
    require_tools(&["bash", "curl", "jq"]);
    let dir = std::env::temp_dir().join(format!("walkthrough-payloads-{}", std::process::id()));
    let marks = dir.join("marks");
    std::fs::create_dir_all(&marks).expect("a temporary directory");
    let tutorial =
        parse_tutorial(&tutorial(&marks.display().to_string())).expect("the tutorial parses");

    let sandbox = Arc::new(Mutex::new(sandbox::Sandbox::new(sandbox::Config {
        seed: 9,
        ..Default::default()
    })));
    let before = serde_json::to_value(sandbox.lock().expect("lock").snapshot()).expect("json");
    let port = serve(&sandbox);
    let token = {
        let sb = sandbox.lock().expect("lock");
        sandbox::mint_token(
            sandbox::TUTORIAL_SCOPES,
            sb.admin_upn(),
            sb.tenant_id(),
            4_000_000_000,
        )
    };
    let script = export(&tutorial, ExportFormat::Curl).replace(
        &format!("base=\"{}\"", tutorial.base_url),
        &format!("base=\"http://127.0.0.1:{port}/{}\"", tutorial.api_version),
    );
    // The distinct payloads that made it into the script (prose and notes are not exported).
    let prefix = format!("touch {}/", marks.display());
    let mut placed: Vec<&str> = script
        .split(prefix.as_str())
        .skip(1)
        .filter_map(|rest| {
            rest.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
                .next()
        })
        .collect();
    placed.sort_unstable();
    placed.dedup();
    assert!(
        placed.len() >= 10,
        "the payloads are in the script: {placed:?}"
    );
    let file = dir.join("payloads.sh");
    std::fs::write(&file, &script).expect("write the script");
    let out = std::process::Command::new("bash")
        .arg(&file)
        .env("TOKEN", token)
        .env("RUN_PASSWORD", "Str0ng!Passw0rd-For-Tests")
        .output()
        .expect("bash runs");
    assert!(
        out.status.success(),
        "the script failed\nstdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        sandbox.lock().expect("lock").stats().requests >= 3,
        "the requests reached the tenant"
    );
    let executed: Vec<String> = std::fs::read_dir(&marks)
        .expect("read the marks")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    println!(
        "injection (bash export): payloads tried {}, executed {}",
        placed.len(),
        executed.len()
    );
    assert_eq!(executed, Vec::<String>::new(), "payloads that ran");
    let after = serde_json::to_value(sandbox.lock().expect("lock").snapshot()).expect("json");
    assert_eq!(after, before, "the script's cleanup removed the group");
    let _ = std::fs::remove_dir_all(&dir);
}
