//! What the template preview shows: each request the plugin would send, and a
//! Telegram message as Telegram would show it. The message is escaped whole,
//! then only Telegram's own formatting tags are let through again (a link
//! shows as underlined text, never as a link), so nothing from the event or
//! the template can run on the page.

use serde::Serialize;
use serde_json::Value;

use crate::service::DryRun;

/// One request of the preview.
#[derive(Serialize)]
pub struct Request {
    /// `POST https://…` (secrets already masked by the dry run).
    pub line: String,
    /// The body, pretty when it is JSON.
    pub body: String,
    /// A Telegram message's text as Telegram would show it (safe HTML).
    pub telegram: Option<String>,
}

/// The preview of a dry run: its requests, or why there are none.
#[derive(Serialize)]
pub struct Preview {
    /// `send`, `skip` or `error`.
    pub outcome: &'static str,
    /// The requests it would send.
    pub requests: Vec<Request>,
    /// The skip reason or the error's message (a template error names its line).
    pub message: Option<String>,
    /// The plugin's log lines.
    pub logs: Vec<String>,
}

impl Preview {
    /// The page's view of `run`.
    pub fn of(run: &DryRun) -> Self {
        let requests = run
            .action
            .as_ref()
            .and_then(|a| a.get("send"))
            .and_then(Value::as_array)
            .map(|sent| sent.iter().map(request).collect())
            .unwrap_or_default();
        let message = run
            .error
            .as_ref()
            .and_then(|e| e.get("message"))
            .or_else(|| run.action.as_ref().and_then(|a| a.get("skip")))
            .map(|m| m.as_str().map_or_else(|| m.to_string(), str::to_string));
        Self {
            outcome: run.outcome,
            requests,
            message,
            logs: run
                .logs
                .iter()
                .map(|l| l["message"].as_str().unwrap_or("").to_string())
                .collect(),
        }
    }
}

fn request(sent: &Value) -> Request {
    let body_text = sent["body"].as_str().unwrap_or("");
    let json: Option<Value> = serde_json::from_str(body_text).ok();
    let telegram = json
        .as_ref()
        .filter(|_| {
            sent["url"]
                .as_str()
                .is_some_and(|u| u.contains("/sendMessage"))
        })
        .and_then(|b| b["text"].as_str())
        .map(telegram_html);
    Request {
        line: format!(
            "{} {}",
            sent["method"].as_str().unwrap_or(""),
            sent["url"].as_str().unwrap_or("")
        ),
        body: json
            .and_then(|v| serde_json::to_string_pretty(&v).ok())
            .unwrap_or_else(|| body_text.to_string()),
        telegram,
    }
}

/// Telegram HTML as safe HTML: everything escaped, then `<b>`, `<i>`, `<u>`,
/// `<s>`, `<code>`, `<pre>` (and their `<strong>`, `<em>`, `<ins>`, `<del>`
/// spellings) restored; `<a href=…>` becomes `<u>`; newlines become `<br>`.
pub fn telegram_html(text: &str) -> String {
    let escaped = text
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;");
    let mut out = escaped;
    for (tag, shown) in [
        ("b", "b"),
        ("strong", "b"),
        ("i", "i"),
        ("em", "i"),
        ("u", "u"),
        ("ins", "u"),
        ("s", "s"),
        ("strike", "s"),
        ("del", "s"),
        ("code", "code"),
        ("pre", "pre"),
        ("a", "u"),
    ] {
        out = out
            .replace(&format!("&lt;{tag}&gt;"), &format!("<{shown}>"))
            .replace(&format!("&lt;/{tag}&gt;"), &format!("</{shown}>"));
    }
    // `<a href="…">` (escaped above): the opening tag becomes `<u>`.
    while let Some(start) = out.find("&lt;a href=") {
        let Some(end) = out[start..].find("&gt;") else {
            break;
        };
        out.replace_range(start..start + end + 4, "<u>");
    }
    out.replace('\n', "<br>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn telegrams_tags_show_and_nothing_else_does() {
        let shown = telegram_html(
            "<b>Pesanan</b> <a href=\"https://x.test\">baru</a>\n<script>alert(1)</script> <img src=x onerror=alert(1)>",
        );
        assert_eq!(
            shown,
            "<b>Pesanan</b> <u>baru</u><br>&lt;script&gt;alert(1)&lt;/script&gt; &lt;img src=x onerror=alert(1)&gt;"
        );
        assert_eq!(
            telegram_html("<a href=\"x\" onclick=\"y\">z</a>"),
            "<u>z</u>"
        );
    }
}
