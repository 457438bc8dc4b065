//! Builds named repos once per target directory and reuses them across tests, processes and runs.
//!
//! Tests run in parallel threads and processes, so a file lock serialises builders of the same name, and each
//! build goes to a temporary directory that is renamed into place only when complete: readers never see a partial
//! repo. A fingerprint file next to the repo triggers a rebuild when the recipe changes.

use std::fs::File;
use std::path::{Path, PathBuf};

use super::{BuildError, RepoBuilder, io_err};

/// Returns `target/test-repos/<name>`, building it with the builder `make` returns if it is missing or stale.
///
/// `make` receives the directory to build into and must pass it to [`RepoBuilder::new`]:
/// `cached_repo("tiny", |dir| RepoBuilder::new(dir).llama(LlamaShape::tiny()))`.
pub fn cached_repo(name: &str, make: impl FnOnce(&Path) -> RepoBuilder) -> Result<PathBuf, BuildError> {
    let valid = !name.is_empty() && !name.starts_with('.') && !name.contains(['/', '\\']);
    if !valid {
        return Err(BuildError::InvalidCacheName(name.to_owned()));
    }
    let root = crate::workspace::target_dir().join("test-repos");
    std::fs::create_dir_all(&root).map_err(io_err(&root))?;
    let target = root.join(name);
    let stamp = root.join(format!("{name}.fingerprint"));
    let staging = root.join(format!(".{name}.building-{}", std::process::id()));

    let builder = make(&staging);
    if builder.dir() != staging {
        return Err(BuildError::ForeignDir {
            expected: staging,
            actual: builder.dir().to_path_buf(),
        });
    }
    let fingerprint = builder.fingerprint();

    let lock_path = root.join(format!("{name}.lock"));
    let lock = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(io_err(&lock_path))?;
    // Held until `lock` drops at the end of this function.
    lock.lock().map_err(io_err(&lock_path))?;

    let fresh = std::fs::read_to_string(&stamp).is_ok_and(|s| s == fingerprint) && target.is_dir();
    if fresh {
        return Ok(target);
    }
    remove_dir_if_present(&staging)?;
    builder.build()?;
    // Invalidate the stamp before touching the old repo, so a crash in between means "rebuild", not "stale".
    if stamp.exists() {
        std::fs::remove_file(&stamp).map_err(io_err(&stamp))?;
    }
    remove_dir_if_present(&target)?;
    std::fs::rename(&staging, &target).map_err(io_err(&target))?;
    std::fs::write(&stamp, &fingerprint).map_err(io_err(&stamp))?;
    Ok(target)
}

fn remove_dir_if_present(dir: &Path) -> Result<(), BuildError> {
    match std::fs::remove_dir_all(dir) {
        Err(error) if error.kind() != std::io::ErrorKind::NotFound => Err(io_err(dir)(error)),
        _ => Ok(()),
    }
}
