//! Removing what a deleted or cancelled record leaves in the cache (docs/states.md):
//! a snapshot's links go when no record uses that revision; a blob goes only when no snapshot
//! links to it, and only under that blob's locks; partial files, and finished blobs that no
//! snapshot links yet (a cancelled download's completed shards), go when no record of the repo
//! still downloads (or may retry) and nobody is writing them.
//!
//! Call it as the holder of the record's download lease, so a running handler and the gateway
//! never purge (or write) at the same time.

use sqlx::PgPool;
use std::path::Path;

use super::{BlobFileLock, CacheError, blob_is_referenced, remove_snapshot_links, repo_dir};
use crate::db::{self, DbError, Lease, LeaseKey};

#[derive(Debug, thiserror::Error)]
pub enum PurgeError {
    #[error(transparent)]
    Cache(#[from] CacheError),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// What a purge removed, for logs and tests.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Purged {
    pub links_removed: bool,
    pub blobs: Vec<String>,
    pub partials: Vec<String>,
}

const PARTIAL_SUFFIX: &str = ".incomplete";

pub async fn purge_record_files(
    pool: &PgPool,
    root: &Path,
    repo_id: &str,
    revision: &str,
) -> Result<Purged, PurgeError> {
    let mut purged = Purged::default();
    if db::revision_users(pool, repo_id, revision).await? > 0 {
        return Ok(purged);
    }
    let etags = remove_snapshot_links(root, repo_id, revision)?;
    purged.links_removed = true;
    for etag in etags {
        if remove_blob_if_unreferenced(pool, root, repo_id, &etag).await? {
            purged.blobs.push(etag);
        }
    }
    if db::repo_may_resume(pool, repo_id).await? {
        return Ok(purged);
    }
    let blobs = repo_dir(root, repo_id)?.join("blobs");
    for etag in partial_etags(&blobs)? {
        let Some(lease) = Lease::try_acquire(
            pool,
            LeaseKey::Blob {
                repo_id: repo_id.to_owned(),
                etag: etag.clone(),
            },
        )
        .await?
        else {
            continue;
        };
        if let Some(_file_lock) = BlobFileLock::try_acquire(root, repo_id, &etag)? {
            for suffix in [PARTIAL_SUFFIX, ".incomplete.state"] {
                remove_quietly(&blobs.join(format!("{etag}{suffix}")))?;
            }
            purged.partials.push(etag);
        }
        lease.release().await;
    }
    // A download links its snapshot only once every file is in: until then its finished blobs are
    // referenced by nothing, and with no record left to finish them they are orphans.
    for etag in complete_blob_etags(&blobs)? {
        if remove_blob_if_unreferenced(pool, root, repo_id, &etag).await? {
            purged.blobs.push(etag);
        }
    }
    Ok(purged)
}

async fn remove_blob_if_unreferenced(
    pool: &PgPool,
    root: &Path,
    repo_id: &str,
    etag: &str,
) -> Result<bool, PurgeError> {
    let lease = Lease::acquire(
        pool,
        LeaseKey::Blob {
            repo_id: repo_id.to_owned(),
            etag: etag.to_owned(),
        },
    )
    .await?;
    let removed = match BlobFileLock::try_acquire(root, repo_id, etag)? {
        Some(_file_lock) if !blob_is_referenced(root, repo_id, etag)? => {
            remove_quietly(&repo_dir(root, repo_id)?.join("blobs").join(etag))?;
            true
        }
        _ => false,
    };
    lease.release().await;
    Ok(removed)
}

/// The names in a repo's `blobs/` folder (none when it does not exist).
fn blob_names(blobs: &Path) -> Result<Vec<String>, CacheError> {
    let entries = match std::fs::read_dir(blobs) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(CacheError::io(blobs, e)),
    };
    entries
        .map(|entry| {
            entry
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .map_err(|e| CacheError::io(blobs, e))
        })
        .collect()
}

fn partial_etags(blobs: &Path) -> Result<Vec<String>, CacheError> {
    Ok(blob_names(blobs)?
        .into_iter()
        .filter_map(|name| name.strip_suffix(PARTIAL_SUFFIX).map(str::to_owned))
        .collect())
}

/// Finished blobs: files named by their etag alone (hex), without a partial file's suffix.
fn complete_blob_etags(blobs: &Path) -> Result<Vec<String>, CacheError> {
    Ok(blob_names(blobs)?
        .into_iter()
        .filter(|name| !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric()))
        .collect())
}

fn remove_quietly(path: &Path) -> Result<(), CacheError> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(CacheError::io(path, e)),
    }
}
