//! The repos the tests serve, built once per target directory.

use std::path::{Path, PathBuf};

use millm_test_support::{LlamaShape, RepoBuilder, cached_repo};

/// A tiny Llama repo, two shards, built once per test run.
pub fn tiny_repo() -> PathBuf {
    cached_repo("downloader-tiny", |dir| {
        RepoBuilder::new(dir).llama(LlamaShape::tiny()).shards(2)
    })
    .expect("tiny repo")
}

/// One ~11 MiB shard: at 1 MiB chunks, eleven chunks.
pub fn big_repo() -> PathBuf {
    let shape = LlamaShape {
        vocab: 8000,
        ..LlamaShape::small()
    };
    cached_repo("downloader-big", |dir| RepoBuilder::new(dir).llama(shape).shards(1)).expect("big repo")
}

/// Another ~11 MiB repo whose weights differ from [`big_repo`]'s, so that the two share no
/// blob (a blob's lease is per hash, whichever repo it is in).
pub fn big_repo_other() -> PathBuf {
    let shape = LlamaShape {
        vocab: 7936,
        ..LlamaShape::small()
    };
    cached_repo("downloader-big-other", |dir| {
        RepoBuilder::new(dir).llama(shape).shards(1)
    })
    .expect("big repo")
}

/// The files of a repo folder with their sizes, by name.
pub fn repo_files(dir: &Path) -> Vec<(String, u64)> {
    let mut files: Vec<(String, u64)> = std::fs::read_dir(dir)
        .expect("repo dir")
        .flatten()
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                e.metadata().map(|m| m.len()).unwrap_or(0),
            )
        })
        .collect();
    files.sort();
    files
}

/// The largest safetensors file of a repo folder.
pub fn largest_shard(dir: &Path) -> (String, u64) {
    repo_files(dir)
        .into_iter()
        .filter(|(name, _)| name.ends_with(".safetensors"))
        .max_by_key(|(_, size)| *size)
        .expect("a shard")
}
