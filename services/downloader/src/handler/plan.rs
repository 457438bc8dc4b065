//! From the hub's file list to the files to fetch: exactly the contract's fetched files, each
//! with its expected hash, its blob path in the cache and its resolve URL.

use std::path::Path;

use millm_contract::config::Secret;
use millm_contract::error::Failure;
use millm_contract::files::{is_fetched_file, is_safe_repo_path};
use millm_contract::repo::RepoId;
use millm_platform::hub::{HubClient, ModelInfo, Sibling};

use crate::transfer::{Expected, FileSpec};
use millm_platform::cache::{self, CachedFile};

/// One file of the job: what the engine needs, and what the snapshot check needs.
#[derive(Debug, Clone)]
pub struct PlannedFile {
    pub spec: FileSpec,
    pub cached: CachedFile,
}

/// Where the files come from and go to.
pub struct PlanInput<'a> {
    pub hub: &'a HubClient,
    pub repo: &'a RepoId,
    pub commit: &'a str,
    pub root: &'a Path,
    pub token: Option<&'a Secret>,
}

/// The files to fetch, or a `DOWNLOAD_FAILED` naming the file the hub described badly.
pub fn plan(info: &ModelInfo, input: &PlanInput<'_>) -> Result<Vec<PlannedFile>, Failure> {
    let repo_id = input.repo.as_str();
    let mut files = Vec::new();
    for sibling in &info.siblings {
        let name = sibling.rfilename.as_str();
        if !is_safe_repo_path(name) {
            if looks_fetched(name) {
                return Err(failed(repo_id, name, "the hub gave an unsafe file name"));
            }
            continue;
        }
        if !is_fetched_file(name) {
            continue;
        }
        files.push(planned(sibling, input).map_err(|reason| failed(repo_id, name, reason))?);
    }
    Ok(files)
}

/// A name that would be fetched once its folder part (`..`, `/abs`, `a\`) were stripped.
fn looks_fetched(name: &str) -> bool {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    is_fetched_file(base)
}

fn planned(sibling: &Sibling, input: &PlanInput<'_>) -> Result<PlannedFile, &'static str> {
    let name = sibling.rfilename.clone();
    let (size, etag, expected) = match (&sibling.lfs, &sibling.blob_id) {
        (Some(lfs), _) => (
            lfs.size,
            lfs.sha256.to_ascii_lowercase(),
            Expected::Sha256(lfs.sha256.to_ascii_lowercase()),
        ),
        (None, Some(blob)) => (
            sibling.size.ok_or("the hub gave no size")?,
            blob.to_ascii_lowercase(),
            Expected::GitSha1(blob.to_ascii_lowercase()),
        ),
        (None, None) => return Err("the hub gave neither an LFS sha256 nor a blob id"),
    };
    let dest_blob =
        cache::blob_path(input.root, input.repo.as_str(), &etag).map_err(|_| "the hub gave an invalid blob id")?;
    let spec = FileSpec {
        url: input.hub.resolve_url(input.repo, input.commit, &name),
        token: input.token.cloned(),
        size,
        expected,
        dest_blob,
        name: name.clone(),
    };
    Ok(PlannedFile {
        spec,
        cached: CachedFile { path: name, etag, size },
    })
}

fn failed(repo_id: &str, file: &str, reason: &str) -> Failure {
    Failure::download_failed(repo_id, Some(file), reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_would_escape_but_look_like_model_files_are_caught() {
        assert!(looks_fetched("../config.json"));
        assert!(looks_fetched("/abs/model.safetensors"));
        assert!(looks_fetched("a\\model.safetensors"));
        assert!(!looks_fetched("../README.md"));
    }
}
