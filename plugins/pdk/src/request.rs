//! Building the [`OutgoingRequest`]s a plugin hands back to the host.

use serde::Serialize;

use crate::{Auth, OutgoingRequest, PluginError};

/// A request whose body is `body` serialized as JSON, with
/// `content-type: application/json`.
pub fn json(
    method: &str,
    url: String,
    body: &impl Serialize,
    auth: Option<Auth>,
) -> Result<OutgoingRequest, PluginError> {
    let body = serde_json::to_vec(body)
        .map_err(|err| PluginError::Failed(format!("cannot encode the request body: {err}")))?;
    Ok(OutgoingRequest {
        method: method.to_owned(),
        url,
        headers: vec![("content-type".to_owned(), "application/json".to_owned())],
        body,
        auth,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_request_sets_the_content_type() {
        let request = json("POST", "https://x.test/".into(), &[1, 2], None).unwrap();
        assert_eq!(request.method, "POST");
        assert_eq!(request.body, b"[1,2]");
        assert_eq!(
            request.headers,
            vec![("content-type".to_owned(), "application/json".to_owned())]
        );
    }
}
