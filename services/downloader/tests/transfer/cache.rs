//! The HuggingFace cache layout: blobs, relative snapshot links, refs, Python-made snapshots,
//! unsafe hub paths, delete bookkeeping and the per-blob lock file.

use std::path::{Path, PathBuf};

use millm_platform::cache::{
    self, BlobFileLock, CacheError, CachedFile, blob_is_referenced, link_snapshot, remove_snapshot_links,
    snapshot_complete, validate_repo_path,
};
use tokio_util::sync::CancellationToken;

const REPO: &str = "org/tiny-llama";
const COMMIT: &str = "3613a50b1c9c688f6591f3ba52674b5ccbfe9c94";
const ETAG_A: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const ETAG_B: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

fn write_blob(root: &Path, etag: &str, bytes: &[u8]) -> PathBuf {
    let path = cache::blob_path(root, REPO, etag).expect("blob path");
    std::fs::create_dir_all(path.parent().expect("parent")).expect("blobs dir");
    std::fs::write(&path, bytes).expect("write blob");
    path
}

fn wanted(path: &str, etag: &str, size: u64) -> CachedFile {
    CachedFile {
        path: path.to_owned(),
        etag: etag.to_owned(),
        size,
    }
}

#[test]
fn snapshot_links_are_relative_with_one_more_level_per_subfolder_and_refs_hold_the_commit() {
    // Arrange
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write_blob(root, ETAG_A, b"weights");

    // Act
    let top = link_snapshot(root, REPO, COMMIT, "model.safetensors", ETAG_A).expect("link top");
    let nested = link_snapshot(root, REPO, COMMIT, "sub/dir/model.safetensors", ETAG_A).expect("link nested");
    cache::write_ref(root, REPO, "main", COMMIT).expect("write ref");

    // Assert
    let repo = root.join("models--org--tiny-llama");
    assert_eq!(top, repo.join("snapshots").join(COMMIT).join("model.safetensors"));
    assert_eq!(
        std::fs::read_link(&top).expect("top is a link"),
        PathBuf::from(format!("../../blobs/{ETAG_A}"))
    );
    assert_eq!(
        std::fs::read_link(&nested).expect("nested is a link"),
        PathBuf::from(format!("../../../../blobs/{ETAG_A}"))
    );
    assert_eq!(std::fs::read(&nested).expect("link resolves"), b"weights");
    assert_eq!(std::fs::read_to_string(repo.join("refs/main")).expect("ref"), COMMIT);
    assert_eq!(
        cache::read_ref(root, REPO, "main").expect("read ref").as_deref(),
        Some(COMMIT)
    );
}

#[test]
fn linking_again_is_a_no_op_and_a_wrong_link_is_replaced() {
    // Arrange
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write_blob(root, ETAG_A, b"a");
    write_blob(root, ETAG_B, b"b");
    link_snapshot(root, REPO, COMMIT, "config.json", ETAG_B).expect("wrong link");

    // Act
    link_snapshot(root, REPO, COMMIT, "config.json", ETAG_A).expect("relink");
    let link = link_snapshot(root, REPO, COMMIT, "config.json", ETAG_A).expect("relink again");

    // Assert
    assert_eq!(std::fs::read(&link).expect("read"), b"a");
}

#[test]
fn a_snapshot_made_the_python_way_is_recognised_as_complete() {
    // Arrange: the layout huggingface_hub writes, built by hand.
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let repo = root.join("models--org--tiny-llama");
    std::fs::create_dir_all(repo.join("blobs")).expect("blobs");
    std::fs::create_dir_all(repo.join("snapshots").join(COMMIT).join("tokenizer")).expect("snapshot");
    std::fs::create_dir_all(repo.join("refs")).expect("refs");
    std::fs::write(repo.join("blobs").join(ETAG_A), b"0123456789").expect("blob a");
    std::fs::write(repo.join("blobs").join(ETAG_B), b"{}").expect("blob b");
    let snapshot = repo.join("snapshots").join(COMMIT);
    std::os::unix::fs::symlink(format!("../../blobs/{ETAG_A}"), snapshot.join("model.safetensors")).expect("link a");
    std::os::unix::fs::symlink(
        format!("../../../blobs/{ETAG_B}"),
        snapshot.join("tokenizer/tokenizer.json"),
    )
    .expect("link b");
    std::fs::write(repo.join("refs/main"), COMMIT).expect("ref");
    let files = vec![
        wanted("model.safetensors", ETAG_A, 10),
        wanted("tokenizer/tokenizer.json", ETAG_B, 2),
    ];

    // Act
    let complete = snapshot_complete(root, REPO, COMMIT, &files);
    let with_missing_file = snapshot_complete(
        root,
        REPO,
        COMMIT,
        &[files.clone(), vec![wanted("config.json", ETAG_B, 2)]].concat(),
    );
    let with_other_blob = snapshot_complete(root, REPO, COMMIT, &[wanted("model.safetensors", ETAG_B, 10)]);

    // Assert
    assert!(complete, "a Python-made snapshot counts as cached");
    assert!(!with_missing_file, "a missing file means the snapshot is incomplete");
    assert!(!with_other_blob, "a link to another blob does not count");
    assert_eq!(
        cache::read_ref(root, REPO, "main").expect("ref").as_deref(),
        Some(COMMIT)
    );
}

