//! Throughput of the transfer engine against the fake hub on loopback.
//!
//! Builds (once, cached under `target/test-repos`) the 509 MB two-shard Llama repo the hub notes
//! use for their reference numbers, fetches every file with sha256 verification into a fresh
//! cache, and prints MB/s. Also prints the raw sha256 speed, the ceiling of a verified download,
//! and the reference the issue measures against: each file by its own `curl -o` followed by
//! `openssl dgst -sha256`, all files in parallel (skipped when curl or openssl is missing).
//! Settings: `BENCH_CHUNK_MB` (16), `BENCH_RANGES` (per file, 4), `BENCH_FILES` (2), `BENCH_RUNS` (3),
//! `BENCH_REPO` (`small`, or `large` for the 2.5 GB repo).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use futures::FutureExt;
use millm_downloader::transfer::{EngineConfig, Expected, FileSpec, MIB, ProgressCounter, TransferEngine, fan_out};
use millm_test_support::{FakeHub, LlamaShape, RepoBuilder, RepoOptions, cached_repo};
use sha2::{Digest, Sha256};
use tokio_util::sync::CancellationToken;

fn setting(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn sha256_speed() -> f64 {
    let block = vec![0x5Au8; 64 * MIB as usize];
    let started = Instant::now();
    let mut hasher = Sha256::new();
    for _ in 0..8 {
        hasher.update(&block);
    }
    std::hint::black_box(hasher.finalize());
    (8 * block.len()) as f64 / started.elapsed().as_secs_f64() / 1e6
}

/// Seconds for `curl -o` + `openssl dgst -sha256` of every file, files in parallel.
fn curl_baseline(jobs: Vec<(String, PathBuf)>) -> Option<f64> {
    let quiet = |cmd: &mut Command| {
        cmd.stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if !quiet(Command::new("curl").arg("--version")) || !quiet(Command::new("openssl").arg("version")) {
        return None;
    }
    let started = Instant::now();
    let workers: Vec<_> = jobs
        .into_iter()
        .map(|(url, dest)| {
            std::thread::spawn(move || {
                quiet(Command::new("curl").args(["-s", "-f", "-o"]).arg(&dest).arg(&url))
                    && quiet(Command::new("openssl").args(["dgst", "-sha256"]).arg(&dest))
            })
        })
        .collect();
    let all_ok = workers.into_iter().all(|w| w.join().unwrap_or(false));
    all_ok.then(|| started.elapsed().as_secs_f64())
}

fn resolve_url(hub: &FakeHub, repo_id: &str, commit: &str, path: &str) -> String {
    format!("{}/{repo_id}/resolve/{commit}/{path}", hub.url())
}

fn scratch_dir() -> std::io::Result<tempfile::TempDir> {
    // Next to the build, not in /tmp, which may be a small tmpfs.
    let target = millm_test_support::workspace::target_dir();
    std::fs::create_dir_all(&target)?;
    tempfile::tempdir_in(Path::new(&target))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let large = std::env::var("BENCH_REPO").is_ok_and(|v| v == "large");
    let (name, shape) = if large {
        ("bench-large-2", LlamaShape::bench_large())
    } else {
        ("bench-small-2", LlamaShape::bench_small())
    };
    let dir = cached_repo(name, |dir| RepoBuilder::new(dir).llama(shape).shards(2))?;
    let hub = FakeHub::start().await;
    let repo_id = "bench/llama";
    let commit = hub.add_repo(repo_id, &dir, RepoOptions::default())?.commit;
    // `BENCH_CDN=1`: LFS files through the hub's CDN redirect, as the real hub sends them.
    hub.serve_via_cdn(repo_id, std::env::var_os("BENCH_CDN").is_some());

    let mut files = Vec::new();
    for entry in std::fs::read_dir(&dir)? {
        let path = entry?.path();
        let rel = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
        if rel.ends_with(".safetensors") {
            let sha = hex::encode(Sha256::digest(std::fs::read(&path)?));
            files.push((rel, std::fs::metadata(&path)?.len(), sha));
        }
    }
    let total: u64 = files.iter().map(|(_, size, _)| size).sum();
    println!("sha256 in memory: {:.0} MB/s", sha256_speed());

    let config = EngineConfig {
        chunk_bytes: setting("BENCH_CHUNK_MB", 16) as u64 * MIB,
        max_parallel_ranges: setting("BENCH_RANGES", 4),
        ..EngineConfig::default()
    };
    let engine = TransferEngine::new(TransferEngine::build_client()?, config.clone())?;
    for run in 1..=setting("BENCH_RUNS", 3) {
        let scratch = scratch_dir()?;
        let jobs = files
            .iter()
            .map(|(path, _, _)| (resolve_url(&hub, repo_id, &commit, path), scratch.path().join(path)))
            .collect();
        match tokio::task::spawn_blocking(move || curl_baseline(jobs)).await? {
            Some(secs) => println!(
                "run {run}: curl -o + openssl dgst, files in parallel: {:.0} MB/s",
                total as f64 / 1e6 / secs
            ),
            None => println!("run {run}: curl or openssl missing; no reference"),
        }
        drop(scratch);

        let cache = scratch_dir()?;
        let specs: Vec<FileSpec> = files
            .iter()
            .map(|(path, size, sha)| FileSpec {
                name: path.clone(),
                url: resolve_url(&hub, repo_id, &commit, path),
                token: None,
                size: *size,
                expected: Expected::Sha256(sha.clone()),
                dest_blob: cache.path().join("blobs").join(sha),
            })
            .collect();
        let started = Instant::now();
        let progress = ProgressCounter::new();
        let (engine, progress) = (&engine, &progress);
        fan_out(
            specs.iter().collect(),
            |spec| spec.size,
            setting("BENCH_FILES", 2),
            &CancellationToken::new(),
            |spec, cancel| async move { engine.fetch(spec, progress, &cancel).await.map(drop) }.boxed(),
        )
        .await?;
        let secs = started.elapsed().as_secs_f64();
        println!(
            "run {run}: {} files, {:.0} MB in {secs:.2} s = {:.0} MB/s verified (chunk {} MiB, {} ranges/file)",
            specs.len(),
            total as f64 / 1e6,
            total as f64 / 1e6 / secs,
            config.chunk_bytes / MIB,
            config.max_parallel_ranges,
        );
    }
    Ok(())
}
