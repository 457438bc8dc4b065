//! The downloader's transfer engine: fetches one hub file into a blob of the HuggingFace cache.
//!
//! A file is cut into chunks (`DOWNLOAD_CHUNK_MB`); several chunks stream in parallel as HTTP range
//! requests, each written at its offset in `<blob>.incomplete` as the bytes arrive, so memory stays
//! bounded whatever the file size. A hasher thread follows the contiguous prefix on disk, so the
//! sha256 (or git-sha1) is ready right after the last byte, and hands that prefix to an early
//! writeback thread, so the final fsync is short. A small state file next to the partial
//! file records how many bytes of each chunk are on disk, so a killed process resumes from there.
//! Transient hub errors are retried per range from the byte where they stopped; refusals are final.
//!
//! This module knows nothing of queues or databases: the caller builds [`FileSpec`]s, owns the
//! [`ProgressCounter`] and the [`CancellationToken`](tokio_util::sync::CancellationToken), and takes
//! the cache locks.

mod config;
mod engine;
mod error;
mod fan_out;
mod hasher;
mod limiter;
mod locate;
mod on_disk;
mod parts;
mod range;
mod response;
mod retry;
mod round;
mod state;
mod tracker;
mod writeback;

use millm_contract::config::Secret;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

pub use config::EngineConfig;
pub use engine::TransferEngine;
pub use error::TransferError;
pub use fan_out::{MaybeCancel, fan_out};
pub use limiter::BandwidthLimiter;
pub use retry::RetryPolicy;

/// One MiB, the unit of `DOWNLOAD_CHUNK_MB` and `DOWNLOAD_MAX_BANDWIDTH_MBPS`.
pub const MIB: u64 = 1024 * 1024;

/// What the finished file must hash to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expected {
    /// The LFS sha256 (the hub's ETag for LFS files), lowercase hex.
    Sha256(String),
    /// The git blob id of a non-LFS file: sha1 over `"blob {len}\0"` and the content, lowercase hex.
    GitSha1(String),
    /// Only the size is checked.
    SizeOnly,
}

impl Expected {
    /// A short stable tag stored in the state file, so a resume only trusts chunks of the same file.
    pub(crate) fn tag(&self) -> String {
        match self {
            Self::Sha256(hex) => format!("sha256:{}", hex.to_ascii_lowercase()),
            Self::GitSha1(hex) => format!("git-sha1:{}", hex.to_ascii_lowercase()),
            Self::SizeOnly => "size-only".to_owned(),
        }
    }
}

/// One file to fetch.
#[derive(Clone, Debug)]
pub struct FileSpec {
    /// The file's path in the repo; names the file in errors and traces.
    pub name: String,
    /// The resolve URL, `{endpoint}/{org}/{name}/resolve/{commit}/{path}`.
    pub url: String,
    /// Hub token sent as `Authorization: Bearer`; a `Secret`, so it never reaches a log line.
    pub token: Option<Secret>,
    /// The size announced by the hub; the finished file must have exactly this size.
    pub size: u64,
    /// The hash the finished file must have.
    pub expected: Expected,
    /// Where the finished blob goes (`…/blobs/<etag>`); the partial file is `<dest_blob>.incomplete`.
    pub dest_blob: PathBuf,
}

impl FileSpec {
    /// The partial file the bytes are written to until the hash checks out.
    pub fn incomplete_path(&self) -> PathBuf {
        with_suffix(&self.dest_blob, ".incomplete")
    }

    /// The resume state kept next to the partial file.
    pub fn state_path(&self) -> PathBuf {
        with_suffix(&self.dest_blob, ".incomplete.state")
    }
}

fn with_suffix(path: &std::path::Path, suffix: &str) -> PathBuf {
    let mut os = path.as_os_str().to_owned();
    os.push(suffix);
    PathBuf::from(os)
}

/// What of a file is already on disk, as a fetch would find it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Found {
    /// Bytes a caller may count from its first progress event.
    pub bytes: u64,
    /// The finished blob is there. Only then may the fetch be skipped: a partial file whose
    /// chunks are all written still has its hash to check and its move into place to make.
    pub complete: bool,
}

/// What of `spec` a fetch with chunks of `chunk_bytes` would find on disk: the same answer
/// the fetch resumes from, so the progress bar and the resume cannot disagree.
pub fn found_on_disk(spec: &FileSpec, chunk_bytes: u64) -> Found {
    let found = on_disk::inspect(spec, chunk_bytes.max(1));
    Found {
        bytes: found.bytes(spec.size),
        complete: found == on_disk::OnDisk::Complete,
    }
}

/// How a fetch ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FetchOutcome {
    /// The blob was already in the cache; no request was made.
    AlreadyPresent,
    /// The blob was fetched (or completed) and verified.
    Downloaded(FetchStats),
}

/// Numbers about one completed fetch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FetchStats {
    /// Bytes that came over the network into the file (bytes skipped from a 200 answer excluded).
    pub bytes_transferred: u64,
    /// Bytes found on disk from an earlier, interrupted run.
    pub bytes_resumed: u64,
    /// Wall time of the fetch, verification included.
    pub duration: Duration,
}

/// Bytes on disk that count toward the files being fetched; shared by all files of one job.
///
/// The caller samples it to compute progress and speed. It only grows: bytes found on disk from
/// an earlier run count at once, and bytes fetched a second time (after a corruption) are not
/// counted twice.
#[derive(Clone, Debug, Default)]
pub struct ProgressCounter(Arc<AtomicU64>);

impl ProgressCounter {
    /// A counter at zero.
    pub fn new() -> Self {
        Self::default()
    }

    /// The bytes counted so far.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }

    pub(crate) fn add(&self, bytes: u64) {
        self.0.fetch_add(bytes, Ordering::Relaxed);
    }
}
