//! Compiles the guest plugins (`plugins/`) and writes two files into `OUT_DIR`:
//! `builtins.rs` embeds the three built-in components in the library, and
//! `guests.rs` names every produced component's path for the tests.

use std::fmt::Write as _;
use std::path::PathBuf;

const BUILTINS: [(&str, &str); 3] = [
    ("TELEGRAM", "kait_telegram"),
    ("SHEETS", "kait_sheets"),
    ("HTTP", "kait_http"),
];

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let root = manifest.parent().unwrap().to_path_buf();
    let plugins = root.join("plugins");
    let target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
        .join("guests");

    kait_wasm_build::rerun_if_changed(&plugins);
    kait_wasm_build::rerun_if_changed(&root.join("wit"));
    // The plugins' kit builds these into every component (plugins/pdk/build.rs,
    // plugins/pdk/src/samples.rs).
    println!(
        "cargo:rerun-if-changed={}",
        root.join("catalogue.toml").display()
    );
    kait_wasm_build::rerun_if_changed(&root.join("examples/events"));
    println!("cargo:rerun-if-env-changed=CARGO_TARGET_DIR");

    let artifacts = kait_wasm_build::build(&plugins, &target_dir);
    let find = |name: &str| {
        artifacts
            .iter()
            .find(|a| a.name == name)
            .unwrap_or_else(|| panic!("the guest build produced no {name}.wasm"))
    };

    let mut builtins = String::new();
    for (konst, name) in BUILTINS {
        let path = find(name).path.display().to_string();
        writeln!(builtins, "/// The `{name}` component.").unwrap();
        writeln!(
            builtins,
            "pub const {konst}: &[u8] = include_bytes!({path:?});"
        )
        .unwrap();
    }
    let mut guests = String::new();
    for artifact in &artifacts {
        let konst = artifact.name.to_uppercase();
        let path = artifact.path.display().to_string();
        writeln!(
            guests,
            "#[allow(dead_code)]\npub const {konst}: &str = {path:?};"
        )
        .unwrap();
    }
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    std::fs::write(out.join("builtins.rs"), builtins).unwrap();
    std::fs::write(out.join("guests.rs"), guests).unwrap();
}
