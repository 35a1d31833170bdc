//! TEMPORARY placeholder until the real module lands.
/// Placeholder.
#[derive(Clone)]
pub struct GoogleTokens;
impl GoogleTokens {
    /// Placeholder.
    pub fn new(_client: reqwest::Client, _token_url: Option<String>) -> Self {
        Self
    }
    /// Placeholder.
    pub async fn token(
        &self,
        _key_json: &str,
        _scopes: &[String],
        _now_unix: i64,
    ) -> Result<String, GoogleError> {
        Err(GoogleError::InvalidKey("placeholder".into()))
    }
}
/// Placeholder.
#[derive(Debug, thiserror::Error)]
pub enum GoogleError {
    /// Placeholder.
    #[error("invalid service-account key: {0}")]
    InvalidKey(String),
}
