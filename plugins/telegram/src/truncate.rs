//! Cutting a message to Telegram's length limit without breaking its HTML.
//!
//! Telegram counts a message's length after parsing entities: tags count nothing,
//! an entity such as `&amp;` counts one, and every other character counts one.
//! A message over the limit is cut after a whole character or entity (never
//! inside a tag, an entity or a UTF-8 sequence), "…" is appended, and the tags
//! still open at the cut are closed, innermost first.

use std::borrow::Cow;

/// Telegram's limit for a message's text, in characters after entity parsing.
pub const LIMIT: usize = 4096;

/// The ellipsis appended to a cut message.
const ELLIPSIS: &str = "…";

/// `html` cut to at most `limit` characters as Telegram counts them.
pub fn truncate(html: &str, limit: usize) -> Cow<'_, str> {
    // Every visible character is at least one byte: a text of at most `limit`
    // bytes fits without counting.
    if html.len() <= limit || visible_len(html) <= limit {
        return Cow::Borrowed(html);
    }
    let budget = limit.saturating_sub(1);
    let mut open: Vec<&str> = Vec::new();
    let mut open_at_cut: Vec<&str> = Vec::new();
    let mut cut = 0;
    let mut count = 0;
    for token in Tokens::new(html) {
        match token.kind {
            Kind::Visible => {
                if count == budget {
                    break;
                }
                count += 1;
                cut = token.end;
                open_at_cut.clone_from(&open);
            }
            Kind::Open(name) => open.push(name),
            Kind::Close(name) => {
                if let Some(at) = open.iter().rposition(|&tag| tag.eq_ignore_ascii_case(name)) {
                    open.truncate(at);
                }
            }
            Kind::SelfClosing => {}
        }
    }
    let mut out = String::with_capacity(cut + 64);
    out.push_str(html[..cut].trim_end());
    out.push_str(ELLIPSIS);
    for name in open_at_cut.iter().rev() {
        out.push_str("</");
        out.push_str(name);
        out.push('>');
    }
    Cow::Owned(out)
}

/// The length of `html` as Telegram counts it.
pub fn visible_len(html: &str) -> usize {
    Tokens::new(html)
        .filter(|token| matches!(token.kind, Kind::Visible))
        .count()
}

#[derive(Debug)]
enum Kind<'a> {
    /// A character or an entity.
    Visible,
    Open(&'a str),
    Close(&'a str),
    SelfClosing,
}

struct Token<'a> {
    kind: Kind<'a>,
    end: usize,
}

struct Tokens<'a> {
    html: &'a str,
    at: usize,
}

impl<'a> Tokens<'a> {
    fn new(html: &'a str) -> Self {
        Tokens { html, at: 0 }
    }
}

impl<'a> Iterator for Tokens<'a> {
    type Item = Token<'a>;

    fn next(&mut self) -> Option<Token<'a>> {
        let rest = &self.html[self.at..];
        let first = rest.chars().next()?;
        let (kind, len) = match first {
            '<' => tag(rest).unwrap_or((Kind::Visible, 1)),
            '&' => (Kind::Visible, entity_len(rest).unwrap_or(1)),
            other => (Kind::Visible, other.len_utf8()),
        };
        self.at += len;
        Some(Token { kind, end: self.at })
    }
}

/// The tag at the start of `text` (which starts with `<`) and its length.
fn tag(text: &str) -> Option<(Kind<'_>, usize)> {
    let len = text.find('>')? + 1;
    let inner = &text[1..len - 1];
    let (closing, inner) = match inner.strip_prefix('/') {
        Some(rest) => (true, rest),
        None => (false, inner),
    };
    let name_len = inner
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .unwrap_or(inner.len());
    let name = &inner[..name_len];
    if name.is_empty() {
        return None;
    }
    let kind = if closing {
        Kind::Close(name)
    } else if inner.ends_with('/') {
        Kind::SelfClosing
    } else {
        Kind::Open(name)
    };
    Some((kind, len))
}

