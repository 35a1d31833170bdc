//! The per-instance store of compiled templates.
//!
//! The host reuses warm instances, so each distinct template text is compiled once
//! per instance (per escaping mode) and kept here: one minijinja environment per
//! mode, plus an index from the merchant's text to the compiled entry. The store is
//! bounded; when it is full it starts over, and entries still held by a caller
//! recompile themselves on their next use.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use minijinja::{AutoEscape, Environment, Error, ErrorKind, UndefinedBehavior, Value};

use super::escape::{self, Escape};
use super::filters;
use super::rewrite::{self, Rewritten};

/// Most templates kept per mode before the store starts over.
const CAPACITY: usize = 256;

/// Instructions one render may execute, so a runaway loop in a merchant template
/// fails with a clear error instead of running into the host's time limit.
const FUEL: u64 = 5_000_000;

/// The variable a single-expression template's value is captured in.
pub(crate) const VALUE_VAR: &str = "__kait_value";

/// One compiled template.
#[derive(Debug)]
pub(crate) struct Entry {
    pub(crate) text: String,
    pub(crate) escape: Escape,
    pub(crate) name: String,
    pub(crate) rewritten: Rewritten,
    /// For a template that is exactly one `{{ expr }}`: the name and source of a
    /// companion template that captures the expression's value.
    pub(crate) value: Option<(String, String)>,
    /// A filter, test or function the template names but that does not exist,
    /// found by a trial render on example data when the text was first compiled.
    pub(crate) unknown_name: Option<Error>,
}

struct Mode {
    env: Environment<'static>,
    entries: HashMap<String, Rc<Entry>>,
}

struct Store {
    modes: [Mode; 4],
    next: u64,
}

thread_local! {
    static STORE: RefCell<Store> = RefCell::new(Store {
        modes: [Escape::Html, Escape::Json, Escape::None, Escape::Url].map(|escape| Mode {
            env: environment(escape),
            entries: HashMap::new(),
        }),
        next: 0,
    });
}

fn environment(escape: Escape) -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Chainable);
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.set_debug(false);
    env.set_fuel(Some(FUEL));
    env.set_auto_escape_callback(|_| AutoEscape::None);
    env.set_formatter(move |out, _state, value| {
        escape::write_value(escape, out, value)
            .map_err(|_| Error::new(ErrorKind::WriteFailure, "cannot write the output"))
    });
    env.add_filter("money", filters::money);
    env.add_filter("date", filters::date);
    env.add_filter("pluck", filters::pluck);
    super::lenient::register(&mut env);
    env
}

/// The compiled entry for `text`, compiling it on first use.
pub(crate) fn compile(text: &str, escape: Escape) -> Result<Rc<Entry>, (Rewritten, Error)> {
    STORE.with(|store| {
        let mut store = store.borrow_mut();
        if let Some(entry) = store.modes[escape.index()].entries.get(text) {
            return Ok(Rc::clone(entry));
        }
        store.next += 1;
        let name = format!("t{}", store.next);
        let mode = &mut store.modes[escape.index()];
        if mode.entries.len() >= CAPACITY {
            mode.entries.clear();
            mode.env.clear_templates();
        }
        let rewritten = rewrite::rewrite(text);
        if let Err(err) = mode
            .env
            .add_template_owned(name.clone(), rewritten.source.clone())
        {
            return Err((rewritten, err));
        }
        let value = single_expression(&rewritten.source).map(|inner| {
            let source = format!("{{% set {VALUE_VAR} = ({inner}) %}}");
            (format!("{name}.value"), source)
        });
        if let Some((value_name, source)) = &value {
            // Cannot fail where the `{{ }}` form compiled; if it does, the entry
            // simply renders as text.
            let _ = mode
                .env
                .add_template_owned(value_name.clone(), source.clone());
        }
        let unknown_name = unknown_name(&mode.env, &name);
        let entry = Rc::new(Entry {
            text: text.to_owned(),
            escape,
            name,
            rewritten,
            value: value.filter(|(value_name, _)| mode.env.get_template(value_name).is_ok()),
            unknown_name,
        });
        mode.entries.insert(text.to_owned(), Rc::clone(&entry));
        Ok(entry)
    })
}

