//! # kait-sheets: a Google Sheets row per order or per item
//!
//! The built-in plugin behind the help page's second use case. For each event it
//! renders every column's template, one row per order (or per item, with `item` in
//! the templates), and asks the host to append the rows as the merchant's service
//! account:
//!
//! ```text
//! POST https://sheets.googleapis.com/v4/spreadsheets/<id>/values/<sheet>!A1:append?valueInputOption=RAW&insertDataOption=INSERT_ROWS
//! content-type: application/json
//! auth: Google service account, scope https://www.googleapis.com/auth/spreadsheets
//!
//! {"values": [[...], ...]}
//! ```
//!
//! A cell whose template is a single `{{ expr }}` giving a number is a JSON number;
//! every other cell is text, and text that a spreadsheet would run as a formula
//! (starting with `=`, `+`, `-` or `@`) gets a leading `'`.

pub mod columns;
pub mod config;

use kait_pdk::event::Payload;
use kait_pdk::template::Context;
use kait_pdk::{Action, Auth, Event, PluginError, PluginInfo, request};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Value, json};

use config::{Config, RowPer};

/// Everything but RFC 3986's unreserved characters is encoded in the path.
const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// What the plugin says about itself, with its configuration schema.
pub fn info() -> PluginInfo {
    PluginInfo {
        name: "sheets".to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        description: "Appends a row per order, or per item, to a Google Sheets spreadsheet."
            .to_owned(),
        config_schema: config::schema().to_string(),
    }
}

/// Checks a configuration, naming the field at fault.
pub fn validate_config(config: &str) -> Result<(), PluginError> {
    Config::parse(config).map(drop)
}

/// The `values:append` request for `event`, or a skip when one row per item is
/// configured and the checkout has no items.
pub fn transform(event: &Event, config: &str) -> Result<Action, PluginError> {
    let config = kait_pdk::config::cached(config, Config::parse)?;
    let payload = Payload::parse(event)?;
    payload.require_checkout()?;
    let context = Context::new(event, &payload);
    let rows = match config.row_per {
        RowPer::Order => vec![row(&config, &context)?],
        RowPer::Item => (0..payload.item_count())
            .map(|index| row(&config, &context.with_item(index)))
            .collect::<Result<Vec<_>, _>>()?,
    };
    if rows.is_empty() {
        return Ok(Action::Skip("the checkout has no items".to_owned()));
    }
    let url = append_url(&config.spreadsheet_id, &config.sheet);
    let auth = Auth::GoogleServiceAccount(config.google_credentials());
    let body = json!({ "values": rows });
    Ok(Action::Send(vec![request::json(
        "POST",
        url,
        &body,
        Some(auth),
    )?]))
}

fn row(config: &Config, context: &Context) -> Result<Vec<Value>, PluginError> {
    config
        .columns
        .iter()
        .map(|column| column.value.render_value(context).map(neutralise_formula))
        .collect()
}

/// Text starting with `=`, `+`, `-` or `@` (or a tab or carriage return, which
/// some spreadsheets skip before reading a formula) gets a leading `'`, so neither
/// the sheet nor a CSV export of it runs customer-typed text as a formula.
pub fn neutralise_formula(cell: Value) -> Value {
    match cell {
        Value::String(text) if text.starts_with(['=', '+', '-', '@', '\t', '\r']) => {
            Value::String(format!("'{text}"))
        }
        other => other,
    }
}

/// The append URL; the tab name is quoted as A1 notation needs, then encoded.
pub fn append_url(spreadsheet_id: &str, sheet: &str) -> String {
    let range = a1_sheet_name(sheet);
    format!(
        "https://sheets.googleapis.com/v4/spreadsheets/{spreadsheet_id}/values/{}!A1:append?valueInputOption=RAW&insertDataOption=INSERT_ROWS",
        utf8_percent_encode(&range, PATH_SEGMENT)
    )
}

/// A tab name as A1 notation writes it: plain names (`Sheet1`, `Jualan`) as they
/// are, others (spaces, symbols, or names that read as a cell like `Q1`) in single
/// quotes with inner quotes doubled.
fn a1_sheet_name(sheet: &str) -> std::borrow::Cow<'_, str> {
    let plain = sheet.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && sheet
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && !reads_as_cell(sheet);
    if plain {
        sheet.into()
    } else {
        format!("'{}'", sheet.replace('\'', "''")).into()
    }
}

/// `A1`, `XFD1048576` or `R1C1`-style names would be read as cell references.
fn reads_as_cell(name: &str) -> bool {
    let letters = name.bytes().take_while(u8::is_ascii_alphabetic).count();
    let rest = &name[letters..];
    let a1 =
        (1..=3).contains(&letters) && !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit());
    let r1c1 = name
        .to_ascii_uppercase()
        .strip_prefix('R')
        .and_then(|rest| {
            let (row, col) = rest.split_once('C')?;
            Some(row.bytes().chain(col.bytes()).all(|b| b.is_ascii_digit()))
        })
        .unwrap_or(false);
    a1 || r1c1
}

kait_pdk::export_plugin!(info, validate_config, transform);

#[cfg(test)]
mod tests;
