//! Reads the repository's `catalogue.toml` when the kit is built and writes its
//! entries as Rust tables into `OUT_DIR/catalogue.rs`, so components carry the
//! few strings they need instead of a TOML parser. `[strings]` (the page's) is
//! left out; `[events."<type>"]` become event titles, and every other table of
//! `en` / `ms` strings becomes a text keyed by its dotted path
//! (`telegram.default_message`).

use std::fmt::Write as _;
use std::path::PathBuf;

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let path = manifest.join("../../catalogue.toml");
    println!("cargo:rerun-if-changed={}", path.display());
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()));
    let table: toml::Table = text
        .parse()
        .unwrap_or_else(|err| panic!("{} is not valid TOML: {err}", path.display()));

    let mut events = String::from("static EVENTS: &[(&str, [&str; 2], [&str; 2])] = &[\n");
    let kinds = table
        .get("events")
        .and_then(toml::Value::as_table)
        .expect("catalogue.toml has an [events] table");
    for (kind, both) in kinds {
        let pair = |lang: &str| -> [String; 2] {
            let entry = both
                .get(lang)
                .and_then(toml::Value::as_array)
                .unwrap_or_else(|| panic!("events.{kind}.{lang} must be [title, when]"));
            let text = |i: usize| {
                entry
                    .get(i)
                    .and_then(toml::Value::as_str)
                    .unwrap_or_else(|| panic!("events.{kind}.{lang} must be [title, when]"))
                    .to_owned()
            };
            [text(0), text(1)]
        };
        writeln!(
            events,
            "    ({kind:?}, {:?}, {:?}),",
            pair("en"),
            pair("ms")
        )
        .unwrap();
    }
    events.push_str("];\n");

    let mut texts = Vec::new();
    for (name, value) in &table {
        if name != "strings" && name != "events" {
            collect(name, value, &mut texts);
        }
    }
    texts.sort();
    let mut out = events;
    out.push_str("static TEXTS: &[(&str, &str, &str)] = &[\n");
    for (key, en, ms) in texts {
        writeln!(out, "    ({key:?}, {en:?}, {ms:?}),").unwrap();
    }
    out.push_str("];\n");
    let dest = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("catalogue.rs");
    std::fs::write(dest, out).unwrap();
}

/// Every table under `path` that holds `en` and `ms` strings, as (path, en, ms).
fn collect(path: &str, value: &toml::Value, texts: &mut Vec<(String, String, String)>) {
    let Some(table) = value.as_table() else {
        panic!("catalogue.toml: {path} must be a table of en / ms strings");
    };
    if table.contains_key("en") || table.contains_key("ms") {
        let text = |lang: &str| table.get(lang).and_then(toml::Value::as_str);
        let (Some(en), Some(ms)) = (text("en"), text("ms")) else {
            panic!("catalogue.toml: {path} needs both an en and an ms string");
        };
        texts.push((path.to_owned(), en.to_owned(), ms.to_owned()));
        return;
    }
    for (name, value) in table {
        collect(&format!("{path}.{name}"), value, texts);
    }
}
