//! The Google Sheets plugin's configuration: its schema and its checks.

use kait_pdk::config::{self, Secret, field_error};
use kait_pdk::template::{Escape, Template};
use kait_pdk::{GoogleCredentials, PluginError};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::columns::{self, DefaultColumn};

/// The OAuth scope the host requests for the service account.
pub const SCOPE: &str = "https://www.googleapis.com/auth/spreadsheets";

/// Most columns a webhook may configure.
const MAX_COLUMNS: usize = 200;

/// A webhook's Google Sheets settings, checked.
#[derive(Debug)]
pub struct Config {
    /// The spreadsheet's id (from its URL).
    pub spreadsheet_id: String,
    /// The tab rows are appended to.
    pub sheet: String,
    /// The cells of each row, in order.
    pub columns: Vec<Column>,
    /// One row per order, or one per item.
    pub row_per: RowPer,
    /// The service-account key, as JSON text.
    pub credentials: Secret<String>,
    /// Keep the columns' titles in row 1.
    pub header_row: bool,
}

/// One column: its header (for the merchant's reference) and its cell template.
#[derive(Debug)]
pub struct Column {
    /// The column's title.
    pub header: String,
    /// The cell's value.
    pub value: Template,
}

/// What one row stands for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RowPer {
    /// One row per event.
    #[default]
    Order,
    /// One row per item of the checkout, with `item` in the templates.
    Item,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    spreadsheet_id: String,
    #[serde(default = "default_sheet")]
    sheet: String,
    #[serde(default)]
    columns: Option<Vec<RawColumn>>,
    #[serde(default)]
    row_per: RowPer,
    credentials: Secret<Value>,
    #[serde(default)]
    header_row: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawColumn {
    header: String,
    value: String,
}

fn default_sheet() -> String {
    "Sheet1".to_owned()
}

impl Config {
    /// Parses and checks `config`; every error names the field at fault.
    pub fn parse(config: &str) -> Result<Config, PluginError> {
        let raw: Raw = config::parse(config)?;
        check_spreadsheet_id(&raw.spreadsheet_id)?;
        check_sheet(&raw.sheet)?;
        let credentials = check_credentials(raw.credentials.expose())?;
        let columns = match raw.columns {
            Some(columns) => compile_columns(columns)?,
            None => compile_defaults(match raw.row_per {
                RowPer::Order => columns::per_order(),
                RowPer::Item => columns::per_item(),
            })?,
        };
        Ok(Config {
            spreadsheet_id: raw.spreadsheet_id,
            sheet: raw.sheet,
            columns,
            row_per: raw.row_per,
            credentials: Secret::new(credentials),
            header_row: raw.header_row,
        })
    }

    /// The credentials the host turns into an access token.
    pub fn google_credentials(&self) -> GoogleCredentials {
        GoogleCredentials {
            key_json: self.credentials.expose().clone(),
            scopes: vec![SCOPE.to_owned()],
        }
    }
}

fn check_spreadsheet_id(id: &str) -> Result<(), PluginError> {
    if id.is_empty() {
        return Err(field_error("spreadsheet_id", "must not be empty"));
    }
    if id
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Ok(());
    }
    let hint = if id.contains("/d/") {
        "; use only the id between /d/ and /edit in the sheet's URL"
    } else {
        ""
    };
    Err(field_error(
        "spreadsheet_id",
        format!("may contain only letters, digits, '-' and '_'{hint}"),
    ))
}

fn check_sheet(sheet: &str) -> Result<(), PluginError> {
    if sheet.trim().is_empty() {
        Err(field_error("sheet", "must not be empty"))
    } else if sheet.chars().count() > 100 {
        Err(field_error("sheet", "must be at most 100 characters"))
    } else if sheet.chars().any(char::is_control) {
        Err(field_error("sheet", "must not contain control characters"))
    } else {
        Ok(())
    }
}

