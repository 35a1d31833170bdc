//! Build-script helper: compiles the guest workspace in `plugins/` for `wasm32-wasip2`.
//!
//! `host/build.rs` calls [`build`] once; it runs a nested `cargo build` whose target
//! directory is shared by every profile of the host (dev, release, bench), so the
//! guests are compiled once per change, not once per host profile. The produced
//! components are listed so the build script can embed the built-ins and hand test
//! guests to the tests.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The target every guest is compiled for.
pub const TARGET: &str = "wasm32-wasip2";

/// One component produced by the guest workspace.
#[derive(Debug, Clone)]
pub struct Artifact {
    /// The crate's library name, e.g. `kait_telegram`.
    pub name: String,
    /// Absolute path of the `.wasm` component.
    pub path: PathBuf,
}

/// Builds every member of the guest workspace at `workspace` (release profile) into
/// `target_dir` and returns the components it produced.
///
/// Panics with the exact `rustup` command when the wasm target is not installed,
/// and with cargo's own output when the guests do not compile: both stop the host
/// build, which is what a build script must do.
pub fn build(workspace: &Path, target_dir: &Path) -> Vec<Artifact> {
    require_target();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.arg("build")
        .arg("--release")
        .arg("--workspace")
        .arg("--target")
        .arg(TARGET)
        .arg("--manifest-path")
        .arg(workspace.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", target_dir);
    // The host's flags and wrappers (clippy, coverage) must not leak into the guests.
    for var in [
        "CARGO_ENCODED_RUSTFLAGS",
        "RUSTFLAGS",
        "RUSTC_WRAPPER",
        "RUSTC_WORKSPACE_WRAPPER",
        "CARGO_BUILD_TARGET",
        "CARGO_MAKEFLAGS",
    ] {
        cmd.env_remove(var);
    }
    let status = cmd
        .status()
        .expect("failed to run cargo for the guest plugins");
    assert!(
        status.success(),
        "building the guest plugins in {} failed",
        workspace.display()
    );

    let dir = target_dir.join(TARGET).join("release");
    let mut artifacts: Vec<Artifact> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "wasm"))
        .map(|path| Artifact {
            name: path.file_stem().unwrap().to_string_lossy().into_owned(),
            path,
        })
        .collect();
    artifacts.sort_by(|a, b| a.name.cmp(&b.name));
    artifacts
}

/// Asks cargo to rebuild when anything under `dir` changes, skipping build output.
pub fn rerun_if_changed(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        let name = entry.file_name();
        if name == "target" || name == "node_modules" || name.to_string_lossy().starts_with('.') {
            continue;
        }
        if path.is_dir() {
            rerun_if_changed(&path);
        } else {
            println!("cargo:rerun-if-changed={}", path.display());
        }
    }
}

fn require_target() {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let sysroot = Command::new(rustc)
        .args(["--print", "sysroot"])
        .output()
        .ok()
        .map(|out| PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()));
    let installed = sysroot.is_some_and(|root| root.join("lib/rustlib").join(TARGET).is_dir());
    assert!(
        installed,
        "the {TARGET} target is not installed; run:\n\n    rustup target add {TARGET}\n"
    );
}
