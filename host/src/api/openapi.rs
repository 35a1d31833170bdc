//! The OpenAPI document, as a client generator or a fuzzer reads it. The handlers
//! state what is theirs (their bodies, and the refusals only they make: 403, 404,
//! 409, a semantic 422); this module adds what every route shares, so no route can
//! forget one: 401 and `security` (public routes say `security: []`), 400 for a
//! path or query that does not parse, 400/413/415/422 for a JSON body, 404 for a
//! path naming something, 500 and 503, each with the error body; and the
//! patterns of the path parameters, which are the domain's own rules.

use serde_json::{Map, Value, json};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::error::ErrorBody;
use super::schema::{NAME_PATTERN, PLUGIN_NAME_PATTERN, PLUGIN_PATTERN, SHOP_ID_PATTERN};

#[derive(OpenApi)]
#[openapi(
    info(title = "Kait", description = "The webhook engine: shops, webhooks, events and the delivery log."),
    modifiers(&BearerKeys),
    components(schemas(ErrorBody)),
    tags(
        (name = "shops", description = "Shops and their plans (admin)"),
        (name = "webhooks", description = "A shop's webhooks (Settings → Webhooks)"),
        (name = "events", description = "Ingest, and the event types with their format"),
        (name = "deliveries", description = "The delivery log"),
        (name = "plugins", description = "A shop's plugins: upload, versions, dry run"),
        (name = "operations", description = "Health and metrics"),
    )
)]
pub(super) struct ApiDoc;

struct BearerKeys;

impl Modify for BearerKeys {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("The admin key, or a shop's key"))
                    .build(),
            ),
        );
        openapi.security = Some(vec![utoipa::openapi::security::SecurityRequirement::new(
            "key",
            Vec::<String>::new(),
        )]);
    }
}

/// Routes anyone may call, without a key.
pub const PUBLIC: [&str; 5] = [
    "/healthz",
    "/readyz",
    "/metrics",
    "/v1/event-types",
    "/v1/event-types/schema",
];

/// Routes that answer from memory, so they cannot fail inside (no 500 or 503).
const CONSTANT: [&str; 3] = ["/healthz", "/v1/event-types", "/v1/event-types/schema"];

/// What each path parameter must look like, with its description.
const PATH_PARAMETERS: [(&str, Option<&str>, &str); 4] = [
    ("shop", Some(SHOP_ID_PATTERN), "The shop's id"),
    ("name", Some(PLUGIN_NAME_PATTERN), "The plugin's name"),
    (
        "version",
        Some("^(latest|[0-9a-f]{12})$"),
        "A version id (12 hex digits), or `latest`",
    ),
    (
        "id",
        Some("^[A-Za-z0-9_-]{1,128}$"),
        "The webhook's or the delivery's id, as Kait made it",
    ),
];

/// Routes that read their body whatever its content type (ingest: platforms
/// post events with whatever their HTTP client sends), so never answer 415.
const ANY_CONTENT_TYPE: [&str; 1] = ["/v1/shops/{shop}/events"];

/// The domain's patterns for body fields, by schema and property (utoipa takes
/// only literals in its attributes; these are the domain's constants).
const PROPERTY_PATTERNS: [(&str, &str, &str); 6] = [
    ("CreateShop", "id", SHOP_ID_PATTERN),
    ("CreateShop", "name", NAME_PATTERN),
    ("CreateWebhook", "name", NAME_PATTERN),
    ("UpdateWebhook", "name", NAME_PATTERN),
    ("CreateWebhook", "plugin", PLUGIN_PATTERN),
    ("UpdateWebhook", "plugin", PLUGIN_PATTERN),
];

/// How one answer leads to the next calls (an OpenAPI link): the resource a
/// create made, by the id in its body. For client generators, and for the
/// contract check's stateful phase.
struct Link {
    /// The operation that answers.
    from: &'static str,
    /// With this status.
    status: &'static str,
    /// The operations its answer leads to.
    to: &'static [&'static str],
    /// Their parameters: `shop` from the request, the rest from the body.
    parameters: &'static [(&'static str, &'static str)],
}

