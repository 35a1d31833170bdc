//! Loading checks: anything that is not a transformer component gets a clear
//! error, never a panic; the built-ins load and describe themselves.

use kait::builtin;
use kait::runtime::LoadError;

use crate::common;

fn load_error(bytes: &[u8]) -> LoadError {
    common::runtime().load(bytes).expect_err("must be refused")
}

#[test]
fn garbage_and_empty_files_are_not_wasm() {
    assert!(matches!(
        load_error(b"definitely not wasm"),
        LoadError::NotWasm
    ));
    assert!(matches!(load_error(b""), LoadError::NotWasm));
}

#[test]
fn a_core_module_is_refused_with_advice() {
    let module = wat::parse_str("(module (func (export \"run\")))").unwrap();
    let error = load_error(&module);
    assert!(matches!(error, LoadError::CoreModule));
    assert!(error.to_string().contains("not a component"));
}

#[test]
fn a_truncated_component_is_invalid() {
    assert!(matches!(
        load_error(&builtin::TELEGRAM[..200]),
        LoadError::Invalid(_)
    ));
}

#[test]
fn a_component_of_another_world_is_refused() {
    let bytes = std::fs::read(common::guests::KAIT_TEST_OTHER_WORLD).unwrap();
    let error = load_error(&bytes);
    assert!(matches!(error, LoadError::NotATransformer(_)), "{error}");
    assert!(
        error
            .to_string()
            .contains("info, validate-config, transform"),
        "{error}"
    );
}

#[test]
fn unknown_imports_are_listed() {
    let component = wat::parse_str(
        r#"(component
             (import "wasi:http/outgoing-handler@0.2.0" (instance))
             (import "evil:net/socket@1.0.0" (instance)))"#,
    )
    .unwrap();
    match load_error(&component) {
        LoadError::UnknownImports(names) => assert_eq!(
            names,
            ["wasi:http/outgoing-handler@0.2.0", "evil:net/socket@1.0.0"]
        ),
        other => panic!("expected unknown imports, got {other}"),
    }
}

#[test]
fn the_built_ins_load_and_describe_themselves() {
    let runtime = common::runtime();
    for name in builtin::NAMES {
        let plugin = runtime.load(builtin::get(name).unwrap()).unwrap();
        assert!(plugin.id().starts_with("sha256:"));
        let foreign = plugin
            .imports()
            .iter()
            .filter(|i| !i.starts_with("wasi:") && !i.starts_with("kait:plugin/"));
        assert_eq!(foreign.count(), 0, "{name}: {:?}", plugin.imports());
        let info = runtime.info(&plugin).result.unwrap();
        assert_eq!(info.name, name);
        let schema: serde_json::Value = serde_json::from_str(&info.config_schema).unwrap();
        assert_eq!(
            schema["$schema"],
            "https://json-schema.org/draft/2020-12/schema"
        );
        assert_eq!(schema["type"], "object");
    }
}

#[test]
fn the_same_bytes_get_the_same_id() {
    let runtime = common::runtime();
    let a = runtime.load(builtin::HTTP).unwrap();
    let b = runtime.load(builtin::HTTP).unwrap();
    assert_eq!(a.id(), b.id());
    assert_ne!(a.id(), runtime.load(builtin::SHEETS).unwrap().id());
}

#[test]
fn a_second_start_loads_compiled_code_from_the_disk_cache() {
    let dir = tempfile::tempdir().unwrap();
    let config = || kait::runtime::RuntimeConfig {
        cache_dir: Some(dir.path().to_path_buf()),
        ..kait::runtime::RuntimeConfig::default()
    };
    let first = kait::runtime::Runtime::new(config()).unwrap();
    assert!(!first.load(builtin::HTTP).unwrap().was_cached());
    let entries = std::fs::read_dir(dir.path()).unwrap().count();
    assert_eq!(entries, 1, "one compiled artifact is written");

    let second = kait::runtime::Runtime::new(config()).unwrap();
    let plugin = second.load(builtin::HTTP).unwrap();
    assert!(plugin.was_cached());
    assert!(second.info(&plugin).result.is_ok());
}

#[test]
fn a_corrupt_cache_entry_is_recompiled() {
    let dir = tempfile::tempdir().unwrap();
    let config = || kait::runtime::RuntimeConfig {
        cache_dir: Some(dir.path().to_path_buf()),
        ..kait::runtime::RuntimeConfig::default()
    };
    kait::runtime::Runtime::new(config())
        .unwrap()
        .load(builtin::HTTP)
        .unwrap();
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        std::fs::write(entry.unwrap().path(), b"garbage").unwrap();
    }
    let runtime = kait::runtime::Runtime::new(config()).unwrap();
    let plugin = runtime.load(builtin::HTTP).unwrap();
    assert!(!plugin.was_cached());
    assert!(runtime.info(&plugin).result.is_ok());
}
