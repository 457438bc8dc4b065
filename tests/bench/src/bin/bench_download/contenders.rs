//! The reference contenders: huggingface_hub, the curl + openssl ceiling, and miLLM itself, each
//! fetching into a scratch folder of its own.

use millm_bench::services::Services;
use millm_test_support::FakeHub;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tokio::process::Command;

/// The serial ceiling: the shards with parallel `curl -L -o` (through the CDN redirect), then
/// parallel `openssl dgst -sha256`, timed back to back.
pub async fn ceiling(hub: &FakeHub, repo_id: &str, shards: &[String], work: &Path) -> Duration {
    let started = Instant::now();
    let curls = shards.iter().map(|f| {
        Command::new("curl")
            .args(["-s", "-f", "-L", "-o"])
            .arg(work.join(f))
            .arg(format!("{}/{repo_id}/resolve/main/{f}", hub.url()))
            .status()
    });
    for status in futures::future::join_all(curls).await {
        assert!(status.unwrap().success(), "curl failed");
    }
    let digests = shards.iter().map(|f| {
        Command::new("openssl")
            .args(["dgst", "-sha256"])
            .arg(work.join(f))
            .output()
    });
    for out in futures::future::join_all(digests).await {
        assert!(out.unwrap().status.success(), "openssl failed");
    }
    started.elapsed()
}

/// `huggingface_hub.snapshot_download` (`HF_HUB_DISABLE_XET=1`), timed inside Python, imports excluded.
pub async fn python(hub: &FakeHub, repo_id: &str, work: &Path) -> Duration {
    let code = format!(
        "import time\nfrom huggingface_hub import snapshot_download\nt=time.perf_counter()\n\
         snapshot_download('{repo_id}')\nprint(time.perf_counter()-t)"
    );
    let out = Command::new(millm_test_support::python::interpreter().expect("venv python"))
        .args(["-c", &code])
        .env("HF_ENDPOINT", hub.url())
        .env("HF_HUB_CACHE", work)
        .env("HF_HUB_DISABLE_XET", "1")
        .env("HF_HUB_DISABLE_TELEMETRY", "1")
        .env("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        .output()
        .await
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    Duration::from_secs_f64(String::from_utf8_lossy(&out.stdout).trim().parse().unwrap())
}

/// POST → `model:download:complete`, the event the UI waits for; polling the API every few
/// milliseconds instead would take CPU from the download it times.
pub async fn ours(svc: &Services, repo_id: &str) -> Duration {
    let mut events = svc.events().await;
    let started = Instant::now();
    let id = svc.create(repo_id).await;
    let names = ["model:download:complete", "model:download:error"];
    let (name, data) = events
        .next_of(&names, Some(id), Duration::from_secs(600))
        .await
        .expect("the download ends");
    let elapsed = started.elapsed();
    assert_eq!(name, names[0], "download failed: {data}");
    assert_eq!(svc.model(id).await["data"]["status"], "ready");
    elapsed
}

/// Every contender's scratch folder, cleared before each contender runs.
const SCRATCH: [&str; 5] = ["curl", "python", "hf_transfer", "aria2c", "ours"];

/// An empty scratch folder, with every earlier contender's files gone and the dirty pages written back, so no
/// contender pays for another's writeback.
pub async fn clean_scratch(work: &Path, name: &str) -> PathBuf {
    for old in SCRATCH {
        let _ = std::fs::remove_dir_all(work.join(old));
    }
    let status = Command::new("sync").status().await.expect("sync runs");
    assert!(status.success(), "sync failed");
    let p = work.join(name);
    std::fs::create_dir_all(&p).unwrap();
    p
}
