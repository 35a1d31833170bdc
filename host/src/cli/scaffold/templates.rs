//! The files of a new project, per language: (path in the project, template text).
//! `__NAME__`, `__CRATE__` and `__KIT__` are filled in by `kait plugin new`.

use super::{Lang, WIT};

macro_rules! template {
    ($path:literal) => {
        include_str!(concat!("templates/", $path))
    };
}

/// The Rust project's lock file: the example's, whose dependencies are the same.
const RUST_LOCK: &str = include_str!("../../../../examples/rust-transformer/Cargo.lock");

pub fn files(lang: Lang) -> Vec<(&'static str, String)> {
    let mut files: Vec<(&'static str, String)> = vec![("wit/plugin.wit", WIT.to_owned())];
    let own: &[(&str, &str)] = match lang {
        Lang::Rust => &[
            ("Cargo.toml", template!("rust/Cargo.toml.in")),
            ("build.sh", template!("rust/build.sh")),
            (".gitignore", template!("rust/gitignore")),
            ("README.md", template!("rust/README.md")),
            ("src/lib.rs", template!("rust/src/lib.rs.in")),
            ("src/tests.rs", template!("rust/src/tests.rs.in")),
            (
                "rust-toolchain.toml",
                include_str!("../../../../rust-toolchain.toml"),
            ),
        ],
        Lang::Js => &[
            ("package.json", template!("js/package.json")),
            ("build.sh", template!("js/build.sh")),
            ("build.mjs", template!("js/build.mjs")),
            (".gitignore", template!("js/gitignore")),
            ("README.md", template!("js/README.md")),
            ("src/transformer.js", template!("js/src/transformer.js")),
            ("src/plugin.js", template!("js/src/plugin.js")),
            ("test/plugin.test.js", template!("js/test/plugin.test.js")),
        ],
        Lang::Python => &[
            ("app.py", template!("python/app.py")),
            ("plugin.py", template!("python/plugin.py")),
            ("requirements.txt", template!("python/requirements.txt")),
            ("build.sh", template!("python/build.sh")),
            (".gitignore", template!("python/gitignore")),
            ("README.md", template!("python/README.md")),
            ("tests/__init__.py", template!("python/tests/__init__.py")),
            (
                "tests/test_plugin.py",
                template!("python/tests/test_plugin.py"),
            ),
        ],
    };
    files.extend(own.iter().map(|&(path, text)| (path, text.to_owned())));
    if let Lang::Rust = lang {
        files.push(("Cargo.lock", rust_lock()));
    }
    files
}

/// The example's lock with its package renamed to `__NAME__` (filled in later).
fn rust_lock() -> String {
    RUST_LOCK.replace(
        "name = \"discord-rust\"\nversion = \"1.0.0\"\ndependencies = [\n \"kait-pdk\",\n \"serde\",\n",
        "name = \"__NAME__\"\nversion = \"0.1.0\"\ndependencies = [\n \"kait-pdk\",\n",
    )
}
