//! A plugin's action as JSON for people: bodies as text when they are UTF-8,
//! credentials masked.

use base64::Engine as _;
use serde_json::{Value, json};

use crate::redact::mask;
use crate::runtime::{Action, Auth, OutgoingRequest};

/// The action as JSON: `{"send": [requests]}` or `{"skip": reason}`.
pub fn action(action: &Action) -> Value {
    match action {
        Action::Send(requests) => {
            json!({ "send": requests.iter().map(request).collect::<Vec<_>>() })
        }
        Action::Skip(reason) => json!({ "skip": reason }),
    }
}

fn request(request: &OutgoingRequest) -> Value {
    let mut value = json!({
        "method": request.method,
        "url": request.url,
        "headers": request.headers,
    });
    match std::str::from_utf8(&request.body) {
        Ok(text) => value["body"] = text.into(),
        Err(_) => {
            value["body_base64"] = base64::engine::general_purpose::STANDARD
                .encode(&request.body)
                .into()
        }
    }
    if let Some(auth) = &request.auth {
        value["auth"] = match auth {
            Auth::Bearer(token) => json!({ "bearer": mask(token) }),
            Auth::GoogleServiceAccount(creds) => {
                let email = serde_json::from_str::<Value>(&creds.key_json)
                    .ok()
                    .and_then(|key| key.get("client_email").cloned())
                    .unwrap_or(Value::Null);
                json!({ "google_service_account": { "client_email": email, "scopes": creds.scopes } })
            }
        };
    }
    value
}
