//! The safetensors shards of a repo, memory-mapped one at a time.
//!
//! [`shard_files`] lists the shards (from `model.safetensors.index.json` when present, else every `*.safetensors`),
//! failing with `MissingShard` for a listed file that is absent. [`Shard::open`] maps one file; [`Shard::tensors`]
//! parses and validates its header (JSON, dtypes, offsets and lengths against the file size) before any tensor
//! bytes are sliced, so a corrupt or truncated file is an error, never a panic.

use std::collections::BTreeSet;
use std::fs::File;
use std::path::{Path, PathBuf};

use memmap2::Mmap;
use safetensors::SafeTensors;

use crate::error::LoadError;

/// The shard files of the model in `dir`, in load order.
pub fn shard_files(dir: &Path) -> Result<Vec<PathBuf>, LoadError> {
    let index = dir.join("model.safetensors.index.json");
    if index.exists() {
        let text = std::fs::read_to_string(&index).map_err(LoadError::io(&index))?;
        let json: serde_json::Value = serde_json::from_str(&text).map_err(|e| LoadError::CorruptFile {
            file: index.clone(),
            reason: e.to_string(),
        })?;
        let map = json
            .get("weight_map")
            .and_then(|m| m.as_object())
            .ok_or_else(|| LoadError::CorruptFile {
                file: index.clone(),
                reason: "no weight_map".into(),
            })?;
        let names: BTreeSet<&str> = map.values().filter_map(|v| v.as_str()).collect();
        let files: Vec<PathBuf> = names.into_iter().map(|n| dir.join(n)).collect();
        if let Some(missing) = files.iter().find(|f| !f.is_file()) {
            return Err(LoadError::MissingShard { file: missing.clone() });
        }
        return Ok(files);
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(LoadError::io(dir))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "safetensors"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(LoadError::MissingShard {
            file: dir.join("model.safetensors"),
        });
    }
    Ok(files)
}

/// One mapped shard. Dropping it unmaps the file.
pub struct Shard {
    pub path: PathBuf,
    mmap: Mmap,
}

impl Shard {
    pub fn open(path: &Path) -> Result<Self, LoadError> {
        let file = File::open(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => LoadError::MissingShard { file: path.to_owned() },
            _ => LoadError::Io {
                path: path.to_owned(),
                source: e,
            },
        })?;
        let len = file.metadata().map_err(LoadError::io(path))?.len();
        if len < 8 {
            return Err(LoadError::CorruptFile {
                file: path.to_owned(),
                reason: format!("{len} bytes"),
            });
        }
        let mmap = map(&file).map_err(LoadError::io(path))?;
        Ok(Self {
            path: path.to_owned(),
            mmap,
        })
    }

    /// The validated header with views into the mapped bytes.
    pub fn tensors(&self) -> Result<SafeTensors<'_>, LoadError> {
        SafeTensors::deserialize(&self.mmap).map_err(|e| LoadError::CorruptFile {
            file: self.path.clone(),
            reason: e.to_string(),
        })
    }
}

/// Maps a model file read-only.
#[allow(unsafe_code)]
fn map(file: &File) -> std::io::Result<Mmap> {
    // SAFETY: the mapping is read-only and lives no longer than the `Shard`. Model files are immutable once the
    // downloader has completed them; a concurrent truncation by another process is outside what we guard against.
    unsafe { Mmap::map(file) }
}
