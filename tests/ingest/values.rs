//! Values: random JSON, each field of the wrong type, huge strings, random bytes
//! and invalid UTF-8.

use super::*;

/// Any JSON value, with the event's own words mixed in so some get deep into
/// the checks (and a few are even valid events).
fn any_json() -> impl Strategy<Value = Value> {
    let word = prop_oneof![
        3 => Just("id"), 3 => Just("type"), 3 => Just("shop"), 3 => Just("occurred_at"),
        3 => Just("data"), 3 => Just("checkout"), 3 => Just(SHOP), 3 => Just("order.paid"),
        3 => Just("2024-03-08T21:14:05+08:00"), 1 => Just(""),
    ]
    .prop_map(String::from);
    let text = prop_oneof![word.clone(), ".{0,40}"];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_filter_map("finite", |f| serde_json::Number::from_f64(f)
            .map(Value::Number)),
        text.clone().prop_map(Value::from),
    ];
    let key = prop_oneof![3 => word, 1 => ".{0,12}"];
    leaf.prop_recursive(6, 128, 8, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::vec((key.clone(), inner), 0..8)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

#[test]
fn random_json_is_answered_2xx_or_4xx() {
    let target = Target::start();
    target.check(any_json(), |value| target.post_json(&value).map(drop));
    target.finish();
}

/// The JSON types, for replacing a field by one of another type.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Type {
    String,
    Number,
    Array,
    Object,
    Null,
    Bool,
}

fn a_value_of(kind: Type) -> BoxedStrategy<Value> {
    match kind {
        Type::String => ".{0,20}".prop_map(Value::from).boxed(),
        Type::Number => prop_oneof![
            any::<i64>().prop_map(Value::from),
            (-1e9f64..1e9).prop_map(Value::from)
        ]
        .boxed(),
        // Most start with an object: serde also reads a struct from an array of
        // its fields in order, so `[{…}]` could pass for `{"checkout": {…}}`.
        Type::Array => (
            prop::bool::weighted(0.75),
            a_value_of(Type::Object),
            prop::collection::vec(any_json(), 0..4),
        )
            .prop_map(|(first, object, mut items)| {
                if first {
                    items.insert(0, object);
                }
                Value::Array(items)
            })
            .boxed(),
        Type::Object => prop::collection::vec((".{0,8}", any_json()), 0..4)
            .prop_map(|pairs| Value::Object(pairs.into_iter().collect()))
            .boxed(),
        Type::Null => Just(Value::Null).boxed(),
        Type::Bool => any::<bool>().prop_map(Value::from).boxed(),
    }
}

/// Each field of the event with the types it may have (`id` may be left out).
const FIELDS: [(&str, &[Type]); 6] = [
    ("/id", &[Type::String, Type::Null]),
    ("/type", &[Type::String]),
    ("/shop", &[Type::String]),
    ("/occurred_at", &[Type::String]),
    ("/data", &[Type::Object]),
    ("/data/checkout", &[Type::Object]),
];

#[test]
fn every_field_of_the_wrong_type_is_refused() {
    let target = Target::start();
    let all = [
        Type::String,
        Type::Number,
        Type::Array,
        Type::Object,
        Type::Null,
        Type::Bool,
    ];
    // Every case tries each field in turn, with a value of a type it may not
    // have (a union, not a flat_map: it shrinks quickly).
    let wrong: Vec<_> = FIELDS
        .map(|(field, allowed)| {
            let values = all
                .into_iter()
                .filter(|kind| !allowed.contains(kind))
                .map(|kind| a_value_of(kind).prop_map(move |value| (field, kind, value)));
            prop::strategy::Union::new(values)
        })
        .into();
    target.check(wrong, |fields| {
        for (field, kind, value) in fields {
            let shown = value.to_string();
            let mut sent = event("order.paid", SHOP, &target.unique());
            *sent.pointer_mut(field).unwrap() = value;
            let answer = target.post_json(&sent)?;
            prop_assert!(
                (400..500).contains(&answer.status),
                "{field} as {kind:?} {} was answered {}: {}",
                shortened(&shown),
                answer.status,
                answer.body
            );
        }
        Ok(())
    });
    target.finish();
}

