//! The crate's layers hold: no module of `host/src` names one above it, and the
//! plugin runtime names nothing else of the crate (it could be its own crate).
//! The layers, top to bottom, are the README's Layout.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Each top-level module and its layer; a module may name its own layer and those
/// below. The binary's `cli` sits above them all.
const LAYERS: &[(&str, u8)] = &[
    ("server", 7),
    ("api", 6),
    ("web", 6),
    ("service", 5),
    ("worker", 4),
    ("abandonment", 4),
    ("registry", 3),
    ("delivery", 3),
    ("store", 2),
    ("domain", 1),
    ("runtime", 0),
    ("events", 0),
    ("builtin", 0),
    ("catalogue", 0),
    ("signing", 0),
    ("redact", 0),
    ("render", 0),
    ("clock", 0),
    ("signals", 0),
    ("config", 0),
    ("metrics", 0),
];

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level modules a source file names as `crate::<module>` (also inside
/// `use crate::{a, b}` groups), with the line.
fn named(text: &str) -> Vec<(String, usize)> {
    let mut found = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        for (at, _) in code.match_indices("crate::") {
            let rest = &code[at + "crate::".len()..];
            let names: Vec<&str> = match rest.strip_prefix('{') {
                Some(group) => group
                    .split(['}', ','])
                    .map(|s| s.trim().split("::").next().unwrap_or(""))
                    .collect(),
                None => vec![
                    rest.split(|c: char| !c.is_alphanumeric() && c != '_')
                        .next()
                        .unwrap_or(""),
                ],
            };
            found.extend(
                names
                    .into_iter()
                    .filter(|s| !s.is_empty())
                    .map(|s| (s.to_string(), n + 1)),
            );
        }
    }
    found
}

#[test]
fn no_module_names_one_above_it() {
    let layers: BTreeMap<&str, u8> = LAYERS.iter().copied().collect();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut all = Vec::new();
    files(&src, &mut all);
    let mut climbs = Vec::new();
    let mut checked = 0;
    for path in all {
        let relative = path.strip_prefix(&src).unwrap();
        let module = relative
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_str()
            .unwrap()
            .trim_end_matches(".rs");
        let Some(&own) = layers.get(module) else {
            continue; // lib.rs, main.rs and the binary's cli/
        };
        checked += 1;
        let text = std::fs::read_to_string(&path).unwrap();
        for (name, line) in named(&text) {
            let Some(&other) = layers.get(name.as_str()) else {
                continue;
            };
            let climbs_up = other > own;
            let runtime_leaks = module == "runtime" && name != "runtime";
            if climbs_up || runtime_leaks {
                climbs.push(format!("{}:{line} names crate::{name}", relative.display()));
            }
        }
    }
    assert!(checked > 50, "only {checked} files checked");
    assert!(
        climbs.is_empty(),
        "imports that climb:\n{}",
        climbs.join("\n")
    );
}

#[test]
fn every_module_has_a_layer() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let lib = std::fs::read_to_string(src.join("lib.rs")).unwrap();
    for line in lib.lines().filter_map(|l| l.strip_prefix("pub mod ")) {
        let module = line.trim_end_matches(';');
        assert!(
            LAYERS.iter().any(|(name, _)| *name == module),
            "module {module} has no layer in tests/layers.rs"
        );
    }
}

/// The files of `host/src` outside `room` (a path prefix) that name `library`.
fn naming_outside(library: &str, room: &str) -> Vec<String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut all = Vec::new();
    files(&src, &mut all);
    all.into_iter()
        .filter(|path| !path.strip_prefix(&src).unwrap().starts_with(room))
        .filter(|path| {
            std::fs::read_to_string(path)
                .unwrap()
                .lines()
                .any(|line| !line.trim_start().starts_with("//") && line.contains(library))
        })
        .map(|path| path.strip_prefix(&src).unwrap().display().to_string())
        .collect()
}

#[test]
fn only_the_sqlite_backend_names_rusqlite() {
    assert_eq!(
        naming_outside("rusqlite", "store/sqlite"),
        Vec::<String>::new()
    );
}

#[test]
fn only_the_postgres_backend_names_the_postgres_driver() {
    for library in ["tokio_postgres", "deadpool"] {
        assert_eq!(
            naming_outside(library, "store/postgres"),
            Vec::<String>::new()
        );
    }
}

#[test]
fn only_the_api_names_the_openapi_library() {
    assert_eq!(naming_outside("utoipa", "api"), Vec::<String>::new());
}
