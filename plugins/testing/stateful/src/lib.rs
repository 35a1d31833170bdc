//! A guest that remembers the previous call in a global, so the host's tests can
//! prove that warm instances never carry state across shops or configurations,
//! and that an instance starts clean after a trap. Each `skip` reason is
//! `previous=<shop>|<config>|<event id>` (or `previous=none`). An event whose id
//! is `trap` panics after being remembered.

use std::sync::Mutex;

use kait_pdk::{Action, Event, Guest, PluginError, PluginInfo};

static PREVIOUS: Mutex<Option<String>> = Mutex::new(None);

struct Stateful;

impl Guest for Stateful {
    fn info() -> PluginInfo {
        PluginInfo {
            name: "stateful".into(),
            version: "0.0.0".into(),
            description: "remembers the previous event".into(),
            config_schema: r#"{"type":"object"}"#.into(),
        }
    }

    fn validate_config(_config: String) -> Result<(), PluginError> {
        Ok(())
    }

    fn transform(event: Event, config: String) -> Result<Action, PluginError> {
        let current = format!("{}|{}|{}", event.shop, config, event.id);
        let previous = PREVIOUS.lock().unwrap().replace(current);
        if event.id == "trap" {
            panic!("trap requested");
        }
        Ok(Action::Skip(format!(
            "previous={}",
            previous.as_deref().unwrap_or("none")
        )))
    }
}

kait_pdk::export_transformer!(Stateful);