/// Where a huge string goes, and what the answer is while the event fits.
const HUGE_IN: [(&str, u16); 7] = [
    ("/id", 202),
    ("/type", 422),
    ("/shop", 422),
    ("/occurred_at", 422),
    ("/data/checkout/note", 202),
    ("/data/checkout/items/0/name", 202),
    ("/data/extra", 202),
];

#[test]
fn huge_strings_fit_under_the_limit_or_get_413() {
    let target = Target::start();
    let size = prop_oneof![0..4096usize, LIMIT - 4096..LIMIT + 4096, 0..300 * 1024usize];
    let char = prop::sample::select(vec!['x', 'é', '€', '😀', '"', '\\', '\n', '\u{0}']);
    let huge = (prop::sample::select(HUGE_IN.to_vec()), size, char);
    target.check(huge, |((field, fits), size, char)| {
        let mut sent = event("order.paid", SHOP, &target.unique());
        let text: String = std::iter::repeat_n(char, size / char.len_utf8()).collect();
        // An id must be a non-empty text without control characters.
        let bad_id = field == "/id"
            && (text.is_empty()
                || text.chars().count() > kait::events::MAX_ID_CHARS
                || text.contains(char::is_control));
        let (parent, name) = field.rsplit_once('/').unwrap();
        match sent.pointer_mut(parent).unwrap() {
            Value::Array(items) => items[name.parse::<usize>().unwrap()] = text.into(),
            object => object[name] = text.into(),
        }
        let body = sent.to_string().into_bytes();
        let len = body.len();
        let answer = target.post(body)?;
        let expected = match (len > LIMIT, bad_id) {
            (true, _) => 413,
            (false, true) => 422,
            (false, false) => fits,
        };
        prop_assert_eq!(
            answer.status,
            expected,
            "{} of {} bytes in {}: {}",
            size,
            len,
            field,
            answer.body
        );
        Ok(())
    });
    target.finish();
}

/// Bytes to post.
#[derive(Debug, Clone)]
enum Bytes {
    /// Anything at all.
    Random(Vec<u8>),
    /// A valid event with some of its bytes overwritten (at positions modulo its
    /// length).
    Overwritten(Vec<(usize, u8)>),
    /// A valid event with these bytes inside a string (`data.checkout.note`).
    InAString(Vec<u8>),
}

#[test]
fn random_bytes_and_invalid_utf8_are_refused_cleanly() {
    let target = Target::start();
    let bytes = prop_oneof![
        prop::collection::vec(any::<u8>(), 0..4096).prop_map(Bytes::Random),
        prop::collection::vec((any::<usize>(), any::<u8>()), 1..8).prop_map(Bytes::Overwritten),
        prop::collection::vec(any::<u8>(), 0..64).prop_map(Bytes::InAString),
    ];
    target.check(bytes, |bytes| {
        let mut sent = event("order.paid", SHOP, &target.unique());
        sent["data"]["checkout"]["note"] = "@@".into();
        let mut body = sent.to_string().into_bytes();
        match bytes {
            Bytes::Random(random) => body = random,
            Bytes::Overwritten(changes) => {
                let len = body.len();
                for (at, byte) in changes {
                    body[at % len] = byte;
                }
            }
            Bytes::InAString(random) => {
                let at = body.windows(2).position(|w| w == b"@@").unwrap();
                body.splice(at..at + 2, random);
            }
        }
        let utf8 = std::str::from_utf8(&body).is_ok();
        let answer = target.post(body)?;
        if !utf8 {
            prop_assert_eq!(answer.status, 400, "{}", answer.body);
            prop_assert_eq!(&answer.body["error"]["code"], "invalid_request");
        }
        Ok(())
    });
    target.finish();
}
