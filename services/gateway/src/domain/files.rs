//! Where a record's files are on this machine.

use millm_contract::model::ModelSource;
use millm_platform::db::ModelRecord;
use std::path::{Path, PathBuf};

/// The folder holding a record's files: the snapshot for hub models, the folder for local ones.
pub fn model_dir(cache_dir: &Path, record: &ModelRecord) -> PathBuf {
    match record.model.source {
        ModelSource::Local => PathBuf::from(&record.cache_path),
        ModelSource::Huggingface => cache_dir.join(&record.cache_path),
    }
}

/// Top-level file names in `dir` (symlinks to blobs count as files); empty when unreadable.
pub fn list_names(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|e| e.path().is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}