/// A trial render on example data, so a misspelt filter, test or function is
/// reported when the configuration is checked rather than on the first event.
/// Other render errors depend on the data and are left to real events.
fn unknown_name(env: &Environment<'static>, name: &str) -> Option<Error> {
    let err = env
        .get_template(name)
        .ok()?
        .render(sample_context())
        .err()?;
    matches!(
        err.kind(),
        ErrorKind::UnknownFilter
            | ErrorKind::UnknownTest
            | ErrorKind::UnknownFunction
            | ErrorKind::UnknownMethod
    )
    .then_some(err)
}

/// Runs `f` with the compiled template `name` of `entry`, recompiling it if the
/// store has started over since.
pub(crate) fn with_template<R>(
    entry: &Entry,
    name: &str,
    source: &str,
    f: impl FnOnce(&minijinja::Template<'_, '_>) -> Result<R, Error>,
) -> Result<R, Error> {
    STORE.with(|store| {
        let mut store = store.borrow_mut();
        let env = &mut store.modes[entry.escape.index()].env;
        if env.get_template(name).is_err() {
            env.add_template_owned(name.to_owned(), source.to_owned())?;
        }
        f(&env.get_template(name)?)
    })
}

/// The inside of a template that is exactly one `{{ expr }}`.
fn single_expression(source: &str) -> Option<&str> {
    let inner = source.trim().strip_prefix("{{")?.strip_suffix("}}")?;
    let inner = inner.strip_prefix(['-', '+']).unwrap_or(inner);
    let inner = inner.strip_suffix(['-', '+']).unwrap_or(inner);
    let nested = ["{{", "}}", "{%", "%}", "{#", "#}"]
        .iter()
        .any(|delimiter| inner.contains(delimiter));
    (!nested && !inner.trim().is_empty()).then_some(inner)
}

/// Example data shaped like the help page's table, for trial renders that find
/// unknown filters, tests and functions when a template is saved.
pub(crate) fn sample_context() -> Value {
    thread_local! {
        static SAMPLE: Value = Value::from_serialize(serde_json::json!({
            "event": {
                "id": "evt_sample", "type": "order.paid", "title": "Order Paid", "shop": "mirfaith",
                "occurred_at": "2021-03-03T22:58:32+08:00",
            },
            "checkout": {
                "id": 1262140, "domain": "mirfaith.myshoppegram.com",
                "url": "https://mirfaith.myshoppegram.com", "currency": "MYR",
                "total": 10, "shipping": 0, "rate": "FREE SHIPPING COD",
                "completed_at": "2021-03-03T22:58:32+08:00",
                "created_at": "2021-03-03T22:58:17+08:00",
                "items": [{
                    "product": {"name": "Test", "sku": "123456"}, "name": "2 Unit/ Hitam",
                    "currency": "MYR", "price": 10, "quantity": 1, "subtotal": 10,
                }],
                "customer": {
                    "first_name": "Abu", "last_name": "Ali", "phone": "60123456789",
                    "email": "abuali@gmail.com",
                },
                "shipping_address": {
                    "first_name": "Nur", "last_name": "Aishah", "phone": "601122334455",
                    "email": "nuraishah@gmail.com", "address1": "Persiaran Permata Perdana",
                    "address2": "-", "zip": "63000", "city": "Cyberjaya", "state": "Selangor",
                },
            },
        }));
    }
    SAMPLE.with(Value::clone)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_expressions_are_recognised() {
        assert_eq!(single_expression(" {{ a.b }}\n"), Some(" a.b "));
        assert_eq!(single_expression("{{- a -}}"), Some(" a "));
        assert_eq!(single_expression("{{ a }} {{ b }}"), None);
        assert_eq!(single_expression("x {{ a }}"), None);
        assert_eq!(single_expression("{{ }}"), None);
    }

    #[test]
    fn a_text_is_compiled_once_per_mode() {
        let text = "cache test {{ event.id }}";
        let first = compile(text, Escape::Html).unwrap();
        let again = compile(text, Escape::Html).unwrap();
        assert!(Rc::ptr_eq(&first, &again));
        let json = compile(text, Escape::Json).unwrap();
        assert!(!Rc::ptr_eq(&first, &json));
    }

    #[test]
    fn entries_survive_the_store_starting_over() {
        let kept = compile("kept {{ 1 + 1 }}", Escape::None).unwrap();
        for i in 0..=CAPACITY {
            compile(&format!("filler {i}"), Escape::None).unwrap();
        }
        let out = with_template(&kept, &kept.name, &kept.rewritten.source, |t| t.render(()));
        assert_eq!(out.unwrap(), "kept 2");
    }
}
