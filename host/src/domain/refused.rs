//! Why the domain refused a value or an action: a stable code for programs, a
//! reason for people, and what kind of refusal it is (the API picks the status
//! from the kind; the page shows the reason beside the field).

/// What kind of refusal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefusedKind {
    /// The input is not even well-formed (400).
    Malformed,
    /// The value is not acceptable (422).
    Invalid,
    /// The shop's plan does not allow it (403).
    NotAllowed,
    /// There is no such thing, or the caller may not see it (404).
    NotFound,
    /// The current state does not allow it (409).
    Conflict,
}

/// A refusal, with its code and its reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Refused {
    /// What kind.
    pub kind: RefusedKind,
    /// Stable machine-readable code, e.g. `invalid_name`.
    pub code: &'static str,
    /// Why, for people.
    pub message: String,
}

impl Refused {
    /// A value that is not acceptable.
    pub fn invalid(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            kind: RefusedKind::Invalid,
            code,
            message: message.into(),
        }
    }

    /// Input that is not well-formed.
    pub fn malformed(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            kind: RefusedKind::Malformed,
            code,
            message: message.into(),
        }
    }

    /// `what` does not exist (or is not visible).
    pub fn not_found(what: impl std::fmt::Display) -> Self {
        Self {
            kind: RefusedKind::NotFound,
            code: "not_found",
            message: format!("{what} not found"),
        }
    }

    /// The state does not allow it.
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            kind: RefusedKind::Conflict,
            code,
            message: message.into(),
        }
    }

    /// The plan does not allow it.
    pub fn not_allowed(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            kind: RefusedKind::NotAllowed,
            code,
            message: message.into(),
        }
    }
}
