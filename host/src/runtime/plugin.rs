//! Turning bytes into a [`Plugin`]: wasm header checks, compilation through the disk
//! cache, the import allow-list (WASI 0.2 and `kait:plugin/host`), and the export
//! check against the transformer world. Nothing here panics on hostile input.

use std::sync::Arc;

use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::types::ComponentItem;
use wasmtime::component::{Component, Linker};

use super::bindings::TransformerPre;
use super::cache::DiskCache;
use super::error::LoadError;
use super::state::State;

/// WASI 0.2 packages a plugin may import; everything in them is linked, and
/// everything in them is denied at run time by the WASI context.
const WASI_PACKAGES: [&str; 6] = [
    "wasi:cli/",
    "wasi:clocks/",
    "wasi:filesystem/",
    "wasi:io/",
    "wasi:random/",
    "wasi:sockets/",
];
const KAIT_IMPORTS: [&str; 2] = ["kait:plugin/host@0.1.0", "kait:plugin/types@0.1.0"];
const EXPORTS: [&str; 3] = ["info", "validate-config", "transform"];

/// A loaded plugin version: compiled, checked and ready to instantiate. Cheap to clone.
#[derive(Clone)]
pub struct Plugin {
    pub(crate) inner: Arc<Loaded>,
}

pub(crate) struct Loaded {
    pub(crate) id: String,
    pub(crate) size: usize,
    pub(crate) imports: Vec<String>,
    pub(crate) cached: bool,
    pub(crate) pre: TransformerPre<State>,
}

impl Plugin {
    /// Content address of the component: `sha256:<hex>` of its bytes.
    pub fn id(&self) -> &str {
        &self.inner.id
    }

    /// Size of the component in bytes.
    pub fn size(&self) -> usize {
        self.inner.size
    }

    /// Whether the compiled code came from the disk cache rather than a compile.
    pub fn was_cached(&self) -> bool {
        self.inner.cached
    }

    /// Everything the component imports, by interface name.
    pub fn imports(&self) -> &[String] {
        &self.inner.imports
    }
}

impl std::fmt::Debug for Plugin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plugin")
            .field("id", &self.inner.id)
            .finish_non_exhaustive()
    }
}

pub(crate) fn load(
    engine: &Engine,
    linker: &Linker<State>,
    cache: Option<&DiskCache>,
    bytes: &[u8],
) -> Result<Plugin, LoadError> {
    check_header(bytes)?;
    let hash = hex::encode(Sha256::digest(bytes));
    let (component, cached) = match cache {
        Some(cache) => cache.load_or_compile(engine, &hash, bytes),
        None => Component::new(engine, bytes).map(|c| (c, false)),
    }
    .map_err(|e| LoadError::Invalid(format!("{e:#}")))?;

    let ty = component.component_type();
    let imports: Vec<String> = ty
        .imports(engine)
        .map(|(name, _)| name.to_string())
        .collect();
    let unknown: Vec<String> = imports
        .iter()
        .filter(|name| !allowed(name))
        .cloned()
        .collect();
    if !unknown.is_empty() {
        return Err(LoadError::UnknownImports(unknown));
    }
    let missing: Vec<&str> = EXPORTS
        .iter()
        .copied()
        .filter(|name| {
            let export = ty.get_export(engine, name);
            !matches!(export.map(|e| e.ty), Some(ComponentItem::ComponentFunc(_)))
        })
        .collect();
    if !missing.is_empty() {
        return Err(LoadError::NotATransformer(format!(
            "missing function export(s) {}",
            missing.join(", ")
        )));
    }
    let instance_pre = linker
        .instantiate_pre(&component)
        .map_err(|e| LoadError::Invalid(format!("{e:#}")))?;
    let pre = TransformerPre::new(instance_pre)
        .map_err(|e| LoadError::NotATransformer(format!("{e:#}")))?;
    Ok(Plugin {
        inner: Arc::new(Loaded {
            id: format!("sha256:{hash}"),
            size: bytes.len(),
            imports,
            cached,
            pre,
        }),
    })
}

fn check_header(bytes: &[u8]) -> Result<(), LoadError> {
    if bytes.len() < 8 || &bytes[..4] != b"\0asm" {
        return Err(LoadError::NotWasm);
    }
    match bytes[4..8] {
        [1, 0, 0, 0] => Err(LoadError::CoreModule),
        [_, _, 1, 0] => Ok(()),
        [a, b, c, d] => Err(LoadError::UnknownVersion([a, b, c, d])),
        _ => unreachable!("a four-byte slice"),
    }
}

fn allowed(import: &str) -> bool {
    if KAIT_IMPORTS.contains(&import) {
        return true;
    }
    let Some((interface, version)) = import.split_once('@') else {
        return false;
    };
    version.starts_with("0.2.") && WASI_PACKAGES.iter().any(|p| interface.starts_with(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn import_allow_list() {
        assert!(allowed("wasi:cli/environment@0.2.0"));
        assert!(allowed("wasi:io/streams@0.2.6"));
        assert!(allowed("kait:plugin/host@0.1.0"));
        assert!(!allowed("wasi:http/outgoing-handler@0.2.0"));
        assert!(!allowed("wasi:cli/environment@0.3.0"));
        assert!(!allowed("kait:plugin/host@0.2.0"));
        assert!(!allowed("evil:net/socket"));
    }

    #[test]
    fn header_checks() {
        assert!(matches!(
            check_header(b"hello world"),
            Err(LoadError::NotWasm)
        ));
        assert!(matches!(
            check_header(b"\0asm\x01\0\0\0"),
            Err(LoadError::CoreModule)
        ));
        assert!(check_header(b"\0asm\x0d\0\x01\0").is_ok());
        assert!(matches!(check_header(b"\0asm"), Err(LoadError::NotWasm)));
    }
}
