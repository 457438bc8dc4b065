//! Names and paths of the cache layout, and the validation of everything that becomes a path.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use super::CacheError;

/// A file wanted in a snapshot: its repo path, its blob name and its size.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CachedFile {
    /// Path in the repo, `/`-separated (validated with [`validate_repo_path`]).
    pub path: String,
    /// The blob name: the LFS sha256, or the git blob sha1 of a small file.
    pub etag: String,
    /// Size in bytes.
    pub size: u64,
}

/// Refuses hub file names that could leave the snapshot folder, by the contract's one check.
pub fn validate_repo_path(path: &str) -> Result<(), CacheError> {
    match millm_contract::files::repo_path_problem(path) {
        None => Ok(()),
        Some(reason) => Err(CacheError::UnsafePath {
            path: path.to_owned(),
            reason,
        }),
    }
}

/// `org/name` → `models--org--name`: hf-hub's folder name, the one Python's `repo_folder_name`
/// gives, once the id is known to be safe as a folder name.
pub fn repo_folder_name(repo_id: &str) -> Result<String, CacheError> {
    let parts: Vec<&str> = repo_id.split('/').collect();
    let valid_part = |p: &&str| {
        !p.is_empty()
            && *p != "."
            && *p != ".."
            && p.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    if parts.len() > 2 || !parts.iter().all(valid_part) {
        return Err(CacheError::UnsafePath {
            path: repo_id.to_owned(),
            reason: "not a repo id",
        });
    }
    Ok(hf_hub::Repo::model(repo_id.to_owned()).folder_name())
}

/// Blob names and commits are plain hex; anything else is refused before it becomes a path.
pub(crate) fn validate_name(what: &'static str, value: &str) -> Result<(), CacheError> {
    if value.is_empty() || value.len() > 128 || !value.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(CacheError::InvalidName {
            what,
            value: value.to_owned(),
        });
    }
    Ok(())
}

/// `root/models--{org}--{name}`.
pub fn repo_dir(root: &Path, repo_id: &str) -> Result<PathBuf, CacheError> {
    Ok(root.join(repo_folder_name(repo_id)?))
}

/// `root/models--{org}--{name}/blobs/<etag>`.
pub fn blob_path(root: &Path, repo_id: &str, etag: &str) -> Result<PathBuf, CacheError> {
    validate_name("etag", etag)?;
    Ok(repo_dir(root, repo_id)?.join("blobs").join(etag))
}

/// `models--{org}--{name}/snapshots/<commit>`, relative to the cache root: a hub record's
/// `cache_path`, and the one place that names a snapshot folder.
pub fn snapshot_rel_path(repo_id: &str, commit: &str) -> Result<String, CacheError> {
    validate_name("commit", commit)?;
    Ok(format!("{}/snapshots/{commit}", repo_folder_name(repo_id)?))
}

/// `root/models--{org}--{name}/snapshots/<commit>`.
pub fn snapshot_dir(root: &Path, repo_id: &str, commit: &str) -> Result<PathBuf, CacheError> {
    Ok(root.join(snapshot_rel_path(repo_id, commit)?))
}

/// `root/models--{org}--{name}/snapshots/<commit>/<path>`.
pub fn snapshot_path(root: &Path, repo_id: &str, commit: &str, path: &str) -> Result<PathBuf, CacheError> {
    validate_repo_path(path)?;
    Ok(snapshot_dir(root, repo_id, commit)?.join(path))
}

/// `root/.locks/models--{org}--{name}/<etag>.lock`, the file Python's `filelock` locks.
pub fn lock_path(root: &Path, repo_id: &str, etag: &str) -> Result<PathBuf, CacheError> {
    validate_name("etag", etag)?;
    Ok(root
        .join(".locks")
        .join(repo_folder_name(repo_id)?)
        .join(format!("{etag}.lock")))
}

/// Writes `refs/<revision>` holding `commit` (no newline, as Python writes it), atomically.
pub fn write_ref(root: &Path, repo_id: &str, revision: &str, commit: &str) -> Result<(), CacheError> {
    validate_repo_path(revision)?;
    validate_name("commit", commit)?;
    let path = repo_dir(root, repo_id)?.join("refs").join(revision);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| CacheError::io(parent, e))?;
    }
    let tmp = path.with_extension("millm-tmp");
    std::fs::write(&tmp, commit).map_err(|e| CacheError::io(&tmp, e))?;
    std::fs::rename(&tmp, &path).map_err(|e| CacheError::io(&path, e))
}

/// The commit `refs/<revision>` points to, if the ref exists.
pub fn read_ref(root: &Path, repo_id: &str, revision: &str) -> Result<Option<String>, CacheError> {
    validate_repo_path(revision)?;
    let path = repo_dir(root, repo_id)?.join("refs").join(revision);
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok(Some(text.trim().to_owned())),
        Err(err) if err.kind() == ErrorKind::NotFound => Ok(None),
        Err(err) => Err(CacheError::io(path, err)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repo_ids_map_to_the_python_folder_names() {
        assert_eq!(
            repo_folder_name("org/tiny-llama").ok().as_deref(),
            Some("models--org--tiny-llama")
        );
        assert_eq!(repo_folder_name("gpt2").ok().as_deref(), Some("models--gpt2"));
        assert!(repo_folder_name("../x").is_err());
        assert!(repo_folder_name("a/b/c").is_err());
    }
}
