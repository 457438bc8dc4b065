//! Turns a directory into the hub's view of a repository: the file list with git and LFS hashes, the commit sha,
//! the `config` summary and the safetensors parameter counts.
//!
//! Benchmark repos reach several gigabytes, so files are hashed by streaming them once, and digests are memoised
//! per (path, size, mtime) for the life of the process: many tests serve the same cached repo.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::SystemTime;

use serde_json::Value;
use sha1::Sha1;
use sha2::{Digest, Sha256};

use super::FakeHubError;
use super::RepoOptions;
use super::state::{LfsInfo, Repo, RepoFile, SafetensorsInfo};

/// Files above this size are stored in LFS by the hub's default `.gitattributes` rules.
const LFS_SIZE_THRESHOLD: u64 = 1024 * 1024;
/// Extensions that the hub's default `.gitattributes` routes to LFS regardless of size.
const LFS_EXTENSIONS: [&str; 3] = [".safetensors", ".bin", ".model"];
/// A safetensors header larger than this is treated as corrupt rather than read into memory.
const MAX_SAFETENSORS_HEADER: u64 = 100 * 1024 * 1024;
const READ_BUFFER: usize = 8 * 1024 * 1024;

#[derive(Clone)]
enum FileDigest {
    Lfs { sha256: String },
    Git { blob_sha1: String },
}

type DigestKey = (PathBuf, u64, Option<SystemTime>);

fn digest_cache() -> &'static Mutex<HashMap<DigestKey, FileDigest>> {
    static CACHE: OnceLock<Mutex<HashMap<DigestKey, FileDigest>>> = OnceLock::new();
    CACHE.get_or_init(Default::default)
}