/// A service-account key, given as a JSON object or as its JSON text; returns
/// the key as JSON text. Never echoes the key.
fn check_credentials(credentials: &Value) -> Result<String, PluginError> {
    let (key, text) = match credentials {
        Value::String(text) => match serde_json::from_str::<Value>(text) {
            Ok(key) => (key, text.clone()),
            Err(err) => {
                let reason = format!(
                    "not a JSON key file (line {}, column {})",
                    err.line(),
                    err.column()
                );
                return Err(field_error("credentials", reason));
            }
        },
        Value::Object(_) => (credentials.clone(), credentials.to_string()),
        _ => {
            return Err(field_error(
                "credentials",
                "expected the service account's JSON key, as an object or as text",
            ));
        }
    };
    let Value::Object(key) = key else {
        return Err(field_error("credentials", "the JSON key must be an object"));
    };
    if key.get("type").and_then(Value::as_str) != Some("service_account") {
        return Err(field_error(
            "credentials.type",
            "must be \"service_account\" (create a key for a service account in the Google Cloud console)",
        ));
    }
    let text_field = |name: &str| key.get(name).and_then(Value::as_str).map(str::trim);
    match text_field("client_email") {
        Some(email) if email.contains('@') => {}
        Some(_) => {
            return Err(field_error(
                "credentials.client_email",
                "must be an email address",
            ));
        }
        None => return Err(field_error("credentials.client_email", "missing")),
    }
    match text_field("private_key") {
        Some(pem) if pem.starts_with("-----BEGIN") && pem.contains("PRIVATE KEY") => {}
        Some(_) => {
            return Err(field_error(
                "credentials.private_key",
                "must be a PEM private key",
            ));
        }
        None => return Err(field_error("credentials.private_key", "missing")),
    }
    Ok(text)
}

fn compile_columns(columns: Vec<RawColumn>) -> Result<Vec<Column>, PluginError> {
    if columns.is_empty() {
        return Err(field_error("columns", "must list at least one column"));
    }
    if columns.len() > MAX_COLUMNS {
        return Err(field_error(
            "columns",
            format!("at most {MAX_COLUMNS} columns"),
        ));
    }
    columns
        .into_iter()
        .enumerate()
        .map(|(i, column)| {
            if column.header.trim().is_empty() {
                return Err(field_error(
                    &format!("columns[{i}].header"),
                    "must not be empty",
                ));
            }
            let value =
                Template::compile(&format!("columns[{i}].value"), &column.value, Escape::None)?;
            Ok(Column {
                header: column.header,
                value,
            })
        })
        .collect()
}

fn compile_defaults(columns: Vec<DefaultColumn>) -> Result<Vec<Column>, PluginError> {
    columns
        .into_iter()
        .map(|(header, value)| {
            Ok(Column {
                header: header.to_owned(),
                value: Template::compile("columns", value, Escape::None)?,
            })
        })
        .collect()
}

/// The configuration's JSON Schema (draft 2020-12).
pub fn schema() -> Value {
    let defaults: Vec<Value> = columns::per_order()
        .into_iter()
        .map(|(header, value)| json!({"header": header, "value": value}))
        .collect();
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Google Sheets row",
        "description": "Appends a row per order (or per item) to a Google Sheets tab, as a service account.",
        "type": "object",
        "properties": {
            "spreadsheet_id": {
                "type": "string",
                "description": "The spreadsheet's id: the part between /d/ and /edit in its URL. Share the spreadsheet with the service account's email as an editor.",
                "pattern": "^[A-Za-z0-9_-]+$",
            },
            "sheet": {
                "type": "string",
                "description": "The tab to append to.",
                "minLength": 1,
                "maxLength": 100,
                "default": "Sheet1",
            },
            "columns": {
                "type": "array",
                "description": "The row's cells, in order. A value that is a single {{ … }} giving a number is written as a number; a date-time (e.g. {{ checkout.completed_at }}) or text like 2024-03-08 21:13:05 as a date; any other text exactly as rendered, behind the ' Sheets hides, so it is never run as a formula and digits keep their leading zeros. Left out: every field of the checkout (or of the item).",
                "minItems": 1,
                "maxItems": MAX_COLUMNS,
                "items": {
                    "type": "object",
                    "properties": {
                        "header": {"type": "string", "minLength": 1, "description": "The column's title."},
                        "value": {"type": "string", "description": "The cell's template, e.g. {{ checkout.customer.phone }}."},
                    },
                    "required": ["header", "value"],
                    "additionalProperties": false,
                },
                "default": defaults,
            },
            "row_per": {
                "description": "\"order\": one row per event; \"item\": one row per item, with {{ item.… }} in the templates.",
                "enum": ["order", "item"],
                "default": "order",
            },
            "header_row": {
                "type": "boolean",
                "default": false,
                "description": "Keep the columns' titles (each column's header) in row 1: every event writes them into row 1, then appends its rows below. For an empty sheet, or one whose first row is already the titles; whatever else is in row 1 is replaced.",
            },
            "credentials": {
                "description": "The service account's JSON key (the downloaded file's content, as an object or as text).",
                "writeOnly": true,
                "oneOf": [
                    {
                        "type": "object",
                        "properties": {
                            "type": {"const": "service_account"},
                            "client_email": {"type": "string"},
                            "private_key": {"type": "string"},
                        },
                        "required": ["type", "client_email", "private_key"],
                    },
                    {"type": "string", "contentMediaType": "application/json"},
                ],
            },
        },
        "required": ["spreadsheet_id", "credentials"],
        "additionalProperties": false,
    })
}