const LINKS: [Link; 5] = [
    Link {
        from: "create_shop",
        status: "201",
        to: &["get_shop", "update_shop", "list_webhooks"],
        parameters: &[("shop", "$response.body#/shop/id")],
    },
    Link {
        from: "create_webhook",
        status: "201",
        to: &[
            "get_webhook",
            "update_webhook",
            "delete_webhook",
            "pause_webhook",
            "resume_webhook",
            "test_webhook",
            "list_deliveries",
        ],
        parameters: &[("shop", "$request.path.shop"), ("id", "$response.body#/id")],
    },
    Link {
        from: "test_webhook",
        status: "200",
        to: &["get_delivery", "retry_delivery"],
        parameters: &[("shop", "$request.path.shop"), ("id", "$response.body#/id")],
    },
    Link {
        from: "ingest_event",
        status: "202",
        to: &["get_event"],
        parameters: &[("shop", "$request.path.shop"), ("id", "$response.body#/id")],
    },
    Link {
        from: "upload_plugin_version",
        status: "201",
        to: &["get_plugin_version", "delete_plugin_version"],
        parameters: &[
            ("shop", "$request.path.shop"),
            ("name", "$request.path.name"),
            ("version", "$response.body#/version"),
        ],
    },
];

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// The document utoipa built from the handlers, completed as the module header
/// says.
pub fn complete(openapi: utoipa::openapi::OpenApi) -> Value {
    let mut doc = serde_json::to_value(openapi).expect("the document is JSON");
    for (schema, property, pattern) in PROPERTY_PATTERNS {
        let field = &mut doc["components"]["schemas"][schema]["properties"][property];
        assert!(field.is_object(), "{schema}.{property} is in the document");
        field["pattern"] = pattern.into();
    }
    let Some(paths) = doc["paths"].as_object_mut() else {
        return doc;
    };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for (method, operation) in item.iter_mut() {
            if METHODS.contains(&method.as_str())
                && let Some(operation) = operation.as_object_mut()
            {
                complete_operation(path, operation);
            }
        }
    }
    add_links(&mut doc);
    doc
}

fn add_links(doc: &mut Value) {
    let mut operations = Vec::new();
    for item in doc["paths"]
        .as_object_mut()
        .into_iter()
        .flat_map(|p| p.values_mut())
    {
        for operation in item
            .as_object_mut()
            .into_iter()
            .flat_map(|i| i.values_mut())
        {
            operations.push(operation);
        }
    }
    for Link {
        from,
        status,
        to,
        parameters,
    } in LINKS
    {
        let operation = operations
            .iter_mut()
            .find(|o| o["operationId"] == from)
            .unwrap_or_else(|| panic!("no operation {from}"));
        let response = &mut operation["responses"][status];
        assert!(response.is_object(), "{from} answers {status}");
        let parameters: Map<String, Value> = parameters
            .iter()
            .map(|(name, value)| (name.to_string(), (*value).into()))
            .collect();
        let links: Map<String, Value> = to
            .iter()
            .map(|id| {
                (
                    id.to_string(),
                    json!({"operationId": id, "parameters": parameters}),
                )
            })
            .collect();
        response["links"] = Value::Object(links);
    }
}

fn complete_operation(path: &str, operation: &mut Map<String, Value>) {
    let mut add = Vec::new();
    if PUBLIC.contains(&path) {
        operation.insert("security".into(), json!([]));
    } else {
        operation.remove("security");
        add.push((401, "No key, or a key that is not valid"));
    }
    if !CONSTANT.contains(&path) {
        add.push((500, "Internal error (logged; the message says only that)"));
        add.push((503, "Shutting down, or the store does not answer"));
    }
    let parameters = operation
        .get_mut("parameters")
        .and_then(Value::as_array_mut)
        .map(std::mem::take)
        .unwrap_or_default();
    if !parameters.is_empty() {
        add.push((400, "A path segment or a query parameter does not parse"));
    }
    let parameters: Vec<Value> = parameters.into_iter().map(describe_parameter).collect();
    if parameters.iter().any(|p| p["in"] == "path") {
        add.push((404, "Not found, or not the caller's"));
    }
    if !parameters.is_empty() {
        operation.insert("parameters".into(), Value::Array(parameters));
    }
    unwrap_optional_body(operation);
    let json_body = operation
        .get("requestBody")
        .and_then(|b| b["content"].as_object())
        .is_some_and(|c| c.contains_key("application/json"));
    if json_body {
        add.push((400, "The body is not JSON"));
        add.push((413, "The body is too large"));
        if !ANY_CONTENT_TYPE.contains(&path) {
            add.push((415, "A body without `content-type: application/json`"));
        }
        add.push((
            422,
            "The body is JSON but not of this shape, or a value is refused",
        ));
    }
    let responses = operation
        .entry("responses")
        .or_insert_with(|| json!({}))
        .as_object_mut()
        .expect("responses is an object");
    for (status, description) in add {
        responses.entry(status.to_string()).or_insert_with(|| {
            json!({
                "description": description,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}},
            })
        });
    }
}

