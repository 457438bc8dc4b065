//! The HuggingFace cache layout under `MODEL_CACHE_DIR`, shared with Python `huggingface_hub` and
//! the `hf-hub` crate:
//!
//! ```text
//! models--{org}--{name}/
//!   blobs/<etag>                       the file contents (sha256 for LFS files, git sha1 otherwise)
//!   snapshots/<commit>/<path>          relative symlink to ../../blobs/<etag> (one more ../ per subfolder)
//!   refs/<revision>                    the commit a branch or tag resolved to
//! .locks/models--{org}--{name}/<etag>.lock   the per-blob lock file of Python's `filelock`
//! ```
//!
//! A cache written by either client is read by the other: a revision whose snapshot already links
//! every wanted file is complete and needs no transfer. Paths from the hub are validated before
//! they become file names, so a hostile repo cannot write outside its snapshot.

mod layout;
mod lock;
mod purge;
mod snapshot;

pub use layout::{
    CachedFile, blob_path, lock_path, read_ref, repo_dir, repo_folder_name, snapshot_dir, snapshot_path,
    snapshot_rel_path, validate_repo_path, write_ref,
};
pub use lock::BlobFileLock;
pub use purge::{PurgeError, Purged, purge_record_files};
pub use snapshot::{blob_is_referenced, link_snapshot, remove_snapshot_links, snapshot_complete};

use std::path::PathBuf;

/// Why a cache operation was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    /// A repo path, revision or repo id that could escape its folder (`..`, absolute, backslash, empty part).
    #[error("unsafe path {path:?}: {reason}")]
    UnsafePath {
        /// The offending path as given.
        path: String,
        /// Which rule it broke.
        reason: &'static str,
    },
    /// An etag or commit that is not a plain hex or alphanumeric name.
    #[error("invalid {what} {value:?}")]
    InvalidName {
        /// `etag` or `commit`.
        what: &'static str,
        /// The value as given.
        value: String,
    },
    /// A file operation failed.
    #[error("I/O error on {}: {source}", path.display())]
    Io {
        /// The path the operation was on.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// Waiting for a blob lock was cancelled.
    #[error("cancelled while waiting for the lock {}", path.display())]
    LockCancelled {
        /// The lock file.
        path: PathBuf,
    },
}

impl CacheError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }
}
