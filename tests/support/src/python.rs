//! The Python interpreter used to cross-check our behaviour against the reference clients
//! (`huggingface_hub`, `tokenizers`, `safetensors`).
//!
//! Tests that depend on Python must fail loudly when it is missing: a skipped comparison would silently stop
//! guarding the protocol, so [`interpreter`] returns an error instead of an `Option`.

use std::path::PathBuf;

/// Environment variable that overrides the interpreter path.
pub const PYTHON_ENV: &str = "MILLM_PYTHON";

/// The interpreter could not be found.
#[derive(Debug, thiserror::Error)]
#[error(
    "no Python interpreter at {path} (set {PYTHON_ENV} or create the venv: \
     python3 -m venv .venv && .venv/bin/pip install huggingface_hub tokenizers safetensors)"
)]
pub struct PythonNotFound {
    /// Where the interpreter was expected.
    pub path: PathBuf,
}

/// `$MILLM_PYTHON` if set, otherwise `<workspace root>/.venv/bin/python`; errors if that file does not exist.
pub fn interpreter() -> Result<PathBuf, PythonNotFound> {
    let path = match std::env::var_os(PYTHON_ENV) {
        Some(path) if !path.is_empty() => PathBuf::from(path),
        _ => crate::workspace::root().join(".venv/bin/python"),
    };
    if path.is_file() {
        Ok(path)
    } else {
        Err(PythonNotFound { path })
    }
}
