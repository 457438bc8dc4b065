//! Locations inside the miLLM workspace.
//!
//! Tests run with the package directory as their working directory, so paths that are shared by the whole
//! workspace (the target directory, the Python virtual environment) have to be derived from where this crate lives.

use std::path::{Path, PathBuf};

/// The workspace root: the nearest ancestor of this crate's manifest directory that holds `Cargo.lock`.
///
/// Falls back to two levels up (`tests/support` → root) if no lock file is found, which only happens when the crate
/// is built outside a workspace checkout.
pub fn root() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .ancestors()
        .find(|dir| dir.join("Cargo.lock").is_file())
        .map(Path::to_path_buf)
        .unwrap_or_else(|| manifest_dir.join("../.."))
}

/// The cargo target directory: `CARGO_TARGET_DIR` when set (relative values are taken from the workspace root, as
/// cargo does), otherwise `<root>/target`.
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => {
            let dir = PathBuf::from(dir);
            if dir.is_absolute() { dir } else { root().join(dir) }
        }
        _ => root().join("target"),
    }
}
