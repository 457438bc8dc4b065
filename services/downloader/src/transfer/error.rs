//! The one error type of the transfer engine.
//!
//! The variants follow what the caller must do next: `Refused` is final and maps through the
//! contract's hub-error function (`X-Error-Code`), `Failed` and `Corrupt` become `DOWNLOAD_FAILED`
//! naming the file, `Cancelled` becomes `DOWNLOAD_CANCELLED`.

use std::path::PathBuf;

/// Why a fetch did not produce a verified blob.
#[derive(Debug, thiserror::Error)]
pub enum TransferError {
    /// The hub refused the file (401, 403 or 404); retrying cannot help.
    #[error("hub refused {file} with HTTP {status} ({}): {message}", error_code.as_deref().unwrap_or("no error code"))]
    Refused {
        /// The file's path in the repo.
        file: String,
        /// The HTTP status.
        status: u16,
        /// The hub's `X-Error-Code` header (`RepoNotFound`, `GatedRepo`, `EntryNotFound`, …).
        error_code: Option<String>,
        /// The hub's `X-Error-Message` header, or the status text.
        message: String,
    },
    /// The transfer failed after its retries, or the hub answered something unusable.
    #[error("download of {file} failed: {reason}")]
    Failed {
        /// The file's path in the repo.
        file: String,
        /// What went wrong on the last attempt.
        reason: String,
    },
    /// The file's hash or size differed from the hub's, twice.
    #[error("{file} does not match its expected hash or size, even after fetching it again")]
    Corrupt {
        /// The file's path in the repo.
        file: String,
    },
    /// The cancellation token fired; the partial file and its state are left on disk.
    #[error("download cancelled")]
    Cancelled,
    /// A local file operation failed.
    #[error("I/O error on {}: {source}", path.display())]
    Io {
        /// The file the operation was on.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

impl TransferError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }

    /// The repo path of the file this error is about, where there is one.
    pub fn file(&self) -> Option<&str> {
        match self {
            Self::Refused { file, .. } | Self::Failed { file, .. } | Self::Corrupt { file } => Some(file),
            Self::Cancelled | Self::Io { .. } => None,
        }
    }
}
