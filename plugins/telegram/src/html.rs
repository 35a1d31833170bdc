//! What Telegram's `parse_mode=HTML` accepts, checked before a template is saved.
//!
//! Telegram refuses a whole message whose markup it cannot parse ("can't parse
//! entities"), so a template with such markup would fail on every event. This
//! checks a rendered message against Telegram's documented tags: `b`, `strong`,
//! `i`, `em`, `u`, `ins`, `s`, `strike`, `del`, `span class="tg-spoiler"`,
//! `tg-spoiler`, `a href`, `tg-emoji emoji-id`, `code`, `pre`, `code
//! class="language-…"` directly inside `pre`, and `blockquote` (optionally
//! `expandable`), each closed in order. A `<` that does not start one of them
//! must be written `&lt;`. Values a template inserts are escaped already, so
//! what this finds is the template's own markup.

/// The tags Telegram knows, as the refusal lists them.
const KNOWN: &str = "b, strong, i, em, u, ins, s, strike, del, span class=\"tg-spoiler\", \
    tg-spoiler, a href=\"…\", tg-emoji emoji-id=\"…\", code, pre, blockquote";

/// Checks `html`; the error says what Telegram would refuse and why.
pub fn check(html: &str) -> Result<(), String> {
    let mut open: Vec<String> = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find('<') {
        let after = &rest[at + 1..];
        let Some(end) = tag_end(after) else {
            return Err(format!(
                "{:?} is not a tag; write a < that is text as &lt;",
                excerpt(&rest[at..])
            ));
        };
        let inner = &after[..end];
        let whole = &rest[at..at + end + 2];
        rest = &after[end + 1..];
        if let Some(name) = inner.strip_prefix('/') {
            close(&mut open, name.trim(), whole)?;
        } else {
            let tag = Tag::parse(inner)
                .ok_or_else(|| format!("{whole:?} is not a tag; write a < that is text as &lt;"))?;
            tag.check(open.last().map(String::as_str), whole)?;
            open.push(tag.name);
        }
    }
    match open.last() {
        Some(name) => Err(format!("<{name}> is never closed; add </{name}>")),
        None => Ok(()),
    }
}

fn close(open: &mut Vec<String>, name: &str, whole: &str) -> Result<(), String> {
    let name = name.to_ascii_lowercase();
    match open.pop() {
        Some(last) if last == name => Ok(()),
        Some(last) => Err(format!(
            "{whole} closes a tag that is not the last one opened: expected </{last}>"
        )),
        None => Err(format!("{whole} closes a tag that was never opened")),
    }
}

/// An opening tag: its lowercase name and attributes (lowercase names, values
/// without their quotes).
struct Tag {
    name: String,
    attributes: Vec<(String, Option<String>)>,
}

impl Tag {
    fn parse(inner: &str) -> Option<Tag> {
        let name_len = inner
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
            .unwrap_or(inner.len());
        if name_len == 0 {
            return None;
        }
        let name = inner[..name_len].to_ascii_lowercase();
        let mut attributes = Vec::new();
        let mut rest = inner[name_len..].trim_start();
        while !rest.is_empty() {
            let key_len = rest
                .find(|c: char| c.is_whitespace() || c == '=' || c == '/')
                .unwrap_or(rest.len());
            if key_len == 0 {
                // A stray `/` (as in `<br/>`) or `=`: not Telegram's markup.
                attributes.push((rest[..1].to_owned(), None));
                rest = rest[1..].trim_start();
                continue;
            }
            let key = rest[..key_len].to_ascii_lowercase();
            rest = rest[key_len..].trim_start();
            let value = match rest.strip_prefix('=') {
                Some(after) => {
                    let after = after.trim_start();
                    let (value, left) = match after.chars().next() {
                        Some(quote @ ('"' | '\'')) => {
                            let close = after[1..].find(quote)? + 1;
                            (&after[1..close], &after[close + 1..])
                        }
                        _ => {
                            let len = after.find(char::is_whitespace).unwrap_or(after.len());
                            (&after[..len], &after[len..])
                        }
                    };
                    rest = left.trim_start();
                    Some(value.to_owned())
                }
                None => None,
            };
            attributes.push((key, value));
        }
        Some(Tag { name, attributes })
    }

