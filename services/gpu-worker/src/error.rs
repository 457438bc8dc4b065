//! The crate's one error type. Every failure of a load or a forward pass ends here, typed, so the worker can map it
//! to a contract error code (`UNSUPPORTED_MODEL`, `INSUFFICIENT_MEMORY`, `MODEL_LOAD_FAILED`) without string matching.

use std::path::PathBuf;

/// Why loading or running a model failed.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{file}: corrupt safetensors file: {reason}")]
    CorruptFile { file: PathBuf, reason: String },
    #[error("shard {file} is listed in the index but missing")]
    MissingShard { file: PathBuf },
    #[error("tensor {name} is missing from the safetensors files")]
    MissingTensor { name: String },
    #[error("tensor {name} has shape {found:?}, expected {expected:?}")]
    BadShape {
        name: String,
        expected: Vec<i64>,
        found: Vec<i64>,
    },
    #[error("unsupported model: {0}")]
    Unsupported(#[from] millm_contract::supported::Unsupported),
    #[error("bad config.json: {0}")]
    BadConfig(String),
    /// `limit_mb` is `DEVICE_MEMORY_LIMIT_MB`, or 0 when the device itself ran out without a limit set.
    #[error("out of memory: the weights need {required_mb} MiB, the limit is {limit_mb} MiB")]
    OutOfMemory { required_mb: u64, limit_mb: u64 },
    #[error("the load was cancelled")]
    Cancelled,
    #[error("tokenizer: {0}")]
    Tokenizer(String),
    #[error("the check pass produced non-finite logits")]
    NonFinite,
    #[error("torch: {0}")]
    Torch(#[from] tch::TchError),
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
}

impl LoadError {
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| Self::Io { path, source }
    }
}

/// Bytes to MiB as the contract's `*_mb` fields count them (its one `mib`), unsigned.
pub(crate) fn mib(bytes: u64) -> u64 {
    millm_contract::model::mib(bytes).unsigned_abs()
}
