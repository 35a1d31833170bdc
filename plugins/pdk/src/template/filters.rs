//! The filters Kait adds to minijinja's built-ins: `money`, `date` and `pluck`.
//!
//! Filters are forgiving about data, since the data comes from shops and the
//! template from merchants: a missing value gives an empty result and a value of
//! the wrong kind is passed through unchanged. Only a mistake in the template
//! itself (an invalid date format) is an error.

use std::fmt::Write as _;

use chrono::DateTime;
use chrono::format::{Item, StrftimeItems};
use minijinja::value::ValueKind;
use minijinja::{Error, ErrorKind, State, Value};

/// The format `date` uses without an argument, e.g. `03/03/2021 22:58`.
pub const DEFAULT_DATE_FORMAT: &str = "%d/%m/%Y %H:%M";

/// The currency assumed when neither the filter nor the checkout names one.
const DEFAULT_CURRENCY: &str = "MYR";

/// `{{ amount|money }}` / `{{ amount|money("USD") }}`: `RM 1,234.50`, `USD 10.00`.
///
/// The currency is the argument, else `checkout.currency`, else MYR; MYR shows as
/// "RM", any other currency as its code. Amounts are rounded half-up to two
/// decimals on their decimal digits, so `1.005` gives `1.01`.
pub(crate) fn money(state: &State, value: Value, currency: Option<Value>) -> Value {
    if value.is_undefined() || value.is_none() {
        return Value::UNDEFINED;
    }
    let Some(decimal) = decimal_text(&value) else {
        return value;
    };
    let code = currency
        .and_then(non_empty_string)
        .or_else(|| {
            state
                .lookup("checkout")
                .and_then(|checkout| checkout.get_attr("currency").ok())
                .and_then(non_empty_string)
        })
        .unwrap_or_else(|| DEFAULT_CURRENCY.to_owned());
    let symbol = if code.eq_ignore_ascii_case("MYR") {
        "RM"
    } else {
        code.as_str()
    };
    Value::from(format_money(symbol, &decimal))
}

fn non_empty_string(value: Value) -> Option<String> {
    value
        .as_str()
        .map(str::trim)
        .filter(|text| !text.is_empty())
        .map(str::to_owned)
}

/// The value as plain decimal text (`-12.5`), if it is a number or a numeric string.
fn decimal_text(value: &Value) -> Option<String> {
    if value.is_integer() {
        return Some(value.to_string());
    }
    if value.is_number() {
        // Rust prints the shortest text that reads back as the same f64, and never
        // in exponent form, so 10.05 stays "10.05".
        let float = f64::try_from(value.clone())
            .ok()
            .filter(|f| f.is_finite())?;
        return Some(format!("{float}"));
    }
    let text = value.as_str()?.trim();
    let digits = text.strip_prefix('-').unwrap_or(text);
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let numeric = !int.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit());
    numeric.then(|| text.to_owned())
}

/// `symbol` and the amount rounded to cents with thousands separators.
fn format_money(symbol: &str, decimal: &str) -> String {
    let (negative, unsigned) = match decimal.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, decimal),
    };
    let (int, frac) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let mut digits: Vec<u8> = int.bytes().collect();
    let frac = frac.as_bytes();
    digits.extend((0..2).map(|i| frac.get(i).copied().unwrap_or(b'0')));
    if frac.get(2).is_some_and(|&d| d >= b'5') {
        round_up(&mut digits);
    }
    let (int, cents) = digits.split_at(digits.len() - 2);
    let first = int.iter().position(|&d| d != b'0').unwrap_or(int.len());
    let int = if first == int.len() {
        &b"0"[..]
    } else {
        &int[first..]
    };
    let zero = int == b"0" && cents == b"00";

    let mut out = String::with_capacity(symbol.len() + int.len() * 4 / 3 + 6);
    if negative && !zero {
        out.push('-');
    }
    out.push_str(symbol);
    out.push(' ');
    for (i, &digit) in int.iter().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(char::from(digit));
    }
    out.push('.');
    out.extend(cents.iter().map(|&d| char::from(d)));
    out
}

fn round_up(digits: &mut Vec<u8>) {
    for digit in digits.iter_mut().rev() {
        if *digit == b'9' {
            *digit = b'0';
        } else {
            *digit += 1;
            return;
        }
    }
    digits.insert(0, b'1');
}

