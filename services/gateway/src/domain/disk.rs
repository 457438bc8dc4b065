//! The disk check before a download: free space under `MODEL_CACHE_DIR` against the bytes
//! still to fetch (blobs already in the shared cache cost nothing).

use millm_contract::files::is_fetched_file;
use millm_contract::model::mib;
use millm_contract::repo::RepoId;
use millm_platform::cache::blob_path;
use std::path::{Path, PathBuf};

use crate::domain::inspect::RepoFacts;
use crate::http::ApiError;

/// Bytes of the repo's fetched files whose blob is not in the cache yet.
pub fn bytes_to_fetch(cache_dir: &Path, repo: &RepoId, facts: &RepoFacts) -> u64 {
    facts
        .info
        .siblings
        .iter()
        .filter(|s| is_fetched_file(&s.rfilename))
        .filter(|s| {
            let cached = s
                .etag()
                .and_then(|etag| blob_path(cache_dir, repo.as_str(), etag).ok())
                .is_some_and(|p| p.is_file());
            !cached
        })
        .map(|s| facts.info.file_size(&s.rfilename).unwrap_or(0))
        .sum()
}

/// The nearest existing folder at or above `dir`, where free space can be measured.
fn existing_ancestor(dir: &Path) -> PathBuf {
    let absolute = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
    absolute
        .ancestors()
        .find(|p| p.exists())
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("/"))
}

/// Free bytes on the file system that holds (or will hold) `cache_dir`.
pub async fn free_bytes(cache_dir: &Path) -> Result<u64, ApiError> {
    let probe = existing_ancestor(cache_dir);
    tokio::task::spawn_blocking(move || fs4::available_space(probe))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)
}

/// The one rule for the 507 and the preview's `fits_disk`: what is still to fetch fits the free space.
pub fn fits_disk(needed: u64, free: u64) -> bool {
    needed <= free
}

pub async fn check_disk(cache_dir: &Path, repo: &RepoId, facts: &RepoFacts) -> Result<(), ApiError> {
    let needed = bytes_to_fetch(cache_dir, repo, facts);
    let free = free_bytes(cache_dir).await?;
    if !fits_disk(needed, free) {
        return Err(ApiError::InsufficientDisk {
            required_mb: mib(needed),
            available_mb: mib(free),
        });
    }
    Ok(())
}
