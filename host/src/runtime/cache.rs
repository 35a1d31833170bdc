//! Compiled components cached on disk, keyed by the component's content hash and
//! the engine's compatibility hash, so a second start loads native code instead of
//! compiling again. Entries are written atomically; an unreadable entry is
//! recompiled and replaced.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::PathBuf;

use wasmtime::Engine;
use wasmtime::component::Component;

/// A directory of precompiled components for one engine configuration.
#[derive(Debug, Clone)]
pub(crate) struct DiskCache {
    dir: PathBuf,
    engine_hash: String,
}

impl DiskCache {
    pub(crate) fn new(dir: PathBuf, engine: &Engine) -> std::io::Result<Self> {
        std::fs::create_dir_all(&dir)?;
        let mut hasher = DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut hasher);
        env!("CARGO_PKG_VERSION").hash(&mut hasher);
        Ok(Self {
            dir,
            engine_hash: format!("{:016x}", hasher.finish()),
        })
    }

    fn path(&self, content_hash: &str) -> PathBuf {
        self.dir
            .join(format!("{content_hash}-{}.cwasm", self.engine_hash))
    }

    /// Removes the compiled form of the component with this content hash.
    pub(crate) fn remove(&self, content_hash: &str) {
        let _ = std::fs::remove_file(self.path(content_hash));
    }

    /// Loads the compiled form of `bytes` from disk, or compiles and stores it.
    /// The flag says whether the disk copy was used.
    pub(crate) fn load_or_compile(
        &self,
        engine: &Engine,
        content_hash: &str,
        bytes: &[u8],
    ) -> wasmtime::Result<(Component, bool)> {
        let path = self.path(content_hash);
        if path.is_file() {
            // SAFETY: the file is one this cache wrote with `Component::serialize` for an
            // engine with the same compatibility hash; it sits in Kait's own cache dir.
            if let Ok(component) = unsafe { Component::deserialize_file(engine, &path) } {
                return Ok((component, true));
            }
        }
        let component = Component::new(engine, bytes)?;
        if let Ok(serialized) = component.serialize() {
            let tmp = path.with_extension(format!("tmp{}", std::process::id()));
            if std::fs::write(&tmp, serialized).is_ok() {
                let _ = std::fs::rename(&tmp, &path);
            }
        }
        Ok((component, false))
    }
}

/// The default cache directory: `$KAIT_CACHE_DIR`, else `$XDG_CACHE_HOME/kait`,
/// else `~/.cache/kait`.
pub fn default_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("KAIT_CACHE_DIR") {
        return Some(PathBuf::from(dir));
    }
    if let Some(dir) = std::env::var_os("XDG_CACHE_HOME") {
        return Some(PathBuf::from(dir).join("kait"));
    }
    std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache").join("kait"))
}