#[test]
fn a_snapshot_whose_blob_is_gone_is_not_complete() {
    // Arrange
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let blob = write_blob(root, ETAG_A, b"abc");
    link_snapshot(root, REPO, COMMIT, "model.safetensors", ETAG_A).expect("link");
    std::fs::remove_file(blob).expect("remove blob");

    // Act
    let complete = snapshot_complete(root, REPO, COMMIT, &[wanted("model.safetensors", ETAG_A, 3)]);

    // Assert
    assert!(!complete);
}

#[test]
fn unsafe_hub_paths_are_refused() {
    // Arrange
    let bad = [
        "../escape",
        "a/../../b",
        "/etc/passwd",
        "dir\\file",
        "a//b",
        "",
        "a/./b",
        "trailing/",
    ];

    // Act
    let results: Vec<_> = bad.iter().map(|p| validate_repo_path(p)).collect();

    // Assert
    for (path, result) in bad.iter().zip(results) {
        assert!(
            matches!(result, Err(CacheError::UnsafePath { .. })),
            "{path:?} must be refused"
        );
    }
    assert!(validate_repo_path("sub/dir/model-00001-of-00002.safetensors").is_ok());
    let dir = tempfile::tempdir().expect("tempdir");
    assert!(link_snapshot(dir.path(), REPO, COMMIT, "../../x", ETAG_A).is_err());
    assert!(cache::blob_path(dir.path(), REPO, "../x").is_err());
    assert!(cache::repo_dir(dir.path(), "../org/x").is_err());
}

#[test]
fn a_blob_is_referenced_until_the_last_snapshot_linking_it_is_removed() {
    // Arrange
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let other = "1111111111111111111111111111111111111111";
    write_blob(root, ETAG_A, b"shared");
    write_blob(root, ETAG_B, b"only in the first");
    link_snapshot(root, REPO, COMMIT, "model.safetensors", ETAG_A).expect("link");
    link_snapshot(root, REPO, COMMIT, "config.json", ETAG_B).expect("link");
    link_snapshot(root, REPO, other, "model.safetensors", ETAG_A).expect("link");
    cache::write_ref(root, REPO, "main", COMMIT).expect("ref");

    // Act
    let used = remove_snapshot_links(root, REPO, COMMIT).expect("remove");

    // Assert
    assert_eq!(used, vec![ETAG_A.to_owned(), ETAG_B.to_owned()]);
    assert!(
        blob_is_referenced(root, REPO, ETAG_A).expect("a"),
        "still linked by the other snapshot"
    );
    assert!(!blob_is_referenced(root, REPO, ETAG_B).expect("b"));
    assert_eq!(
        cache::read_ref(root, REPO, "main").expect("ref"),
        None,
        "the ref to the removed commit goes too"
    );
    remove_snapshot_links(root, REPO, other).expect("remove other");
    assert!(!blob_is_referenced(root, REPO, ETAG_A).expect("a"));
}

#[tokio::test]
async fn the_blob_lock_file_is_exclusive_and_released_on_drop() {
    // Arrange
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let first = BlobFileLock::try_acquire(root, REPO, ETAG_A)
        .expect("lock")
        .expect("free");

    // Act
    let second = BlobFileLock::try_acquire(root, REPO, ETAG_A).expect("try");
    let cancel = CancellationToken::new();
    let waiter = {
        let root = root.to_path_buf();
        let cancel = cancel.clone();
        tokio::spawn(async move { BlobFileLock::acquire(&root, REPO, ETAG_A, &cancel).await })
    };
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let waited_while_held = !waiter.is_finished();
    drop(first);
    let acquired = tokio::time::timeout(std::time::Duration::from_secs(5), waiter).await;

    // Assert
    assert!(second.is_none(), "a second holder is refused");
    assert!(waited_while_held, "acquire waits while the lock is held");
    let lock = acquired.expect("acquired in time").expect("join").expect("lock");
    assert_eq!(
        lock.path(),
        root.join(".locks/models--org--tiny-llama")
            .join(format!("{ETAG_A}.lock"))
    );
}
