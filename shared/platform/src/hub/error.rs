//! Hub errors, and the one function that maps them to our codes (docs/errors.md).

use millm_contract::error::{ErrorCode, Failure};
use serde_json::json;

/// What went wrong talking to the hub.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum HubError {
    /// The hub answered with a refusal (401/403/404), with its `X-Error-Code` when sent.
    #[error("hub refused with {status} ({code:?}): {message}")]
    Refused {
        status: u16,
        code: Option<String>,
        message: String,
    },
    /// Connect error, timeout, 429 or 5xx, after retries.
    #[error("hub unavailable: {0}")]
    Unavailable(String),
    #[error("hub circuit breaker is open")]
    BreakerOpen,
    #[error("hub answer is not understood: {0}")]
    Decode(String),
}

/// Where the error happened: a synchronous API call, or the downloader fetching `file`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallSite<'a> {
    Sync {
        repo_id: &'a str,
        revision: Option<&'a str>,
    },
    Download {
        repo_id: &'a str,
        revision: Option<&'a str>,
        file: Option<&'a str>,
    },
}

/// Maps a hub error to our code, on `X-Error-Code` and on whether a token was sent.
pub fn hub_failure(error: &HubError, token_sent: bool, site: CallSite<'_>) -> Failure {
    let (repo_id, revision, file) = match site {
        CallSite::Sync { repo_id, revision } => (repo_id, revision, None),
        CallSite::Download {
            repo_id,
            revision,
            file,
        } => (repo_id, revision, file),
    };
    let sync = matches!(site, CallSite::Sync { .. });
    let repo_not_found = || {
        Failure::new(
            ErrorCode::RepoNotFound,
            format!("Repository '{repo_id}' was not found on the hub"),
        )
    };
    match error {
        HubError::Refused { status, code, .. } => match (code.as_deref(), status) {
            (Some("RepoNotFound"), _) => repo_not_found(),
            (Some("RevisionNotFound"), _) => Failure::new(
                ErrorCode::RepoNotFound,
                format!(
                    "Revision '{}' of '{repo_id}' was not found on the hub",
                    revision.unwrap_or("main")
                ),
            )
            .with_details(json!({"revision": revision})),
            (Some("GatedRepo"), _) | (None, 403) if !token_sent => Failure::new(
                ErrorCode::GatedModelNoToken,
                format!(
                    "'{repo_id}' is gated: accept its licence on the hub, then give a HuggingFace token that has access to it"
                ),
            ),
            (Some("GatedRepo"), _) | (None, 401 | 403) if token_sent => Failure::new(
                ErrorCode::InvalidHfToken,
                format!("The hub refused the token for '{repo_id}'"),
            ),
            (Some("EntryNotFound"), _) if sync => Failure::new(
                ErrorCode::UnsupportedModel,
                format!(
                    "'{repo_id}' lacks a file miLLM needs{}",
                    file.map(|f| format!(": {f}")).unwrap_or_default()
                ),
            )
            .with_details(json!({"architecture": null, "reason": "a required file is missing"})),
            (Some("EntryNotFound"), _) => download_failed(repo_id, file, "the hub has no such file"),
            _ if sync => repo_not_found(),
            _ => download_failed(repo_id, file, &format!("the hub refused with HTTP {status}")),
        },
        HubError::BreakerOpen if sync => Failure::new(
            ErrorCode::HubUnavailable,
            "The hub is failing; miLLM stopped calling it for a while (circuit breaker open). Try again shortly.",
        )
        .with_details(json!({"breaker": "open"})),
        HubError::Unavailable(_) | HubError::Decode(_) if sync => Failure::new(
            ErrorCode::HubUnavailable,
            "The hub did not answer properly after retries. Try again shortly.",
        )
        .with_details(json!({"breaker": "closed"})),
        HubError::BreakerOpen => download_failed(repo_id, file, "the hub circuit breaker is open"),
        HubError::Unavailable(reason) | HubError::Decode(reason) => download_failed(repo_id, file, reason),
    }
}

fn download_failed(repo_id: &str, file: Option<&str>, reason: &str) -> Failure {
    Failure::download_failed(repo_id, file, reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(status: u16, code: Option<&str>) -> HubError {
        HubError::Refused {
            status,
            code: code.map(str::to_owned),
            message: String::new(),
        }
    }

    const SYNC: CallSite<'static> = CallSite::Sync {
        repo_id: "o/r",
        revision: None,
    };
    const DL: CallSite<'static> = CallSite::Download {
        repo_id: "o/r",
        revision: None,
        file: Some("a.safetensors"),
    };

    #[test]
    fn hub_refusals_map_as_the_contract_says() {
        assert_eq!(
            hub_failure(&refused(404, Some("RepoNotFound")), false, SYNC).code(),
            ErrorCode::RepoNotFound
        );
        assert_eq!(
            hub_failure(&refused(401, Some("RepoNotFound")), false, SYNC).code(),
            ErrorCode::RepoNotFound
        );
        assert_eq!(
            hub_failure(&refused(404, Some("RevisionNotFound")), false, SYNC).code(),
            ErrorCode::RepoNotFound
        );
        assert_eq!(
            hub_failure(&refused(401, Some("GatedRepo")), false, SYNC).code(),
            ErrorCode::GatedModelNoToken
        );
        assert_eq!(
            hub_failure(&refused(403, Some("GatedRepo")), true, SYNC).code(),
            ErrorCode::InvalidHfToken
        );
        assert_eq!(
            hub_failure(&refused(401, None), true, SYNC).code(),
            ErrorCode::InvalidHfToken
        );
        assert_eq!(
            hub_failure(&refused(404, Some("EntryNotFound")), false, SYNC).code(),
            ErrorCode::UnsupportedModel
        );
        let dl = hub_failure(&refused(404, Some("EntryNotFound")), false, DL);
        assert_eq!(dl.code(), ErrorCode::DownloadFailed);
        assert_eq!(dl.0.details, json!({"file": "a.safetensors"}));
    }

    #[test]
    fn an_unwell_hub_is_unavailable_on_sync_calls_and_a_failed_download_otherwise() {
        let open = hub_failure(&HubError::BreakerOpen, false, SYNC);
        assert_eq!(open.code(), ErrorCode::HubUnavailable);
        assert_eq!(open.0.details, json!({"breaker": "open"}));
        let down = hub_failure(&HubError::Unavailable("503".into()), false, DL);
        assert_eq!(down.code(), ErrorCode::DownloadFailed);
    }
}
