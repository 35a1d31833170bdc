//! A shop's plugins: the versions it can see (the built-ins, then its own),
//! uploading one, and deleting one no webhook uses. (Running one without
//! sending is the dry run, beside this file.)

use serde_json::{Value, json};

use super::{Error, Service};
use crate::clock::Millis;
use crate::domain::{Pin, PluginName, PluginVersion, Refused};
use crate::registry::{Entry, UploadError};
use crate::runtime::LoadError;
use crate::store::Deleted;

/// One version of a plugin, as a shop sees it.
pub struct Version {
    /// The plugin's name.
    pub name: String,
    /// The version id.
    pub version: String,
    /// SHA-256 of the component (hex).
    pub sha256: String,
    /// Size of the component in bytes.
    pub size: u64,
    /// When it was uploaded (`None` for built-ins).
    pub created_at: Option<Millis>,
    /// Whether `name@latest` resolves to it.
    pub latest: bool,
    /// When it was taken out of `@latest`, if it is.
    pub withdrawn_at: Option<Millis>,
    /// When it was last made the latest by hand, if ever.
    pub promoted_at: Option<Millis>,
    /// Kait's own.
    pub builtin: bool,
    /// What the plugin says about itself: name, version, description, config_schema.
    pub info: Value,
    /// Everything the component imports.
    pub imports: Vec<String>,
}

impl Version {
    /// A shop's version, `latest` when `name@latest` resolves to it.
    pub(super) fn stored(row: &PluginVersion, latest: bool) -> Self {
        Self {
            name: row.name.to_string(),
            version: row.version.clone(),
            sha256: row.sha256.clone(),
            size: row.size,
            created_at: Some(row.created_at),
            latest,
            withdrawn_at: row.withdrawn_at,
            promoted_at: row.promoted_at,
            builtin: false,
            info: row.info.clone(),
            imports: row.imports.clone(),
        }
    }

    fn builtin(entry: &Entry) -> Self {
        let schema: Value = serde_json::from_str(&entry.info.config_schema).unwrap_or_default();
        Self {
            name: entry.name.clone(),
            version: entry.version.clone(),
            sha256: entry.plugin.id().trim_start_matches("sha256:").to_string(),
            size: entry.plugin.size() as u64,
            created_at: None,
            latest: true,
            withdrawn_at: None,
            promoted_at: None,
            builtin: true,
            info: json!({
                "name": entry.info.name,
                "version": entry.info.version,
                "description": entry.info.description,
                "config_schema": schema,
            }),
            imports: entry.plugin.imports().to_vec(),
        }
    }
}

fn upload_refusal(error: UploadError) -> Error {
    let message = error.to_string();
    let code = match &error {
        UploadError::Name(_) => "invalid_name",
        UploadError::Load(load) => match load {
            LoadError::NotWasm => "not_wasm",
            LoadError::CoreModule => "core_module",
            LoadError::UnknownVersion(_) | LoadError::Invalid(_) => "invalid_component",
            LoadError::UnknownImports(_) => "forbidden_imports",
            LoadError::NotATransformer(_) => "not_a_transformer",
        },
        UploadError::CompileTimeout(_) => "compile_timeout",
        UploadError::Info(_) => "invalid_info",
        UploadError::Store(e) => return Error::Internal(e.to_string()),
    };
    Refused::invalid(code, message).into()
}

impl Service {
    /// The shop, existing (404 otherwise).
    pub async fn require_shop(&self, shop: &str) -> Result<(), Error> {
        if self.shop_exists(shop).await? {
            Ok(())
        } else {
            Err(Refused::not_found(format!("shop {shop}")).into())
        }
    }

    /// The names `shop` can use, the built-ins first, each with its versions.
    pub async fn plugins(&self, shop: &str) -> Vec<(String, Vec<Version>)> {
        let mut plugins = Vec::new();
        for name in self.registry.available(shop).await {
            if let Ok(versions) = self.plugin_versions(shop, &name).await {
                plugins.push((name, versions));
            }
        }
        plugins
    }

    /// All versions of `name` visible to `shop`, oldest first.
    pub async fn plugin_versions(&self, shop: &str, name: &str) -> Result<Vec<Version>, Error> {
        if let Some(entry) = self.registry.builtin(name) {
            return Ok(vec![Version::builtin(&entry)]);
        }
        let rows = self
            .registry
            .versions(shop, name)
            .await
            .ok_or_else(|| Refused::not_found(format!("plugin {name}")))?;
        let latest = PluginVersion::latest_of(&rows).map(|v| v.seq);
        Ok(rows
            .iter()
            .map(|row| Version::stored(row, Some(row.seq) == latest))
            .collect())
    }

    /// Version `version` (an id, or `latest`) of a plugin visible to `shop`.
    pub async fn plugin_version(
        &self,
        shop: &str,
        name: &str,
        version: &str,
    ) -> Result<Version, Error> {
        let pin =
            Pin::parse(version).map_err(|e| Refused::not_found(format!("plugin {name} {e}")))?;
        let mut versions = self.plugin_versions(shop, name).await?;
        let index = match pin.exact() {
            None => versions.iter().position(|v| v.latest),
            Some(id) => versions.iter().position(|v| v.version == id),
        };
        index
            .map(|i| versions.swap_remove(i))
            .ok_or_else(|| Refused::not_found(format!("version {version} of plugin {name}")).into())
    }

    /// Checks, compiles and keeps a new version of `shop`'s plugin `name`; says
    /// whether it is new (the same bytes again give the version already kept).
    pub async fn upload_plugin(
        &self,
        shop: &str,
        name: &str,
        bytes: Vec<u8>,
    ) -> Result<(Version, bool), Error> {
        let name = PluginName::parse(name)?;
        let cap = self.config.plugin_compile_timeout;
        let uploaded = self
            .registry
            .upload(shop, &name, bytes, cap, self.clock.now())
            .await
            .map_err(upload_refusal)?;
        self.signals.deliveries.notify();
        let versions = self
            .registry
            .versions(shop, name.as_str())
            .await
            .unwrap_or_default();
        let latest = PluginVersion::latest_of(&versions).map(|v| v.version.as_str())
            == Some(&uploaded.row.version);
        Ok((Version::stored(&uploaded.row, latest), uploaded.created))
    }

    /// Refuses a built-in plugin (`builtin_plugin`): it cannot be `what`.
    pub(super) fn not_builtin(&self, name: &str, what: &str) -> Result<(), Error> {
        if self.registry.is_builtin(name) {
            return Err(Refused::invalid(
                "builtin_plugin",
                format!("{name} is built in and cannot be {what}"),
            )
            .into());
        }
        Ok(())
    }

    /// Deletes a version no webhook uses; the refusal names the webhooks that do.
    pub async fn delete_plugin_version(
        &self,
        shop: &str,
        name: &str,
        version: &str,
    ) -> Result<(), Error> {
        self.not_builtin(name, "deleted")?;
        let id = self.plugin_version(shop, name, version).await?.version;
        let name = PluginName::parse(name)?;
        match self.registry.delete(shop, &name, &id).await? {
            Deleted::Done { .. } => Ok(()),
            Deleted::NotFound => {
                Err(Refused::not_found(format!("version {version} of plugin {name}")).into())
            }
            Deleted::InUse(webhooks) => {
                let named: Vec<String> = webhooks
                    .iter()
                    .map(|(id, name)| format!("{id} ({name})"))
                    .collect();
                Err(Refused::conflict(
                    "plugin_in_use",
                    format!(
                        "{name}@{id} is used by webhook(s) {}; point them at another version first",
                        named.join(", ")
                    ),
                )
                .into())
            }
        }
    }
}
