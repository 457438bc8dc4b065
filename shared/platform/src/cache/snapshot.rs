//! Snapshot links: creating them the way Python does, recognising a complete snapshot, and the
//! bookkeeping used on delete (which blobs a snapshot used, and whether any snapshot still uses one).

use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use super::layout::{blob_path, repo_dir, snapshot_dir, snapshot_path, validate_name};
use super::{CacheError, CachedFile};

/// Links `snapshots/<commit>/<path>` to `blobs/<etag>` with a relative symlink (one `../` per
/// folder level, as Python's `os.path.relpath` gives). Replaces a wrong link or a copied file
/// atomically; calling it again is a no-op. Returns the link's path.
pub fn link_snapshot(root: &Path, repo_id: &str, commit: &str, path: &str, etag: &str) -> Result<PathBuf, CacheError> {
    let link = snapshot_path(root, repo_id, commit, path)?;
    blob_path(root, repo_id, etag)?;
    let levels = path.split('/').count() + 1;
    let target = PathBuf::from(format!("{}blobs/{etag}", "../".repeat(levels)));
    if std::fs::read_link(&link).is_ok_and(|existing| existing == target) {
        return Ok(link);
    }
    let parent = link.parent().unwrap_or(root);
    std::fs::create_dir_all(parent).map_err(|e| CacheError::io(parent, e))?;
    // Link under a temporary name, then rename over the old entry: readers never see a gap.
    let mut tmp_name = link.as_os_str().to_owned();
    tmp_name.push(".millm-link");
    let tmp = PathBuf::from(tmp_name);
    remove_if_present(&tmp)?;
    std::os::unix::fs::symlink(&target, &tmp).map_err(|e| CacheError::io(&tmp, e))?;
    std::fs::rename(&tmp, &link).map_err(|e| CacheError::io(&link, e))?;
    Ok(link)
}

/// Whether every file already resolves, through the snapshot, to a blob of the right size (and,
/// for links, to the blob named by its etag): then this revision needs no transfer at all.
pub fn snapshot_complete(root: &Path, repo_id: &str, commit: &str, files: &[CachedFile]) -> bool {
    files
        .iter()
        .all(|file| file_in_snapshot(root, repo_id, commit, file).unwrap_or(false))
}

fn file_in_snapshot(root: &Path, repo_id: &str, commit: &str, file: &CachedFile) -> Result<bool, CacheError> {
    validate_name("etag", &file.etag)?;
    let entry = snapshot_path(root, repo_id, commit, &file.path)?;
    let Ok(meta) = std::fs::metadata(&entry) else {
        return Ok(false);
    };
    if !meta.is_file() || meta.len() != file.size {
        return Ok(false);
    }
    match std::fs::read_link(&entry) {
        Ok(target) => Ok(target.file_name() == Some(OsStr::new(&file.etag))),
        // A plain file: Python copies instead of linking where symlinks are unavailable.
        Err(_) => Ok(true),
    }
}

/// Removes `snapshots/<commit>` and the refs that point to it; returns the blob names its links
/// used, so the caller can delete those no other snapshot references (under their locks).
pub fn remove_snapshot_links(root: &Path, repo_id: &str, commit: &str) -> Result<Vec<String>, CacheError> {
    let dir = snapshot_dir(root, repo_id, commit)?;
    let mut etags = BTreeSet::new();
    for link in links_under(&dir)? {
        if let Some(name) = std::fs::read_link(&link)
            .ok()
            .and_then(|t| t.file_name().map(|n| n.to_string_lossy().into_owned()))
        {
            etags.insert(name);
        }
    }
    match std::fs::remove_dir_all(&dir) {
        Ok(()) => {}
        Err(err) if err.kind() == ErrorKind::NotFound => {}
        Err(err) => return Err(CacheError::io(dir, err)),
    }
    let refs = repo_dir(root, repo_id)?.join("refs");
    for file in files_under(&refs)? {
        if std::fs::read_to_string(&file).is_ok_and(|text| text.trim() == commit) {
            remove_if_present(&file)?;
        }
    }
    Ok(etags.into_iter().collect())
}

/// Whether any snapshot of the repo still links to `blobs/<etag>`.
pub fn blob_is_referenced(root: &Path, repo_id: &str, etag: &str) -> Result<bool, CacheError> {
    validate_name("etag", etag)?;
    let snapshots = repo_dir(root, repo_id)?.join("snapshots");
    Ok(links_under(&snapshots)?
        .iter()
        .any(|link| std::fs::read_link(link).is_ok_and(|target| target.file_name() == Some(OsStr::new(etag)))))
}

fn links_under(dir: &Path) -> Result<Vec<PathBuf>, CacheError> {
    let mut found = Vec::new();
    walk(dir, &mut |path, file_type| {
        if file_type.is_symlink() {
            found.push(path.to_path_buf());
        }
    })?;
    Ok(found)
}

fn files_under(dir: &Path) -> Result<Vec<PathBuf>, CacheError> {
    let mut found = Vec::new();
    walk(dir, &mut |path, file_type| {
        if file_type.is_file() {
            found.push(path.to_path_buf());
        }
    })?;
    Ok(found)
}

/// Visits every entry below `dir` without following symlinks; a missing `dir` has no entries.
fn walk(dir: &Path, visit: &mut dyn FnMut(&Path, std::fs::FileType)) -> Result<(), CacheError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) if err.kind() == ErrorKind::NotFound => return Ok(()),
        Err(err) => return Err(CacheError::io(dir, err)),
    };
    for entry in entries {
        let entry = entry.map_err(|e| CacheError::io(dir, e))?;
        let file_type = entry.file_type().map_err(|e| CacheError::io(entry.path(), e))?;
        let path = entry.path();
        if file_type.is_dir() {
            walk(&path, visit)?;
        } else {
            visit(&path, file_type);
        }
    }
    Ok(())
}

fn remove_if_present(path: &Path) -> Result<(), CacheError> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(err) if err.kind() == ErrorKind::NotFound => Ok(()),
        Err(err) => Err(CacheError::io(path, err)),
    }
}