/// Reads `dir` recursively and computes everything the hub serves about it.
pub(crate) fn index_repo(repo_id: &str, dir: &Path, options: RepoOptions) -> Result<Repo, FakeHubError> {
    let mut paths = Vec::new();
    collect_files(dir, dir, &mut paths)?;
    paths.sort();

    let mut files = BTreeMap::new();
    for (rel, abs) in paths {
        let file = index_file(rel.clone(), abs)?;
        files.insert(rel, file);
    }

    let commit = commit_sha(repo_id, &files);
    let config = files.get("config.json").and_then(|f| read_config(&f.abs));
    let safetensors = safetensors_info(&files);
    Ok(Repo {
        id: repo_id.to_owned(),
        commit,
        options,
        files,
        config,
        safetensors,
    })
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> FakeHubError + '_ {
    move |source| FakeHubError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn collect_files(root: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>) -> Result<(), FakeHubError> {
    for entry in std::fs::read_dir(dir).map_err(io_err(dir))? {
        let entry = entry.map_err(io_err(dir))?;
        let path = entry.path();
        // Follow symlinks: cached repos may be linked into place.
        let meta = std::fs::metadata(&path).map_err(io_err(&path))?;
        if meta.is_dir() {
            collect_files(root, &path, out)?;
        } else if meta.is_file() {
            let rel = path.strip_prefix(root).unwrap_or(&path);
            let rel = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            out.push((rel, path));
        }
    }
    Ok(())
}

fn is_lfs(path: &str, size: u64) -> bool {
    size > LFS_SIZE_THRESHOLD || LFS_EXTENSIONS.iter().any(|ext| path.ends_with(ext))
}

fn index_file(path: String, abs: PathBuf) -> Result<RepoFile, FakeHubError> {
    let meta = std::fs::metadata(&abs).map_err(io_err(&abs))?;
    let size = meta.len();
    let lfs = is_lfs(&path, size);
    let key = (abs.clone(), size, meta.modified().ok());

    let cached = digest_cache().lock().expect("digest cache poisoned").get(&key).cloned();
    let digest = match cached {
        Some(digest) => digest,
        None => {
            let digest = hash_file(&abs, size, lfs)?;
            digest_cache()
                .lock()
                .expect("digest cache poisoned")
                .insert(key, digest.clone());
            digest
        }
    };

    Ok(match digest {
        FileDigest::Git { blob_sha1 } => RepoFile {
            path,
            abs,
            size,
            blob_id: blob_sha1,
            lfs: None,
            content: Arc::default(),
        },
        FileDigest::Lfs { sha256 } => {
            // On the hub an LFS file's git blob is the pointer file, so blobId is the pointer's blob sha.
            let pointer = format!("version https://git-lfs.github.com/spec/v1\noid sha256:{sha256}\nsize {size}\n");
            let blob_id = git_blob_sha1(pointer.as_bytes());
            let lfs = LfsInfo {
                sha256,
                pointer_size: pointer.len() as u64,
            };
            RepoFile {
                path,
                abs,
                size,
                blob_id,
                lfs: Some(lfs),
                content: Arc::default(),
            }
        }
    })
}

fn hash_file(abs: &Path, size: u64, lfs: bool) -> Result<FileDigest, FakeHubError> {
    let file = File::open(abs).map_err(io_err(abs))?;
    let mut reader = BufReader::with_capacity(READ_BUFFER, file);
    let mut buf = vec![0u8; READ_BUFFER];
    if lfs {
        let mut hasher = Sha256::new();
        stream_into(&mut reader, &mut buf, abs, |chunk| hasher.update(chunk))?;
        Ok(FileDigest::Lfs {
            sha256: hex::encode(hasher.finalize()),
        })
    } else {
        let mut hasher = Sha1::new();
        hasher.update(format!("blob {size}\0").as_bytes());
        stream_into(&mut reader, &mut buf, abs, |chunk| hasher.update(chunk))?;
        Ok(FileDigest::Git {
            blob_sha1: hex::encode(hasher.finalize()),
        })
    }
}

fn stream_into(
    reader: &mut impl Read,
    buf: &mut [u8],
    path: &Path,
    mut sink: impl FnMut(&[u8]),
) -> Result<(), FakeHubError> {
    loop {
        let n = reader.read(buf).map_err(io_err(path))?;
        if n == 0 {
            return Ok(());
        }
        sink(&buf[..n]);
    }
}

/// Git's object id for a blob: `sha1("blob {len}\0" + bytes)`.
pub fn git_blob_sha1(bytes: &[u8]) -> String {
    let mut hasher = Sha1::new();
    hasher.update(format!("blob {}\0", bytes.len()).as_bytes());
    hasher.update(bytes);
    hex::encode(hasher.finalize())
}

/// A stable stand-in for a commit: the repo id and every (path, size, etag) determine it, so re-adding changed
/// files yields a new commit, exactly what cache-invalidation tests need.
fn commit_sha(repo_id: &str, files: &BTreeMap<String, RepoFile>) -> String {
    let mut hasher = Sha1::new();
    hasher.update(repo_id.as_bytes());
    hasher.update(b"\n");
    for file in files.values() {
        hasher.update(format!("{}\0{}\0{}\n", file.path, file.size, file.etag()).as_bytes());
    }
    hex::encode(hasher.finalize())
}

fn read_config(path: &Path) -> Option<Value> {
    let text = std::fs::read(path).ok()?;
    let config: Value = serde_json::from_slice(&text).ok()?;
    let mut summary = serde_json::Map::new();
    for key in ["architectures", "model_type"] {
        if let Some(value) = config.get(key) {
            summary.insert(key.to_owned(), value.clone());
        }
    }
    Some(Value::Object(summary))
}

/// Parameter counts over all safetensors files, or `None` when there are none or one cannot be parsed: the hub
/// omits the field then, and tests may serve deliberately broken weights.
fn safetensors_info(files: &BTreeMap<String, RepoFile>) -> Option<SafetensorsInfo> {
    let mut parameters = BTreeMap::<String, u64>::new();
    let mut any = false;
    for file in files.values().filter(|f| f.path.ends_with(".safetensors")) {
        any = true;
        match count_parameters(&file.abs) {
            Ok(counts) => counts
                .into_iter()
                .for_each(|(dtype, n)| *parameters.entry(dtype).or_default() += n),
            Err(reason) => {
                tracing::debug!(path = %file.abs.display(), %reason, "fake hub: unreadable safetensors header");
                return None;
            }
        }
    }
    let total = parameters.values().sum();
    any.then_some(SafetensorsInfo { parameters, total })
}

/// Element counts per dtype, read from the safetensors header (8-byte little-endian length, then JSON).
fn count_parameters(path: &Path) -> Result<BTreeMap<String, u64>, String> {
    let mut file = File::open(path).map_err(|e| e.to_string())?;
    let mut len = [0u8; 8];
    file.read_exact(&mut len).map_err(|e| e.to_string())?;
    let len = u64::from_le_bytes(len);
    if len > MAX_SAFETENSORS_HEADER {
        return Err(format!("header length {len} is implausible"));
    }
    let mut header = Vec::new();
    file.take(len).read_to_end(&mut header).map_err(|e| e.to_string())?;
    let header: serde_json::Map<String, Value> =
        serde_json::from_slice(&header).map_err(|e| format!("header is not a JSON object: {e}"))?;

    let mut counts = BTreeMap::new();
    for (name, tensor) in header.iter().filter(|(name, _)| name.as_str() != "__metadata__") {
        let dtype = tensor.get("dtype").and_then(Value::as_str);
        let shape = tensor.get("shape").and_then(Value::as_array);
        let (Some(dtype), Some(shape)) = (dtype, shape) else {
            return Err(format!("tensor {name} lacks dtype or shape"));
        };
        let elements = shape.iter().try_fold(1u64, |acc, dim| dim.as_u64().map(|d| acc * d));
        let elements = elements.ok_or_else(|| format!("tensor {name} has a non-integer dimension"))?;
        *counts.entry(dtype.to_owned()).or_default() += elements;
    }
    Ok(counts)
}