/// `{{ checkout.completed_at|date("%d %b %Y") }}`: formats an RFC 3339 date-time
/// in its own offset (the shop's), with strftime syntax.
///
/// A value that is not an RFC 3339 date-time is returned unchanged.
pub(crate) fn date(value: Value, format: Option<&str>) -> Result<Value, Error> {
    if value.is_undefined() || value.is_none() {
        return Ok(Value::UNDEFINED);
    }
    let Some(Ok(when)) = value
        .as_str()
        .map(|text| DateTime::parse_from_rfc3339(text.trim()))
    else {
        return Ok(value);
    };
    let format = format.unwrap_or(DEFAULT_DATE_FORMAT);
    let items: Vec<Item<'_>> = StrftimeItems::new(format).collect();
    let invalid = || {
        Error::new(
            ErrorKind::InvalidOperation,
            format!("date: invalid format {format:?}"),
        )
    };
    if items.iter().any(|item| matches!(item, Item::Error)) {
        return Err(invalid());
    }
    let mut out = String::new();
    write!(out, "{}", when.format_with_items(items.iter())).map_err(|_| invalid())?;
    Ok(Value::from(out))
}

/// `{{ checkout.items|pluck("product.name") }}`: the value at `path` in every
/// element of a list, as a list; a `[]` segment flattens a nested list
/// (`"options[].name"`). Missing values become empty strings, so lists plucked
/// from the same items stay aligned.
pub(crate) fn pluck(value: Value, path: &str) -> Value {
    let mut current = elements(&value);
    for part in path.split('.').filter(|part| !part.is_empty()) {
        let name = part.trim_end_matches("[]");
        if !name.is_empty() {
            current = current
                .iter()
                .map(|v| v.get_attr(name).unwrap_or(Value::UNDEFINED))
                .collect();
        }
        for _ in 0..(part.len() - name.len()) / 2 {
            current = current.iter().flat_map(elements).collect();
        }
    }
    current
        .into_iter()
        .map(|v| {
            if v.is_undefined() || v.is_none() {
                Value::from("")
            } else {
                v
            }
        })
        .collect()
}

/// A list's elements; a single value counts as a list of one, nothing as none.
fn elements(value: &Value) -> Vec<Value> {
    match value.kind() {
        ValueKind::Undefined | ValueKind::None => Vec::new(),
        ValueKind::Seq | ValueKind::Iterable => {
            value.try_iter().map(Iterator::collect).unwrap_or_default()
        }
        _ => vec![value.clone()],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_rounds_half_up_and_groups_thousands() {
        let cases = [
            ("10", "RM 10.00"),
            ("0", "RM 0.00"),
            ("1234567.891", "RM 1,234,567.89"),
            ("999.995", "RM 1,000.00"),
            ("1.005", "RM 1.01"),
            ("-5.5", "-RM 5.50"),
            ("-0.001", "RM 0.00"),
            ("007.1", "RM 7.10"),
            ("123", "RM 123.00"),
            ("123456", "RM 123,456.00"),
        ];
        for (decimal, expected) in cases {
            assert_eq!(format_money("RM", decimal), expected, "{decimal}");
        }
    }

    #[test]
    fn decimal_text_reads_numbers_and_numeric_strings() {
        assert_eq!(decimal_text(&Value::from(10)).as_deref(), Some("10"));
        assert_eq!(decimal_text(&Value::from(10.05)).as_deref(), Some("10.05"));
        assert_eq!(
            decimal_text(&Value::from(1e20)).as_deref(),
            Some("100000000000000000000")
        );
        assert_eq!(
            decimal_text(&Value::from(" 12.50 ")).as_deref(),
            Some("12.50")
        );
        assert_eq!(decimal_text(&Value::from("12abc")), None);
        assert_eq!(decimal_text(&Value::from(".5")), None);
        assert_eq!(decimal_text(&Value::from(true)), None);
    }

    #[test]
    fn pluck_walks_paths_and_flattens() {
        let items = Value::from_serialize(serde_json::json!([
            {"product": {"name": "A"}, "options": [{"n": 1}, {"n": 2}]},
            {"product": {}, "options": [{"n": 3}]},
        ]));
        assert_eq!(
            pluck(items.clone(), "product.name").to_string(),
            r#"["A", ""]"#
        );
        assert_eq!(pluck(items, "options[].n").to_string(), "[1, 2, 3]");
        assert_eq!(pluck(Value::UNDEFINED, "x").to_string(), "[]");
    }
}
