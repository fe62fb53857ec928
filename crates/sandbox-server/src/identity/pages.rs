//! The sign-in pages of the emulated identity platform: every value is escaped, every field labelled.

/// Text made safe for HTML element content and quoted attribute values.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f2f2f2;color:#1b1b1b}\
main{max-width:28rem;margin:3rem auto;background:#fff;padding:2rem;box-shadow:0 2px 6px rgba(0,0,0,.2)}\
h1{font-size:1.5rem;margin:0 0 1rem}label{display:block;margin:.75rem 0 .25rem;font-weight:600}\
input[type=text],input[type=email],input[type=password]{width:100%;box-sizing:border-box;padding:.5rem;font:inherit;border:1px solid #666}\
button{font:inherit;padding:.5rem 1.25rem;margin:1rem .5rem 0 0;border:1px solid #0067b8;background:#0067b8;color:#fff;cursor:pointer}\
button.secondary{background:#fff;color:#0067b8}\
button:focus-visible,input:focus-visible{outline:3px solid #1b1b1b;outline-offset:2px}\
.error{color:#a4262c;border-left:4px solid #a4262c;padding-left:.75rem}.code{font-family:monospace;font-size:.875rem;word-break:break-word}\
ul.scopes{padding-left:1.25rem}.note{font-size:.875rem;color:#444}";

/// The whole page around `body` (already escaped HTML).
pub fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>{title} · graphwalk sandbox sign-in</title><style>{STYLE}</style></head>\
<body><main><p class=\"note\">graphwalk-sandbox · emulated Microsoft sign-in</p><h1>{title}</h1>{body}</main></body></html>",
        title = esc(title)
    )
}

/// An error Entra shows on its own page (it cannot send the user back to the app).
pub fn error_page(code: u32, message: &str, request_id: &str) -> String {
    page(
        "Sorry, but we’re having trouble signing you in.",
        &format!(
            "<p class=\"error\" role=\"alert\"><span class=\"code\">AADSTS{code}: {}</span></p>\
<p class=\"note\">Request Id: {}</p>",
            esc(message),
            esc(request_id)
        ),
    )
}

fn hidden(name: &str, value: &str) -> String {
    format!(
        "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
        esc(name),
        esc(value)
    )
}

/// Account and password. `problem` is shown, announced and tied to the field it is about.
pub fn sign_in(action: &str, txn: &str, login: &str, problem: Option<&str>) -> String {
    let (alert, described) = match problem {
        Some(p) => (
            format!(
                "<p class=\"error\" role=\"alert\" id=\"problem\">{}</p>",
                esc(p)
            ),
            " aria-describedby=\"problem\" aria-invalid=\"true\"",
        ),
        None => (String::new(), ""),
    };
    page(
        "Sign in",
        &format!(
            "{alert}<form method=\"post\" action=\"{action}\">{txn}{step}\
<label for=\"login\">Email, phone, or Skype</label>\
<input id=\"login\" name=\"login\" type=\"email\" autocomplete=\"username\" required value=\"{login}\"{focus_login}{described}>\
<label for=\"passwd\">Password</label>\
<input id=\"passwd\" name=\"passwd\" type=\"password\" autocomplete=\"current-password\" required{focus_pw}{described}>\
<button type=\"submit\" id=\"sign-in\">Sign in</button></form>",
            action = esc(action),
            txn = hidden("txn", txn),
            step = hidden("step", "signin"),
            login = esc(login),
            focus_login = if login.is_empty() { " autofocus" } else { "" },
            focus_pw = if login.is_empty() { "" } else { " autofocus" },
        ),
    )
}

/// The first sign-in of an account whose password must be changed.
pub fn change_password(action: &str, txn: &str, login: &str, problem: Option<&str>) -> String {
    let alert = problem
        .map(|p| {
            format!(
                "<p class=\"error\" role=\"alert\" id=\"problem\">{}</p>",
                esc(p)
            )
        })
        .unwrap_or_default();
    page(
        "Update your password",
        &format!(
            "<p>You need to update your password because this is the first time you are signing in, or because your password has expired.</p>\
<p><strong>{login}</strong></p>{alert}<form method=\"post\" action=\"{action}\">{txn}{step}\
<label for=\"current\">Current password</label><input id=\"current\" name=\"current\" type=\"password\" autocomplete=\"current-password\" required autofocus>\
<label for=\"new\">New password</label><input id=\"new\" name=\"new\" type=\"password\" autocomplete=\"new-password\" required>\
<label for=\"confirm\">Confirm password</label><input id=\"confirm\" name=\"confirm\" type=\"password\" autocomplete=\"new-password\" required>\
<button type=\"submit\" id=\"change\">Sign in</button></form>",
            login = esc(login),
            action = esc(action),
            txn = hidden("txn", txn),
            step = hidden("step", "change"),
        ),
    )
}

/// The permissions the app asks for, to accept or decline. `for_org`: an administrator consents
/// for the whole organization.
pub fn consent(
    action: &str,
    txn: &str,
    app: &str,
    login: &str,
    scopes: &[String],
    for_org: bool,
) -> String {
    let items: String = scopes
        .iter()
        .map(|s| format!("<li><code>{}</code></li>", esc(s)))
        .collect();
    let org = if for_org {
        "<p class=\"note\">Accepting consents on behalf of your organization: nobody in it will be asked again.</p>"
    } else {
        ""
    };
    page(
        "Permissions requested",
        &format!(
            "<p><strong>{app}</strong> needs permission to:</p><ul class=\"scopes\" aria-label=\"Permissions\">{items}</ul>\
<p class=\"note\">Signed in as {login}.</p>{org}<form method=\"post\" action=\"{action}\">{txn}\
<button type=\"submit\" name=\"step\" value=\"consent\" id=\"accept\" autofocus>Accept</button>\
<button type=\"submit\" name=\"step\" value=\"decline\" id=\"decline\" class=\"secondary\">Cancel</button></form>",
            app = esc(app),
            login = esc(login),
            action = esc(action),
            txn = hidden("txn", txn),
        ),
    )
}

/// A user who may not consent to permissions only an administrator can grant.
pub fn need_admin(action: &str, txn: &str, app: &str, scopes: &[String], message: &str) -> String {
    let items: String = scopes
        .iter()
        .map(|s| format!("<li><code>{}</code></li>", esc(s)))
        .collect();
    page(
        "Need admin approval",
        &format!(
            "<p><strong>{app}</strong> needs permission to access resources in your organization that only an admin can grant. \
Please ask an admin to grant permission to this app before you can use it.</p><ul class=\"scopes\" aria-label=\"Permissions\">{items}</ul>\
<p class=\"error\" role=\"alert\"><span class=\"code\">{message}</span></p>\
<form method=\"post\" action=\"{action}\">{txn}\
<button type=\"submit\" name=\"step\" value=\"back\" id=\"back\" autofocus>Return to the application without granting consent</button></form>",
            app = esc(app),
            message = esc(message),
            action = esc(action),
            txn = hidden("txn", txn),
        ),
    )
}

pub fn signed_out() -> String {
    page(
        "You signed out of your account",
        "<p>It’s a good idea to close all browser windows.</p>",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn everything_a_user_or_a_link_controls_is_escaped() {
        let evil = "\"><script>alert(1)</script>'";
        let pages = [
            sign_in(evil, evil, evil, Some(evil)),
            change_password(evil, evil, evil, Some(evil)),
            consent(evil, evil, evil, evil, &[evil.to_string()], true),
            need_admin(evil, evil, evil, &[evil.to_string()], evil),
            error_page(50011, evil, evil),
        ];
        for html in pages {
            assert!(!html.contains("<script>"), "{html}");
            assert!(!html.contains(evil), "{html}");
            assert!(html.contains("&lt;script&gt;"));
        }
    }

    #[test]
    fn fields_are_labelled() {
        let html = sign_in("/t/oauth2/v2.0/authorize", "x", "", None);
        for id in ["login", "passwd"] {
            assert!(html.contains(&format!("<label for=\"{id}\">")));
            assert!(html.contains(&format!("id=\"{id}\"")));
        }
        assert!(html.contains("lang=\"en\""));
        let problem = sign_in("/a", "x", "a@b", Some("wrong"));
        assert!(problem.contains("role=\"alert\""));
        assert!(problem.contains("aria-describedby=\"problem\""));
    }
}