/// The length of the entity (`&amp;`, `&#38;`, `&#x26;`) at the start of `text`.
fn entity_len(text: &str) -> Option<usize> {
    let end = text.get(..12).unwrap_or(text).find(';')?;
    let body = &text[1..end];
    let valid = if let Some(hex) = body.strip_prefix("#x").or_else(|| body.strip_prefix("#X")) {
        !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit())
    } else if let Some(decimal) = body.strip_prefix('#') {
        !decimal.is_empty() && decimal.bytes().all(|b| b.is_ascii_digit())
    } else {
        !body.is_empty() && body.bytes().all(|b| b.is_ascii_alphabetic())
    };
    valid.then_some(end + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_like_telegram() {
        assert_eq!(visible_len("<b>a&amp;b</b>"), 3);
        assert_eq!(visible_len("🍜é\n"), 3);
        assert_eq!(
            visible_len(r#"<a href="https://x.test/?a=1&amp;b=2">x</a>"#),
            1
        );
        assert_eq!(visible_len("a & b < c"), 9);
    }

    #[test]
    fn short_messages_are_untouched() {
        let text = "<b>x</b>".repeat(LIMIT);
        assert_eq!(visible_len(&text), LIMIT);
        assert!(matches!(truncate(&text, LIMIT), Cow::Borrowed(_)));
    }

    #[test]
    fn long_plain_text_is_cut_with_an_ellipsis() {
        let text = "a".repeat(LIMIT + 1);
        let cut = truncate(&text, LIMIT);
        assert_eq!(visible_len(&cut), LIMIT);
        assert!(cut.ends_with("a…"));
    }

    #[test]
    fn never_cuts_inside_an_entity() {
        for pad in 0..6 {
            let text = format!("{}{}", "x".repeat(LIMIT - 3 + pad), "&amp;".repeat(10));
            let cut = truncate(&text, LIMIT);
            assert_eq!(visible_len(&cut), LIMIT, "pad {pad}");
            let before = cut.strip_suffix(ELLIPSIS).unwrap();
            assert!(
                before.ends_with('x') || before.ends_with("&amp;"),
                "pad {pad}: {before:?}"
            );
        }
    }

    #[test]
    fn never_cuts_inside_a_multibyte_character() {
        let text = "🍜".repeat(LIMIT + 10);
        let cut = truncate(&text, LIMIT);
        assert_eq!(cut.chars().count(), LIMIT);
        assert_eq!(cut.chars().filter(|&c| c == '🍜').count(), LIMIT - 1);
    }

    #[test]
    fn closes_tags_left_open() {
        let text = format!(
            "<b>Order</b>\n<i>{}<a href=\"https://x.test\">link</a></i>",
            "y".repeat(LIMIT)
        );
        let cut = truncate(&text, LIMIT);
        assert_eq!(visible_len(&cut), LIMIT);
        assert!(cut.ends_with("y…</i>"), "{}", &cut[cut.len() - 20..]);
        assert!(cut.starts_with("<b>Order</b>\n<i>"));

        let text = format!(
            "<pre><code class=\"language-rust\">{}</code></pre>",
            "z".repeat(LIMIT * 2)
        );
        let cut = truncate(&text, LIMIT);
        assert!(
            cut.ends_with("z…</code></pre>"),
            "{}",
            &cut[cut.len() - 20..]
        );
    }

    #[test]
    fn never_cuts_inside_a_tag() {
        let text = format!(
            "{}<a href=\"https://x.test/{}\">more</a>",
            "w".repeat(LIMIT - 2),
            "p".repeat(50)
        );
        let cut = truncate(&text, LIMIT);
        assert_eq!(visible_len(&cut), LIMIT);
        assert!(cut.ends_with(">m…</a>"), "{}", &cut[cut.len() - 20..]);
    }
}
