//! # kait-sheets: a Google Sheets row per order or per item
//!
//! The built-in plugin behind the help page's second use case. For each event it
//! renders every column's template, one row per order (or per item, with `item` in
//! the templates), and asks the host to append the rows as the merchant's service
//! account:
//!
//! ```text
//! POST https://sheets.googleapis.com/v4/spreadsheets/<id>/values/<sheet>!A1:append?valueInputOption=USER_ENTERED&insertDataOption=INSERT_ROWS
//! content-type: application/json
//! auth: Google service account, scope https://www.googleapis.com/auth/spreadsheets
//!
//! {"values": [[...], ...]}
//! ```
//!
//! Sheets types each cell as if the merchant had typed it ([`cell`]): numbers are
//! numbers, dates are dates, and all other text keeps its exact value behind a
//! leading `'` that Sheets hides, so customer text is never run as a formula.
//!
//! With `header_row`, each event first writes the columns' titles into row 1
//! (`PUT …/values/<sheet>!A1?valueInputOption=RAW`), then appends: the plugin
//! cannot read the sheet, so it keeps row 1 as the header instead of writing it
//! once. The write is idempotent, so a retry may repeat it harmlessly.

pub mod cell;
pub mod columns;
pub mod config;

use kait_pdk::event::Payload;
use kait_pdk::template::Context;
use kait_pdk::{Action, Auth, Event, PluginError, PluginInfo, request, samples};
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

/// Checks a configuration, naming the field at fault, then renders every
/// column on every sample event (every item, for one row per item).
pub fn validate_config(config: &str) -> Result<(), PluginError> {
    let config = Config::parse(config)?;
    samples::check_each(|event, payload| rows(&config, event, payload).map(drop))
}

/// The `values:append` request for `event` (after the header's write with
/// `header_row`), or a skip when one row per item is configured and the checkout
/// has no items.
pub fn transform(event: &Event, config: &str) -> Result<Action, PluginError> {
    let config = kait_pdk::config::cached(config, Config::parse)?;
    let payload = Payload::parse(event)?;
    payload.require_checkout()?;
    let rows = rows(&config, event, &payload)?;
    if rows.is_empty() {
        return Ok(Action::Skip("the checkout has no items".to_owned()));
    }
    let auth = || Some(Auth::GoogleServiceAccount(config.google_credentials()));
    let mut requests = Vec::with_capacity(2);
    if config.header_row {
        let titles: Vec<&str> = config.columns.iter().map(|c| c.header.as_str()).collect();
        let url = header_url(&config.spreadsheet_id, &config.sheet);
        let body = json!({ "values": [titles] });
        requests.push(request::json("PUT", url, &body, auth())?);
    }
    let url = append_url(&config.spreadsheet_id, &config.sheet);
    let body = json!({ "values": rows });
    requests.push(request::json("POST", url, &body, auth())?);
    Ok(Action::Send(requests))
}

/// The rows for an event: one, or one per item.
fn rows(config: &Config, event: &Event, payload: &Payload) -> Result<Vec<Vec<Value>>, PluginError> {
    let context = Context::new(event, payload);
    match config.row_per {
        RowPer::Order => Ok(vec![row(config, &context)?]),
        RowPer::Item => (0..payload.item_count())
            .map(|index| row(config, &context.with_item(index)))
            .collect(),
    }
}

fn row(config: &Config, context: &Context) -> Result<Vec<Value>, PluginError> {
    config
        .columns
        .iter()
        .map(|column| column.value.render_value(context).map(cell::cell))
        .collect()
}

/// The append URL; the tab name is quoted as A1 notation needs, then encoded.
pub fn append_url(spreadsheet_id: &str, sheet: &str) -> String {
    format!(
        "https://sheets.googleapis.com/v4/spreadsheets/{spreadsheet_id}/values/{}!A1:append?valueInputOption=USER_ENTERED&insertDataOption=INSERT_ROWS",
        utf8_percent_encode(&a1_sheet_name(sheet), PATH_SEGMENT)
    )
}

/// The URL that writes row 1 from A1 (`values.update`). The titles are written
/// as they are (RAW): they are the merchant's own words, never a formula.
pub fn header_url(spreadsheet_id: &str, sheet: &str) -> String {
    format!(
        "https://sheets.googleapis.com/v4/spreadsheets/{spreadsheet_id}/values/{}!A1?valueInputOption=RAW",
        utf8_percent_encode(&a1_sheet_name(sheet), PATH_SEGMENT)
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
