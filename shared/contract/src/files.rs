//! Which files of a repo make "the model", and how to read a safetensors header.
//!
//! [`is_fetched_file`] is the one list: the downloader fetches exactly these files, and their
//! sizes add up to `disk_size_mb`, the preview's `disk_mb` and the disk-space check.

use serde::Deserialize;
use std::collections::BTreeMap;

const FETCHED_NAMES: [&str; 9] = [
    "config.json",
    "generation_config.json",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "tokenizer.model",
    "vocab.json",
    "merges.txt",
    "model.safetensors.index.json",
];

/// Whether a repo path belongs to the model (docs/estimator.md, the last paragraph).
pub fn is_fetched_file(path: &str) -> bool {
    FETCHED_NAMES.contains(&path) || (path.ends_with(".safetensors") && !path.contains('/'))
}

/// Why a repo path is not safe to join under a directory, if it is not: it must be relative,
/// without backslashes, NUL bytes, or empty, `.` or `..` components. The one check: the planner
/// skips such names and the cache layout refuses them.
pub fn repo_path_problem(path: &str) -> Option<&'static str> {
    if path.is_empty() {
        return Some("empty path");
    }
    if path.contains('\\') {
        return Some("backslash");
    }
    if path.contains('\0') {
        return Some("NUL byte");
    }
    if path.starts_with('/') {
        return Some("absolute path");
    }
    path.split('/').find_map(|component| match component {
        "" => Some("empty component"),
        "." | ".." => Some("dot component"),
        _ => None,
    })
}

/// A repo path is safe to join under a directory ([`repo_path_problem`] finds nothing).
pub fn is_safe_repo_path(path: &str) -> bool {
    repo_path_problem(path).is_none()
}

/// One tensor as its safetensors header describes it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct TensorInfo {
    pub dtype: String,
    pub shape: Vec<u64>,
    pub data_offsets: [u64; 2],
}

impl TensorInfo {
    pub fn elements(&self) -> u64 {
        self.shape.iter().product()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HeaderError {
    #[error("file is shorter than its safetensors header")]
    Truncated,
    #[error("safetensors header is {0} bytes, over the 100 MB limit")]
    TooLarge(u64),
    #[error("safetensors header is not valid JSON: {0}")]
    Invalid(String),
}

/// The largest header we accept, as the safetensors format itself limits it.
pub const MAX_HEADER_BYTES: u64 = 100_000_000;

/// Reads the header length from a file's first 8 bytes.
pub fn header_len(prefix: &[u8]) -> Result<u64, HeaderError> {
    let bytes: [u8; 8] = prefix
        .get(..8)
        .and_then(|b| b.try_into().ok())
        .ok_or(HeaderError::Truncated)?;
    let len = u64::from_le_bytes(bytes);
    if len > MAX_HEADER_BYTES {
        return Err(HeaderError::TooLarge(len));
    }
    Ok(len)
}

/// Parses the tensors of a safetensors file from its first `8 + header_len` bytes.
pub fn parse_header(prefix: &[u8]) -> Result<BTreeMap<String, TensorInfo>, HeaderError> {
    let len = header_len(prefix)? as usize;
    let json = prefix.get(8..8 + len).ok_or(HeaderError::Truncated)?;
    let raw: BTreeMap<String, serde_json::Value> =
        serde_json::from_slice(json).map_err(|e| HeaderError::Invalid(e.to_string()))?;
    raw.into_iter()
        .filter(|(name, _)| name != "__metadata__")
        .map(|(name, value)| {
            serde_json::from_value::<TensorInfo>(value)
                .map(|info| (name, info))
                .map_err(|e| HeaderError::Invalid(e.to_string()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_model_files_are_fetched() {
        assert!(is_fetched_file("config.json"));
        assert!(is_fetched_file("model-00001-of-00002.safetensors"));
        assert!(is_fetched_file("model.safetensors.index.json"));
        assert!(!is_fetched_file("pytorch_model.bin"));
        assert!(!is_fetched_file("README.md"));
        assert!(!is_fetched_file("onnx/model.safetensors"));
        assert!(!is_fetched_file("modeling_custom.py"));
    }

    #[test]
    fn unsafe_repo_paths_are_refused() {
        assert!(is_safe_repo_path("a/b.json"));
        for bad in ["../x", "a/../b", "/etc/passwd", "a\\b", "", "a//b", "./a"] {
            assert!(!is_safe_repo_path(bad), "{bad} should be refused");
        }
    }

    #[test]
    fn a_header_lists_its_tensors_and_skips_metadata() {
        let json = br#"{"__metadata__":{"format":"pt"},"w":{"dtype":"BF16","shape":[2,3],"data_offsets":[0,12]}}"#;
        let mut bytes = (json.len() as u64).to_le_bytes().to_vec();
        bytes.extend_from_slice(json);
        let tensors = parse_header(&bytes).unwrap();
        assert_eq!(tensors.len(), 1);
        assert_eq!(tensors["w"].elements(), 6);
    }

    #[test]
    fn a_short_or_huge_header_is_an_error() {
        assert_eq!(parse_header(&[1, 2]), Err(HeaderError::Truncated));
        assert_eq!(
            parse_header(&u64::MAX.to_le_bytes()),
            Err(HeaderError::TooLarge(u64::MAX))
        );
        let mut bytes = 50u64.to_le_bytes().to_vec();
        bytes.extend_from_slice(b"{}");
        assert_eq!(parse_header(&bytes), Err(HeaderError::Truncated));
    }
}
