//! Fetching the job's files, several at once, each under its blob's two locks: the Postgres
//! lease (one writer across machines) and the `.locks/` file lock (one writer with Python).
//! A wait for either lock gives up as soon as the job is cancelled.

use std::path::Path;

use std::sync::atomic::Ordering;

use futures::FutureExt;
use millm_platform::db::{DbError, Lease, LeaseKey};
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;

use super::plan::PlannedFile;
use super::progress::{FileProgress, JobProgress};
use crate::transfer::{MaybeCancel, TransferEngine, TransferError, fan_out};
use millm_platform::cache::{BlobFileLock, CacheError};

/// Why a file was not fetched.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error(transparent)]
    Transfer(#[from] TransferError),
    #[error("cache lock: {0}")]
    Cache(#[from] CacheError),
    #[error("blob lease: {0}")]
    Lease(#[from] DbError),
}

impl MaybeCancel for FetchError {
    fn is_cancel(&self) -> bool {
        matches!(
            self,
            Self::Transfer(TransferError::Cancelled) | Self::Cache(CacheError::LockCancelled { .. })
        )
    }
}

/// What fetching needs from the service.
pub struct Fetcher<'a> {
    pub pool: &'a PgPool,
    pub engine: &'a TransferEngine,
    pub root: &'a Path,
    pub repo_id: &'a str,
    pub max_files: usize,
}

impl Fetcher<'_> {
    /// Fetches every file not yet complete through the engine's one fan-out; the first failure
    /// stops the others (they keep their partial files) and is returned, unless it is only the
    /// cancel.
    pub async fn fetch_all(
        &self,
        files: &[PlannedFile],
        progress: &JobProgress,
        cancel: &CancellationToken,
    ) -> Result<(), FetchError> {
        let todo: Vec<_> = files
            .iter()
            .zip(&progress.files)
            .filter(|(_, p)| !p.done.load(Ordering::Relaxed))
            .collect();
        let size = |(file, _): &(&PlannedFile, &FileProgress)| file.spec.size;
        fan_out(todo, size, self.max_files, cancel, |(file, p), siblings| {
            async move { self.fetch_one(file, p, &siblings).await }.boxed()
        })
        .await
    }

    async fn fetch_one(
        &self,
        file: &PlannedFile,
        progress: &FileProgress,
        cancel: &CancellationToken,
    ) -> Result<(), FetchError> {
        let etag = &file.cached.etag;
        let lease = tokio::select! {
            () = cancel.cancelled() => return Err(TransferError::Cancelled.into()),
            lease = Lease::acquire(self.pool, LeaseKey::Blob { repo_id: self.repo_id.to_owned(), etag: etag.clone() }) => lease?,
        };
        let result = async {
            let _file_lock = BlobFileLock::acquire(self.root, self.repo_id, etag, cancel).await?;
            self.engine.fetch(&file.spec, &progress.counter, cancel).await?;
            Ok(())
        }
        .await;
        lease.release().await;
        if result.is_ok() {
            progress.done.store(true, Ordering::Relaxed);
        }
        result
    }
}
