//! A rendered value as a cell that Sheets types as intended under
//! `valueInputOption=USER_ENTERED`, where Sheets reads each string as if the
//! merchant had typed it.
//!
//! - A number (a single `{{ expr }}` giving a number) is sent as a JSON number.
//! - A date-time in RFC 3339 (`2024-03-08T21:13:05+08:00`, as the platform sends
//!   `completed_at`) is written `2024-03-08 21:13:05` in its own offset, and text
//!   already in that form (`YYYY-MM-DD`, `YYYY-MM-DD HH:MM`, `YYYY-MM-DD HH:MM:SS`),
//!   so Sheets stores a date whatever the spreadsheet's locale.
//! - Any other text gets a leading `'`, which Sheets hides: the cell shows the
//!   text exactly as rendered. Customer text such as `=HYPERLINK(…)`, `+1`, `-1`
//!   or `@x` is never run as a formula, and a phone, postcode or SKU made of
//!   digits (`0123456789`, `01000`) keeps its leading zeros instead of becoming a
//!   number.

use chrono::{DateTime, NaiveDate, NaiveDateTime};
use serde_json::Value;

/// The cell for a rendered value.
pub fn cell(value: Value) -> Value {
    let Value::String(text) = value else {
        return value;
    };
    if text.is_empty() || is_date(&text) {
        return Value::String(text);
    }
    if let Some(local) = rfc3339_local(&text) {
        return Value::String(local);
    }
    Value::String(format!("'{text}"))
}

/// `YYYY-MM-DD`, `YYYY-MM-DD HH:MM` or `YYYY-MM-DD HH:MM:SS`, a real date.
fn is_date(text: &str) -> bool {
    let shaped = |len: usize| text.len() == len && text.bytes().take(4).all(|b| b.is_ascii_digit());
    (shaped(10) && NaiveDate::parse_from_str(text, "%Y-%m-%d").is_ok())
        || (shaped(16) && NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").is_ok())
        || (shaped(19) && NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S").is_ok())
}

/// An RFC 3339 date-time as `YYYY-MM-DD HH:MM:SS` in its own offset.
fn rfc3339_local(text: &str) -> Option<String> {
    let shaped = text.len() >= 20
        && text
            .as_bytes()
            .get(10)
            .is_some_and(|b| matches!(b, b'T' | b't' | b' '));
    if !shaped {
        return None;
    }
    let time = DateTime::parse_from_rfc3339(text).ok()?;
    Some(time.format("%Y-%m-%d %H:%M:%S").to_string())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn formulas_stay_text_with_the_hidden_quote() {
        for text in [
            "=HYPERLINK(\"http://evil\")",
            "+1",
            "-1",
            "@x",
            "\t=1",
            "'quoted",
        ] {
            assert_eq!(cell(json!(text)), json!(format!("'{text}")), "{text}");
        }
    }

    #[test]
    fn digits_and_words_stay_text_numbers_stay_numbers() {
        assert_eq!(cell(json!("0123456789")), json!("'0123456789"));
        assert_eq!(cell(json!("TRUE")), json!("'TRUE"));
        assert_eq!(cell(json!("3/4")), json!("'3/4"));
        assert_eq!(cell(json!("Abu")), json!("'Abu"));
        assert_eq!(cell(json!(10.5)), json!(10.5));
        assert_eq!(cell(json!("")), json!(""));
    }

    #[test]
    fn dates_are_written_as_sheets_reads_them() {
        assert_eq!(
            cell(json!("2026-11-30T10:15:00+08:00")),
            json!("2026-11-30 10:15:00")
        );
        assert_eq!(
            cell(json!("2026-11-30T02:15:00.250Z")),
            json!("2026-11-30 02:15:00")
        );
        for text in ["2026-11-30", "2026-11-30 10:15", "2026-11-30 10:15:00"] {
            assert_eq!(cell(json!(text)), json!(text));
        }
        assert_eq!(cell(json!("2026-13-30")), json!("'2026-13-30"));
        assert_eq!(cell(json!("2026-11-30T10:15")), json!("'2026-11-30T10:15"));
    }
}