/// An optional body is one that may be left out (`required` absent), not one
/// that may be `null`: utoipa spells `Option<T>` as `oneOf: [null, T]`.
fn unwrap_optional_body(operation: &mut Map<String, Value>) {
    let Some(content) = operation
        .get_mut("requestBody")
        .and_then(|b| b.get_mut("content"))
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    for media in content.values_mut() {
        let schema = &mut media["schema"];
        let Some(one_of) = schema.get("oneOf").and_then(Value::as_array) else {
            continue;
        };
        if let [null, inner] = one_of.as_slice()
            && null == &json!({"type": "null"})
        {
            *schema = inner.clone();
        }
    }
}

/// A path parameter with the domain's pattern for its name.
fn describe_parameter(mut parameter: Value) -> Value {
    if parameter["in"] != "path" {
        return parameter;
    }
    let name = parameter["name"].as_str().unwrap_or_default().to_string();
    if let Some((_, pattern, description)) = PATH_PARAMETERS.iter().find(|(n, ..)| *n == name) {
        let mut schema = json!({"type": "string", "minLength": 1});
        if let Some(pattern) = pattern {
            schema["pattern"] = (*pattern).into();
        }
        parameter["schema"] = schema;
        if parameter.get("description").is_none() {
            parameter["description"] = (*description).into();
        }
    }
    parameter
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every operation of the served document states the statuses every route
    /// shares, each with the error body.
    #[test]
    fn every_operation_states_what_every_route_shares() {
        let doc = super::super::document();
        let mut seen = 0;
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap() {
                seen += 1;
                let responses = operation["responses"].as_object().unwrap();
                let public = PUBLIC.contains(&path.as_str());
                assert_eq!(
                    operation.get("security") == Some(&json!([])),
                    public,
                    "{method} {path}"
                );
                let mut wanted = vec![];
                if !public {
                    wanted.push("401");
                }
                if path.contains('{') {
                    wanted.extend(["400", "404"]);
                }
                if operation["requestBody"]["content"]["application/json"].is_object() {
                    wanted.extend(["400", "413", "422"]);
                    if !ANY_CONTENT_TYPE.contains(&path.as_str()) {
                        wanted.push("415");
                    }
                }
                for status in wanted {
                    assert_eq!(
                        responses[status]["content"]["application/json"]["schema"]["$ref"],
                        "#/components/schemas/ErrorBody",
                        "{method} {path} {status}"
                    );
                }
                for parameter in operation["parameters"].as_array().into_iter().flatten() {
                    if parameter["in"] == "path" && parameter["name"] == "shop" {
                        assert_eq!(parameter["schema"]["pattern"], SHOP_ID_PATTERN);
                    }
                }
            }
        }
        assert!(seen > 20, "{seen} operations");
        let mut ids: Vec<&str> = doc["paths"]
            .as_object()
            .unwrap()
            .values()
            .flat_map(|item| item.as_object().unwrap().values())
            .map(|operation| operation["operationId"].as_str().unwrap())
            .collect();
        ids.sort();
        let count = ids.len();
        ids.dedup();
        assert_eq!(ids.len(), count, "operationIds are unique: {ids:?}");
        for link in LINKS {
            assert!(link.to.iter().all(|id| ids.contains(id)), "{:?}", link.to);
        }
    }
}
