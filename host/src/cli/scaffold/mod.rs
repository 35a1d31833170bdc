//! `kait plugin new`, `kait plugin build` and `kait wit`: a ready plugin project in
//! Rust, JavaScript or Python, its build, and the contract it implements.
//!
//! The templates are files under `templates/<lang>/`, built into the binary. A
//! project depends on the kit of the clone the binary was built from (plugins/pdk,
//! kits/js, kits/python), by absolute path, so it builds wherever it is written.

mod templates;

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};

/// The contract, `wit/plugin.wit`.
pub const WIT: &str = include_str!("../../../../wit/plugin.wit");

/// The clone's root, where the kits are.
const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

#[derive(Clone, Copy, ValueEnum)]
pub enum Lang {
    Rust,
    Js,
    Python,
}

#[derive(Args)]
pub struct New {
    /// The plugin's name: lowercase letters, digits and dashes, starting with a letter.
    name: String,
    /// The language of the project.
    #[arg(long, value_enum)]
    lang: Lang,
    /// The folder to write (it must not exist, or be empty); default ./NAME.
    #[arg(long, value_name = "PATH")]
    dir: Option<PathBuf>,
}

#[derive(Args)]
pub struct Build {
    /// The project folder, holding build.sh; default the current folder.
    #[arg(long, value_name = "PATH", default_value = ".")]
    dir: PathBuf,
}

pub fn new(args: New) -> Result<()> {
    check_name(&args.name)?;
    let dir = args.dir.unwrap_or_else(|| PathBuf::from(&args.name));
    let occupied = dir.exists() && (!dir.is_dir() || std::fs::read_dir(&dir)?.next().is_some());
    if occupied {
        bail!(
            "{} already exists and is not an empty folder",
            dir.display()
        );
    }
    let root = Path::new(ROOT)
        .canonicalize()
        .with_context(|| format!("the Kait clone this binary was built from ({ROOT}) is gone"))?;
    let kit = match args.lang {
        Lang::Rust => root.join("plugins/pdk"),
        Lang::Js => root.join("kits/js"),
        Lang::Python => root.join("kits/python"),
    };
    let kit = kit.to_str().context("the clone's path is not UTF-8")?;
    let crate_name = args.name.replace('-', "_");
    let fill = |text: &str| {
        text.replace("__NAME__", &args.name)
            .replace("__CRATE__", &crate_name)
            .replace("__KIT__", kit)
    };
    for (path, text) in templates::files(args.lang) {
        let target = dir.join(path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        std::fs::write(&target, fill(&text))
            .with_context(|| format!("cannot write {}", target.display()))?;
    }
    executable(&dir.join("build.sh"))?;
    let test = match args.lang {
        Lang::Rust => "cargo test",
        Lang::Js => "npm test",
        Lang::Python => "python3 -m unittest",
    };
    println!(
        "wrote {} ({} plugin, kit: {kit})",
        dir.display(),
        lang_name(args.lang)
    );
    // The build installs the project's tools and kit (npm, a venv), which its
    // test needs too: build first.
    println!("next: cd {} && kait plugin build && {test}", dir.display());
    Ok(())
}

pub fn build(args: Build) -> Result<()> {
    let script = args.dir.join("build.sh");
    if !script.is_file() {
        bail!(
            "{} has no build.sh: is it a project written by `kait plugin new`?",
            args.dir.display()
        );
    }
    let status = Command::new("bash")
        .arg(&script)
        .status()
        .context("cannot run bash")?;
    if !status.success() {
        bail!("{} failed ({status})", script.display());
    }
    let wasm = args.dir.join("transformer.wasm");
    let wasm = wasm
        .canonicalize()
        .with_context(|| format!("build.sh succeeded but wrote no {}", wasm.display()))?;
    println!("built {}", wasm.display());
    Ok(())
}

/// `kait wit`: prints the contract.
pub fn wit() -> Result<()> {
    print!("{WIT}");
    Ok(())
}

fn check_name(name: &str) -> Result<()> {
    let valid = name.len() <= 64
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.ends_with('-');
    if !valid {
        bail!(
            "invalid name {name:?}: lowercase letters, digits and dashes, starting with a letter (e.g. my-plugin)"
        );
    }
    Ok(())
}

fn lang_name(lang: Lang) -> &'static str {
    match lang {
        Lang::Rust => "Rust",
        Lang::Js => "JavaScript",
        Lang::Python => "Python",
    }
}

#[cfg(unix)]
fn executable(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
        .with_context(|| format!("cannot make {} executable", path.display()))
}

#[cfg(not(unix))]
fn executable(_: &Path) -> Result<()> {
    Ok(())
}
