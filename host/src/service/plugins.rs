//! A shop's plugins: the versions it can see (the built-ins, then its own),
//! uploading one, deleting one no webhook uses, and the dry run, which runs a
//! version through the delivery's own plan stage and sends nothing.

use std::sync::Arc;

use serde_json::{Value, json};

use super::{Error, Service};
use crate::clock::Millis;
use crate::domain::{Pin, PluginName, PluginRef, PluginVersion, Refused};
use crate::events;
use crate::redact::scrub;
use crate::registry::{Entry, UploadError};
use crate::runtime::{Action, LoadError};
use crate::store::Deleted;
use crate::worker::{Verdict, action_limits, plan};

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
    /// Kait's own.
    pub builtin: bool,
    /// What the plugin says about itself: name, version, description, config_schema.
    pub info: Value,
    /// Everything the component imports.
    pub imports: Vec<String>,
}

impl Version {
    fn stored(row: &PluginVersion, latest: bool) -> Self {
        Self {
            name: row.name.to_string(),
            version: row.version.clone(),
            sha256: row.sha256.clone(),
            size: row.size,
            created_at: Some(row.created_at),
            latest,
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

/// What to run a dry run on.
pub struct DryRunInput {
    /// An event in the event format; its `shop` is taken to be this shop.
    pub event: Option<Value>,
    /// Or a sample event of this type (default `order.paid`).
    pub sample: Option<String>,
    /// The webhook configuration to run with.
    pub config: Value,
}

/// What a dry run did, secrets masked.
pub struct DryRun {
    /// `name@version` that ran.
    pub plugin: String,
    /// `send`, `skip` or `error`.
    pub outcome: &'static str,
    /// The action: `{"send": [requests]}` or `{"skip": reason}`.
    pub action: Option<Value>,
    /// Why there is no usable action: `{code, message}`.
    pub error: Option<Value>,
    /// The plugin's `host.log` lines.
    pub logs: Vec<Value>,
    /// What it printed to stdout and stderr.
    pub output: String,
    /// Time of the transform call, instantiation included.
    pub duration_ms: f64,
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
        let last = rows.len() - 1;
        Ok(rows
            .iter()
            .enumerate()
            .map(|(i, row)| Version::stored(row, i == last))
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
            None => versions.len().checked_sub(1),
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
        let latest = versions.last().map(|v| v.version.as_str()) == Some(&uploaded.row.version);
        Ok((Version::stored(&uploaded.row, latest), uploaded.created))
    }

    /// Deletes a version no webhook uses; the refusal names the webhooks that do.
    pub async fn delete_plugin_version(
        &self,
        shop: &str,
        name: &str,
        version: &str,
    ) -> Result<(), Error> {
        if self.registry.is_builtin(name) {
            return Err(Refused::invalid(
                "builtin_plugin",
                format!("{name} is built in and cannot be deleted"),
            )
            .into());
        }
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

    /// Runs a version on an event and a configuration exactly as a delivery would
    /// (the same plan stage: runtime, limits and request checks); sends nothing.
    pub async fn dry_run(
        &self,
        shop: &str,
        name: &str,
        version: &str,
        input: DryRunInput,
    ) -> Result<DryRun, Error> {
        let found = self.plugin_version(shop, name, version).await?;
        let reference = PluginRef::exact(PluginName::parse(name)?, &found.version);
        let entry = self
            .registry
            .resolve(shop, &reference)
            .await
            .map_err(|e| Refused::invalid("plugin_unavailable", e.to_string()))?;
        let event = events::parse(&dry_run_event(shop, &input)?)
            .map_err(|e| Refused::invalid("invalid_event", e.to_string()))?;
        self.check_config(shop, &entry, &input.config).await?;
        let limits = action_limits(&self.config);
        let planned = plan::transform(
            &self.runtime,
            limits,
            &entry,
            event,
            input.config.to_string(),
        )
        .await;
        Ok(report(&entry, &input.config, planned))
    }
}

/// The dry run's event as text: the one given, or a sample; its shop is `shop`.
fn dry_run_event(shop: &str, input: &DryRunInput) -> Result<String, Error> {
    let mut event: Value = match (&input.event, &input.sample) {
        (Some(_), Some(_)) => {
            return Err(
                Refused::invalid("invalid_request", "give an event or a sample, not both").into(),
            );
        }
        (Some(event), None) => event.clone(),
        (None, sample) => {
            let kind = sample.as_deref().unwrap_or(events::DEFAULT_SAMPLE);
            let text = events::sample(kind).ok_or_else(|| {
                Refused::invalid(
                    "unknown_event_type",
                    format!(
                        "no sample {kind:?}; expected one of: {}",
                        events::TYPES.join(", ")
                    ),
                )
            })?;
            serde_json::from_str(text).map_err(|e| Error::Internal(e.to_string()))?
        }
    };
    if let Some(object) = event.as_object_mut() {
        object.insert("shop".into(), shop.into());
    }
    Ok(event.to_string())
}

/// The dry run's report of a plan, every secret of `config` scrubbed.
fn report(entry: &Arc<Entry>, config: &Value, planned: plan::Planned) -> DryRun {
    let secrets = entry.secrets.values(config);
    let failed = |code: &str, message: &str| {
        Some(json!({"code": code, "message": scrub(message, &secrets)}))
    };
    let shown = |action: &Action| {
        let rendered = crate::render::action(action);
        serde_json::from_str(&scrub(&rendered.to_string(), &secrets)).unwrap_or(rendered)
    };
    let plan::Planned {
        verdict,
        logs,
        output,
        duration,
        ..
    } = planned;
    let (outcome, action, error) = match verdict {
        Verdict::Send(requests) => ("send", Some(shown(&Action::Send(requests))), None),
        Verdict::Skip(reason) => ("skip", Some(shown(&Action::Skip(reason))), None),
        Verdict::Failed {
            kind,
            error,
            action,
        } => (
            "error",
            action.as_ref().map(shown),
            failed(kind.as_str(), &error),
        ),
    };
    DryRun {
        plugin: entry.label(),
        outcome,
        action,
        error,
        logs: logs
            .iter()
            .map(|l| json!({"level": l.level, "message": scrub(&l.message, &secrets)}))
            .collect(),
        output: scrub(&output, &secrets),
        duration_ms: (duration.as_secs_f64() * 1e6).round() / 1e3,
    }
}
