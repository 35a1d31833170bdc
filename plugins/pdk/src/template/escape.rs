//! How substituted values are written into a rendered template.
//!
//! Missing values and nulls print nothing. Booleans print as `true` / `false`,
//! lists and objects as JSON.
//! Values marked safe (the `|safe` and `|tojson` filters) print as they are,
//! except in a URL, where every value is data and is always encoded.
//! Everything else is escaped for the template's [`Escape`] mode; the template's
//! own literal text never is.

use std::borrow::Cow;
use std::fmt::{self, Write};

use minijinja::Value;
use minijinja::value::ValueKind;

/// How values substituted into a template are escaped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Escape {
    /// For Telegram's HTML mode: `&`, `<`, `>` and `"` become `&amp;`, `&lt;`,
    /// `&gt;` and `&quot;` (the only named entities Telegram knows).
    Html,
    /// For JSON bodies: values are written as the contents of a JSON string,
    /// without the quotes; numbers and booleans need no escaping and stay as is.
    Json,
    /// For a URL's path and query: every byte but RFC 3986's unreserved
    /// characters (`A-Z a-z 0-9 - . _ ~`) is percent-encoded, which keeps a value
    /// whole both as a path segment (`/` becomes `%2F`) and as a query value (`&`,
    /// `=`, `+` and `#` become `%26`, `%3D`, `%2B` and `%23`; a space `%20`).
    Url,
    /// Values are written as they are.
    None,
}

impl Escape {
    pub(crate) fn index(self) -> usize {
        match self {
            Escape::Html => 0,
            Escape::Json => 1,
            Escape::None => 2,
            Escape::Url => 3,
        }
    }
}

/// Writes `value` as the formatter of a template in mode `escape` does.
pub(crate) fn write_value(escape: Escape, out: &mut impl Write, value: &Value) -> fmt::Result {
    if value.is_undefined() || value.is_none() {
        return Ok(());
    }
    let text = plain_text(value);
    if value.is_safe() && escape != Escape::Url {
        return out.write_str(&text);
    }
    match escape {
        Escape::Html => write_html(out, &text),
        Escape::Json => write_json(out, &text),
        Escape::Url => write_url(out, &text),
        Escape::None => out.write_str(&text),
    }
}

/// The text of `value` before escaping.
fn plain_text(value: &Value) -> Cow<'_, str> {
    if let Some(text) = value.as_str() {
        return Cow::Borrowed(text);
    }
    match value.kind() {
        ValueKind::Bool => Cow::Borrowed(if value.is_true() { "true" } else { "false" }),
        ValueKind::Seq | ValueKind::Map | ValueKind::Iterable => {
            Cow::Owned(serde_json::to_string(value).unwrap_or_else(|_| value.to_string()))
        }
        _ => Cow::Owned(value.to_string()),
    }
}

/// Escapes `&`, `<`, `>` and `"` for Telegram's HTML parse mode.
pub fn html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    write_html(&mut out, text).expect("writing to a String cannot fail");
    out
}

fn write_html(out: &mut impl Write, text: &str) -> fmt::Result {
    let mut last = 0;
    for (i, byte) in text.bytes().enumerate() {
        let entity = match byte {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            _ => continue,
        };
        out.write_str(&text[last..i])?;
        out.write_str(entity)?;
        last = i + 1;
    }
    out.write_str(&text[last..])
}

fn write_json(out: &mut impl Write, text: &str) -> fmt::Result {
    let mut last = 0;
    for (i, byte) in text.bytes().enumerate() {
        let escaped: Cow<'static, str> = match byte {
            b'"' => "\\\"".into(),
            b'\\' => "\\\\".into(),
            b'\n' => "\\n".into(),
            b'\r' => "\\r".into(),
            b'\t' => "\\t".into(),
            0..=0x1f => format!("\\u{byte:04x}").into(),
            _ => continue,
        };
        out.write_str(&text[last..i])?;
        out.write_str(&escaped)?;
        last = i + 1;
    }
    out.write_str(&text[last..])
}

fn write_url(out: &mut impl Write, text: &str) -> fmt::Result {
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.write_char(char::from(byte))?;
        } else {
            write!(out, "%{byte:02X}")?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(escape: Escape, value: Value) -> String {
        let mut out = String::new();
        write_value(escape, &mut out, &value).unwrap();
        out
    }

    #[test]
    fn html_escapes_only_what_telegram_knows() {
        assert_eq!(
            html(r#"<script>alert('x')</script> & "q" 🍜"#),
            "&lt;script&gt;alert('x')&lt;/script&gt; &amp; &quot;q&quot; 🍜"
        );
    }

    #[test]
    fn json_mode_writes_string_contents_and_raw_numbers() {
        assert_eq!(
            written(Escape::Json, Value::from("a\"b\\c\nd\u{1}é")),
            r#"a\"b\\c\nd\u0001é"#
        );
        assert_eq!(written(Escape::Json, Value::from(10.5)), "10.5");
        assert_eq!(written(Escape::Json, Value::from(true)), "true");
    }

    #[test]
    fn nothing_for_missing_and_json_for_collections() {
        assert_eq!(written(Escape::None, Value::UNDEFINED), "");
        assert_eq!(written(Escape::Html, Value::from(())), "");
        let list = Value::from_serialize(serde_json::json!([1, {"a": "<"}]));
        assert_eq!(written(Escape::None, list.clone()), r#"[1,{"a":"<"}]"#);
        assert_eq!(
            written(Escape::Html, list),
            "[1,{&quot;a&quot;:&quot;&lt;&quot;}]"
        );
    }

    #[test]
    fn safe_values_are_not_escaped() {
        assert_eq!(
            written(Escape::Html, Value::from_safe_string("<b>".into())),
            "<b>"
        );
    }

    #[test]
    fn url_mode_encodes_all_but_unreserved_even_safe_values() {
        assert_eq!(
            written(Escape::Url, Value::from("Kopi & Teh/2 = 50% #1+é ~a_b.c-d")),
            "Kopi%20%26%20Teh%2F2%20%3D%2050%25%20%231%2B%C3%A9%20~a_b.c-d"
        );
        assert_eq!(written(Escape::Url, Value::from(10.5)), "10.5");
        assert_eq!(
            written(Escape::Url, Value::from_safe_string("a?b".into())),
            "a%3Fb"
        );
    }
}
