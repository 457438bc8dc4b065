//! The per-blob lock file shared with Python's `huggingface_hub`.
//!
//! Python takes `filelock.FileLock(".locks/models--org--name/<etag>.lock")`, which on Unix is
//! `flock(LOCK_EX)` on that file. `std::fs::File::try_lock` is the same `flock`, so a Rust and a
//! Python process never write the same blob at once. The lock file is left in place on release,
//! as Python leaves it: deleting it would let two processes lock two different inodes.
//! Across miLLM processes the lead adds a Postgres advisory lock keyed by the blob's sha256.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::CacheError;
use super::layout::lock_path;

/// How often a waiting acquire tries again; a blob writer holds the lock for seconds to minutes.
const POLL: Duration = Duration::from_millis(100);

/// An exclusive lock on one blob, released when dropped.
#[derive(Debug)]
pub struct BlobFileLock {
    // Closing the file releases the flock.
    _file: File,
    path: PathBuf,
}

impl BlobFileLock {
    /// Takes the lock if it is free; `Ok(None)` when another process (or handle) holds it.
    pub fn try_acquire(root: &Path, repo_id: &str, etag: &str) -> Result<Option<Self>, CacheError> {
        let path = lock_path(root, repo_id, etag)?;
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| CacheError::io(parent, e))?;
        }
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| CacheError::io(&path, e))?;
        match file.try_lock() {
            Ok(()) => Ok(Some(Self { _file: file, path })),
            Err(TryLockError::WouldBlock) => Ok(None),
            Err(TryLockError::Error(err)) => Err(CacheError::io(path, err)),
        }
    }

    /// Waits for the lock, polling without blocking the runtime, until `cancel` fires.
    pub async fn acquire(
        root: &Path,
        repo_id: &str,
        etag: &str,
        cancel: &CancellationToken,
    ) -> Result<Self, CacheError> {
        loop {
            if let Some(lock) = Self::try_acquire(root, repo_id, etag)? {
                return Ok(lock);
            }
            tokio::select! {
                () = cancel.cancelled() => {
                    return Err(CacheError::LockCancelled { path: lock_path(root, repo_id, etag)? });
                }
                () = tokio::time::sleep(POLL) => {}
            }
        }
    }

    /// The lock file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}
