//! Authentication, authorisation and the hub's error responses.
//!
//! Clients tell errors apart only by `X-Error-Code` (and, for bad tokens, by the exact `X-Error-Message`), so each
//! refusal here mirrors what the real hub sends, including its quirk of answering anonymous callers 401 for repos
//! that do not exist.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::state::{HubState, Repo};

/// The exact message `huggingface_hub` checks to recognise a rejected token.
pub(crate) const INVALID_CREDENTIALS: &str = "Invalid credentials in Authorization header";

/// A refusal in the hub's format.
#[derive(Debug)]
pub(crate) struct HubError {
    status: StatusCode,
    code: Option<&'static str>,
    message: String,
    commit: Option<String>,
}

impl HubError {
    pub fn new(status: StatusCode, code: Option<&'static str>, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            commit: None,
        }
    }

    pub fn with_commit(mut self, commit: &str) -> Self {
        self.commit = Some(commit.to_owned());
        self
    }

    pub fn repo_not_found(caller: &Caller) -> Self {
        // The real hub does not reveal to anonymous callers whether a repo exists: it asks them to log in.
        let status = if caller.is_anonymous() {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::NOT_FOUND
        };
        Self::new(status, Some("RepoNotFound"), "Repository not found")
    }

    pub fn revision_not_found(rev: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            Some("RevisionNotFound"),
            format!("Invalid rev id: {rev}"),
        )
    }

    pub fn entry_not_found(repo: &Repo, path: &str) -> Self {
        let message = format!("Entry not found: {path}");
        Self::new(StatusCode::NOT_FOUND, Some("EntryNotFound"), message).with_commit(&repo.commit)
    }
}

impl IntoResponse for HubError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "error": self.message }).to_string();
        let mut response = (self.status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
        if let Some(code) = self.code {
            headers.insert("x-error-code", HeaderValue::from_static(code));
        }
        // Messages are built from request paths, which are valid header text; fall back rather than fail.
        let message = HeaderValue::from_str(&self.message).unwrap_or_else(|_| HeaderValue::from_static("error"));
        headers.insert("x-error-message", message);
        if let Some(commit) = self.commit.and_then(|c| HeaderValue::from_str(&c).ok()) {
            headers.insert("x-repo-commit", commit);
        }
        response
    }
}

/// Why a repo route refused a request.
#[derive(Debug)]
pub(crate) enum Refusal {
    /// An armed `fail_next` fault: the status only, no body and no error code.
    Injected(u16),
    Hub(HubError),
}

impl From<HubError> for Refusal {
    fn from(error: HubError) -> Self {
        Refusal::Hub(error)
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Refusal::Hub(error) => error.into_response(),
            Refusal::Injected(status) => {
                let status = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
                let mut response = Response::new(Body::empty());
                *response.status_mut() = status;
                response
                    .headers_mut()
                    .insert(header::CONTENT_LENGTH, HeaderValue::from_static("0"));
                response
            }
        }
    }
}

/// Who is asking.
#[derive(Debug, Clone)]
pub(crate) enum Caller {
    Anonymous,
    Token(String),
}

impl Caller {
    pub fn is_anonymous(&self) -> bool {
        matches!(self, Caller::Anonymous)
    }

    pub fn token(&self) -> Option<&str> {
        match self {
            Caller::Anonymous => None,
            Caller::Token(token) => Some(token),
        }
    }
}

/// Identifies the caller; any Authorization header that is not a known bearer token is refused outright.
pub(crate) fn caller(state: &HubState, headers: &HeaderMap) -> Result<Caller, HubError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(Caller::Anonymous);
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    match token {
        Some(token) if state.is_known_token(token) => Ok(Caller::Token(token.to_owned())),
        _ => Err(HubError::new(StatusCode::UNAUTHORIZED, None, INVALID_CREDENTIALS)),
    }
}

/// The common start of every repo route: injected failures, credentials, existence and privacy.
pub(crate) fn enter_repo(state: &HubState, headers: &HeaderMap, repo_id: &str) -> Result<(Arc<Repo>, Caller), Refusal> {
    if let Some(status) = state.faults.take_fail(repo_id) {
        return Err(Refusal::Injected(status));
    }
    let caller = caller(state, headers)?;
    let Some(repo) = state.repo(repo_id) else {
        return Err(HubError::repo_not_found(&caller).into());
    };
    if repo.options.private && !repo.allows(caller.token()) {
        let refusal = HubError::new(StatusCode::UNAUTHORIZED, Some("RepoNotFound"), "Repository not found");
        return Err(refusal.into());
    }
    Ok((repo, caller))
}

/// Gated repos list their files to anyone but serve them only to approved tokens.
pub(crate) fn check_file_access(repo: &Repo, caller: &Caller) -> Result<(), HubError> {
    if !repo.options.gated || repo.allows(caller.token()) {
        return Ok(());
    }
    let (status, message) = match caller {
        Caller::Anonymous => (
            StatusCode::UNAUTHORIZED,
            format!(
                "Access to model {} is restricted. You must be authenticated to access it.",
                repo.id
            ),
        ),
        Caller::Token(_) => (
            StatusCode::FORBIDDEN,
            format!(
                "Access to model {} is restricted and you are not in the authorized list.",
                repo.id
            ),
        ),
    };
    Err(HubError::new(status, Some("GatedRepo"), message))
}
