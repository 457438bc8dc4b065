//! The one error type of the CLI, and the one place that turns it into an exit code.
//!
//! Exit codes (issue 12): 0 done; 1 a refusal by the API (4xx); 2 usage; 3 the server unreachable
//! or 5xx; 4 the download or load failed after it started.

use millm_contract::error::{ErrorBody, ErrorCode};

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The command line itself is wrong: a bad argument, an unreadable token file.
    #[error("{0}")]
    Usage(String),
    /// A name that matches several records; `matches` lists them, one line each.
    #[error("the name '{name}' matches {} models; use an id", .matches.len())]
    Ambiguous { name: String, matches: Vec<String> },
    /// The API answered with its error envelope. `hint` says what to try next, when we know.
    #[error("{} ({})", .error.message, .error.code)]
    Api {
        status: u16,
        error: ErrorBody,
        hint: Option<String>,
    },
    /// No answer at all: connection refused, DNS, timeout.
    #[error("cannot reach the server at {url}: {reason}")]
    Unreachable { url: String, reason: String },
    /// An answer that is not the API's envelope (a proxy's error page, a different service).
    #[error("the server at {url} answered {status} without the API's envelope")]
    BadAnswer { url: String, status: u16 },
    /// An envelope whose `data` does not have the contract's shape (a server of another version).
    #[error("the server's answer does not match the contract: {0}")]
    Mismatch(String),
    /// The download or load was accepted, then failed (its error event or record says why).
    #[error("{} ({})", .0.message, .0.code)]
    Failed(ErrorBody),
}

impl CliError {
    /// The only mapping from errors to exit codes: exhaustive, so a new variant must pick one.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Usage(_) | CliError::Ambiguous { .. } => 2,
            CliError::Api { status, .. } if *status < 500 => 1,
            CliError::Api { .. }
            | CliError::Unreachable { .. }
            | CliError::BadAnswer { .. }
            | CliError::Mismatch(_) => 3,
            CliError::Failed(_) => 4,
        }
    }

    /// A refusal that the CLI decides itself, shaped like the API's so that it prints the same.
    pub fn refused(code: ErrorCode, message: impl Into<String>) -> Self {
        CliError::Api {
            status: code.http_status(),
            error: ErrorBody::new(code, message),
            hint: None,
        }
    }

    pub fn failed(code: ErrorCode, message: impl Into<String>) -> Self {
        CliError::Failed(ErrorBody::new(code, message))
    }

    /// The API's error code, when there is one.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            CliError::Api { error, .. } | CliError::Failed(error) => Some(error.code),
            _ => None,
        }
    }

    /// Adds a hint to an API error; other errors are returned unchanged.
    pub fn with_hint(self, text: impl Into<String>) -> Self {
        match self {
            CliError::Api { status, error, .. } => CliError::Api {
                status,
                error,
                hint: Some(text.into()),
            },
            other => other,
        }
    }

    /// What goes to stderr: the message and code, then the listed matches or the hint.
    pub fn report(&self) -> String {
        let mut text = format!("error: {self}");
        match self {
            CliError::Ambiguous { matches, .. } => {
                for line in matches {
                    text.push_str("\n  ");
                    text.push_str(line);
                }
            }
            CliError::Api { hint: Some(hint), .. } => {
                text.push_str("\nhint: ");
                text.push_str(hint);
            }
            _ => {}
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(status: u16) -> CliError {
        CliError::Api {
            status,
            error: ErrorBody::new(ErrorCode::InternalError, "x"),
            hint: None,
        }
    }

    #[test]
    fn exit_codes_follow_the_issue() {
        assert_eq!(CliError::Usage("x".into()).exit_code(), 2);
        assert_eq!(api(404).exit_code(), 1);
        assert_eq!(api(409).exit_code(), 1);
        assert_eq!(api(503).exit_code(), 3);
        let unreachable = CliError::Unreachable {
            url: "u".into(),
            reason: "r".into(),
        };
        assert_eq!(unreachable.exit_code(), 3);
        assert_eq!(CliError::failed(ErrorCode::DownloadFailed, "x").exit_code(), 4);
    }

    #[test]
    fn the_report_names_the_code_and_the_hint() {
        let error = CliError::refused(ErrorCode::InsufficientMemory, "too big").with_hint("try --force");
        assert_eq!(
            error.report(),
            "error: too big (INSUFFICIENT_MEMORY)\nhint: try --force"
        );
    }
}
