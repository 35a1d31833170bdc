//! Uploading a version: the component is checked and compiled now (not at its first
//! event), within a time cap, then kept in the store under its content address.

use std::sync::Arc;
use std::time::Duration;

use super::{Entry, Registry};
use crate::clock::Millis;
use crate::domain::{PluginName, PluginVersion, version_of};
use crate::runtime::{CallError, LoadError};
use crate::store::StoreError;

/// Why an upload was refused. Every case names the rule that failed.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    /// The name is taken by a built-in.
    #[error("{0}")]
    Name(String),
    /// The component failed a check, or did not compile.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// Compiling took longer than the cap.
    #[error("compiling the component took longer than {0:?}; make it smaller")]
    CompileTimeout(Duration),
    /// Its `info()` failed or returned an unusable schema.
    #[error("the component's info() {0}")]
    Info(String),
    /// The store refused.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A version as uploaded: the row kept, and whether it is new.
pub struct Uploaded {
    /// The version.
    pub row: PluginVersion,
    /// False when the same bytes were already a version of this plugin.
    pub created: bool,
}

/// A webhook's configuration is always a JSON object (the API refuses anything
/// else), so a schema must be an object that admits objects: one whose `type`
/// names only strings or numbers could never be satisfied.
fn check_schema(schema: &str) -> Result<(), UploadError> {
    let refused = |why: &str| Err(UploadError::Info(format!("returned a config-schema {why}")));
    let Ok(serde_json::Value::Object(schema)) = serde_json::from_str(schema) else {
        return refused("that is not a JSON object");
    };
    let admits_objects = match schema.get("type") {
        None => true,
        Some(serde_json::Value::String(kind)) => kind == "object",
        Some(serde_json::Value::Array(kinds)) => kinds.iter().any(|k| k == "object"),
        Some(_) => false,
    };
    if admits_objects {
        Ok(())
    } else {
        refused("whose type is not \"object\"; a webhook's configuration is always a JSON object")
    }
}

impl Registry {
    /// Checks, compiles and keeps a new version of `shop`'s plugin `name`.
    pub async fn upload(
        &self,
        shop: &str,
        name: &PluginName,
        bytes: Vec<u8>,
        compile_cap: Duration,
        now: Millis,
    ) -> Result<Uploaded, UploadError> {
        if self.is_builtin(name.as_str()) {
            return Err(UploadError::Name(format!(
                "{name} is a built-in plugin's name; choose another"
            )));
        }
        let runtime = self.inner.runtime.clone();
        let plugin_name = name.clone();
        let task = tokio::task::spawn_blocking(move || {
            let plugin = runtime.load(&bytes)?;
            let called = runtime.info(&plugin);
            Ok::<_, UploadError>((plugin, called.result, bytes))
        });
        let (plugin, info, bytes) = tokio::time::timeout(compile_cap, task)
            .await
            .map_err(|_| UploadError::CompileTimeout(compile_cap))?
            .map_err(|e| UploadError::Info(format!("could not run: {e}")))??;
        let info = info.map_err(|e: CallError| UploadError::Info(format!("failed: {e}")))?;
        check_schema(&info.config_schema)?;
        self.inner.metrics.plugin_load(plugin.was_cached());
        let sha256 = plugin.id().trim_start_matches("sha256:").to_string();
        let row = PluginVersion {
            shop_id: shop.to_string(),
            name: plugin_name.clone(),
            version: version_of(&sha256),
            sha256,
            size: bytes.len() as u64,
            info: serde_json::json!({
                "name": info.name,
                "version": info.version,
                "description": info.description,
                "config_schema": serde_json::from_str::<serde_json::Value>(&info.config_schema)
                    .unwrap_or_default(),
            }),
            imports: plugin.imports().to_vec(),
            seq: 0,
            rank: 0,
            created_at: now,
            withdrawn_at: None,
            promoted_at: None,
        };
        let (row, created) = self.inner.store.insert_plugin_version(row, bytes).await?;
        if created {
            let key = super::ready_key(&row.shop_id, row.name.as_str(), &row.version);
            let entry = Arc::new(Entry::new(plugin_name.as_str(), false, plugin, info));
            self.inner.ready.lock().unwrap().insert(key, entry);
            let mut index = self.inner.index.write().unwrap();
            let versions = index
                .entry((row.shop_id.clone(), row.name.to_string()))
                .or_default();
            // A catch-up that read the store after this commit may have put it in.
            if !versions.iter().any(|v| v.version == row.version) {
                versions.push(row.clone());
            }
            drop(index);
            self.announce(shop, &plugin_name);
        }
        Ok(Uploaded { row, created })
    }
}

#[cfg(test)]
mod tests {
    use super::check_schema;

    #[test]
    fn a_schema_must_admit_the_json_object_every_configuration_is() {
        for admitted in [
            r#"{}"#,
            r#"{"type":"object","properties":{"url":{"type":"string"}}}"#,
            r#"{"type":["object","null"]}"#,
        ] {
            assert!(check_schema(admitted).is_ok(), "{admitted}");
        }
        for refused in [
            r#"{"type":"string"}"#,
            r#"{"type":["array"]}"#,
            "[]",
            "not json",
        ] {
            let error = check_schema(refused).unwrap_err().to_string();
            assert!(error.contains("config-schema"), "{refused}: {error}");
        }
        let error = check_schema(r#"{"type":"string"}"#)
            .unwrap_err()
            .to_string();
        assert!(error.contains("always a JSON object"), "{error}");
    }
}