    /// Whether Telegram accepts this tag here (`parent` is the innermost open tag).
    fn check(&self, parent: Option<&str>, whole: &str) -> Result<(), String> {
        let allowed: &[&str] = match self.name.as_str() {
            "b" | "strong" | "i" | "em" | "u" | "ins" | "s" | "strike" | "del" | "tg-spoiler"
            | "pre" => &[],
            "span" => &["class"],
            "a" => &["href"],
            "tg-emoji" => &["emoji-id"],
            "code" => &["class"],
            "blockquote" => &["expandable"],
            _ => {
                return Err(format!(
                    "<{}> is not one of Telegram's tags ({KNOWN}); write a < that is text as &lt;",
                    self.name
                ));
            }
        };
        if let Some((key, _)) = self
            .attributes
            .iter()
            .find(|(k, _)| !allowed.contains(&k.as_str()))
        {
            return Err(format!(
                "{whole}: Telegram's <{}> takes no {key:?} attribute (its tags: {KNOWN})",
                self.name
            ));
        }
        let value = |key: &str| {
            self.attributes
                .iter()
                .find(|(k, _)| k == key)
                .and_then(|(_, v)| v.as_deref())
        };
        match self.name.as_str() {
            "span" if value("class") != Some("tg-spoiler") => Err(format!(
                "{whole}: Telegram accepts <span> only as <span class=\"tg-spoiler\">"
            )),
            "a" if value("href").is_none_or(|href| href.trim().is_empty()) => {
                Err(format!("{whole}: a link needs href=\"…\""))
            }
            "tg-emoji" if value("emoji-id").is_none_or(|id| id.trim().is_empty()) => {
                Err(format!("{whole}: <tg-emoji> needs emoji-id=\"…\""))
            }
            "code" if self.attributes.iter().any(|(k, _)| k == "class") => {
                let language = value("class").is_some_and(|class| {
                    class
                        .strip_prefix("language-")
                        .is_some_and(|lang| !lang.is_empty())
                });
                if parent == Some("pre") && language {
                    Ok(())
                } else {
                    Err(format!(
                        "{whole}: class=\"language-…\" is only for <code> directly inside <pre>"
                    ))
                }
            }
            "blockquote" if value("expandable").is_some() => Err(format!(
                "{whole}: write expandable without a value: <blockquote expandable>"
            )),
            _ => Ok(()),
        }
    }
}

/// Where the tag starting before `text` ends: its first `>` outside quotes.
fn tag_end(text: &str) -> Option<usize> {
    let mut quote = None;
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (None, '>') => return Some(i),
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if q == c => quote = None,
            _ => {}
        }
    }
    None
}

/// The first few characters of `text`, for an error.
fn excerpt(text: &str) -> String {
    text.chars().take(20).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn telegrams_tags_are_accepted() {
        let html = "<b>b</b><strong>s</strong><i>i</i><em>e</em><u>u</u><ins>n</ins>\
            <s>s</s><strike>k</strike><del>d</del><span class=\"tg-spoiler\">p</span>\
            <tg-spoiler>t</tg-spoiler><a href=\"https://x.test/?a=1&amp;b=2\">a</a>\
            <tg-emoji emoji-id=\"5368324170671202286\">👍</tg-emoji><code>c</code><pre>p</pre>\
            <pre><code class=\"language-python\">x</code></pre><blockquote>q</blockquote>\
            <blockquote expandable>q</blockquote><B>upper</B><a href='x'>single</a>\
            <b>bold <i>italic <u>under</u></i></b> a & b > c &amp; &lt;";
        assert_eq!(check(html), Ok(()));
    }

    #[test]
    fn other_markup_is_refused_with_the_reason() {
        let refused = |html: &str| check(html).unwrap_err();
        assert!(refused("<div>x</div>").starts_with("<div> is not one of Telegram's tags"));
        assert!(refused("line<br/>break").starts_with("<br> is not one of Telegram's tags"));
        assert!(refused("<p>x</p>").contains("write a < that is text as &lt;"));
        assert!(refused("1 < 2 > 0").starts_with("\"< 2 >\" is not a tag"));
        assert_eq!(check("<a href=\"https://x.test/?q=a>b\">x</a>"), Ok(()));
        assert!(refused("a <b").starts_with("\"<b\" is not a tag"));
        assert_eq!(refused("<b>x"), "<b> is never closed; add </b>");
        assert_eq!(
            refused("<b><i>x</b></i>"),
            "</b> closes a tag that is not the last one opened: expected </i>"
        );
        assert_eq!(refused("x</b>"), "</b> closes a tag that was never opened");
        assert!(refused("<span>x</span>").contains("only as <span class=\"tg-spoiler\">"));
        assert!(refused("<a>x</a>").contains("a link needs href"));
        assert!(refused("<tg-emoji>x</tg-emoji>").contains("needs emoji-id"));
        assert!(refused("<b class=\"x\">x</b>").contains("takes no \"class\" attribute"));
        assert!(refused("<a href=\"x\" onclick=\"y\">x</a>").contains("no \"onclick\""));
        assert!(
            refused("<code class=\"language-rust\">x</code>").contains("directly inside <pre>")
        );
        assert!(refused("<pre><code class=\"rust\">x</code></pre>").contains("directly inside"));
        assert!(refused("<blockquote expandable=\"1\">q</blockquote>").contains("without a value"));
    }
}
