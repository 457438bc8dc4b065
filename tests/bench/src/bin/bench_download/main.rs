//! `make bench-download`: miLLM's download path beside huggingface_hub and a curl + openssl
//! ceiling, on the same fake hub over loopback, in one run.
//!
//! Contenders fetch the same repo: ours through the API (POST → `ready`, verified, in the
//! HuggingFace cache layout); Python `huggingface_hub.snapshot_download` (`HF_HUB_DISABLE_XET=1`,
//! timed inside Python, imports excluded); the ceiling is two parallel `curl -L -o` (through the CDN redirect) then two
//! parallel `openssl dgst -sha256`, timed back to back. Then the latency of POST → first
//! progress event (median of 10) and of cancel → stopped.

use millm_bench::median;
use millm_bench::report::{Row, print_ratio, print_table};
use millm_bench::services::Services;
use millm_contract::files::is_fetched_file;
use millm_test_support::{FakeHub, LlamaShape, RepoBuilder, RepoOptions, cached_repo};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tokio::process::Command;

fn fetched(dir: &Path) -> Vec<(String, u64)> {
    let mut files: Vec<(String, u64)> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                e.metadata().unwrap().len(),
            )
        })
        .filter(|(name, _)| is_fetched_file(name))
        .collect();
    files.sort();
    files
}

async fn ceiling(hub: &FakeHub, repo_id: &str, shards: &[String], work: &Path) -> Duration {
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

async fn python(hub: &FakeHub, repo_id: &str, work: &Path) -> Duration {
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
async fn ours(svc: &Services, repo_id: &str) -> Duration {
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

/// An empty scratch folder, with every earlier contender's files gone and the dirty pages written back, so no
/// contender pays for another's writeback.
async fn clean_scratch(work: &Path, name: &str) -> PathBuf {
    for old in ["curl", "python", "ours"] {
        let _ = std::fs::remove_dir_all(work.join(old));
    }
    let status = Command::new("sync").status().await.expect("sync runs");
    assert!(status.success(), "sync failed");
    let p = work.join(name);
    std::fs::create_dir_all(&p).unwrap();
    p
}

/// Rounds of each contender; each row reports the median.
const ROUNDS: usize = 5;

async fn throughput(hub: &FakeHub, repo_id: &str, dir: &Path, work: &Path) {
    let files = fetched(dir);
    let bytes: u64 = files.iter().map(|(_, s)| s).sum();
    let shards: Vec<String> = files
        .iter()
        .map(|(f, _)| f.clone())
        .filter(|f| f.ends_with(".safetensors"))
        .collect();
    let ceiling_files: u64 = shards
        .iter()
        .map(|f| files.iter().find(|(n, _)| n == f).unwrap().1)
        .sum();
    let (mut curl, mut py, mut millm) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        curl.push(ceiling(hub, repo_id, &shards, &clean_scratch(work, "curl").await).await);
        py.push(python(hub, repo_id, &clean_scratch(work, "python").await).await);
        let svc = Services::start(&hub.url(), &clean_scratch(work, "ours").await, 1, &[]).await;
        millm.push(ours(&svc, repo_id).await);
        svc.stop().await;
    }
    let ceiling = Row {
        name: "ceiling: 2× curl -o, then 2× openssl dgst -sha256".into(),
        elapsed: median(curl),
        bytes: ceiling_files,
    };
    let python = Row {
        name: "huggingface_hub.snapshot_download".into(),
        elapsed: median(py),
        bytes,
    };
    let ours = Row {
        name: "miLLM: POST → ready".into(),
        elapsed: median(millm),
        bytes,
    };
    print_table(
        &format!(
            "{repo_id}: {:.0} MB in {} files (median of {ROUNDS})",
            bytes as f64 / 1e6,
            files.len()
        ),
        &[ceiling.clone(), python.clone(), ours.clone()],
    );
    print_ratio("miLLM / huggingface_hub", &ours, &python, "≥ 2");
    print_ratio("miLLM / ceiling", &ours, &ceiling, "≥ 0.8");
}

async fn first_event_latency(hub: &FakeHub, tiny: &Path, work: &Path) -> Duration {
    let svc = Services::start(&hub.url(), &work.join("latency"), 1, &[]).await;
    let mut events = svc.events().await;
    let mut samples = Vec::new();
    for i in 0..10 {
        let repo_id = format!("bench/tiny-{i}");
        hub.add_repo(&repo_id, tiny, RepoOptions::default()).unwrap();
        let sent = Instant::now();
        let id = svc.create(&repo_id).await;
        events
            .next_of(&["model:download:progress"], Some(id), Duration::from_secs(30))
            .await
            .expect("progress event");
        samples.push(sent.elapsed());
    }
    svc.stop().await;
    median(samples)
}

async fn cancel_latency(hub: &FakeHub, dir: &Path, work: &Path) -> Duration {
    hub.add_repo("bench/slow", dir, RepoOptions::default()).unwrap();
    hub.set_rate_limit("bench/slow", Some(50_000_000));
    let svc = Services::start(&hub.url(), &work.join("cancel"), 1, &[]).await;
    let id = svc.create("bench/slow").await;
    let shards: Vec<String> = fetched(dir)
        .into_iter()
        .map(|(f, _)| f)
        .filter(|f| f.ends_with(".safetensors"))
        .collect();
    let served = || shards.iter().map(|f| hub.bytes_served("bench/slow", f)).sum::<u64>();
    while served() < 20_000_000 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let cancelled = Instant::now();
    svc.http
        .post(format!("{}/api/models/{id}/cancel", svc.base))
        .send()
        .await
        .unwrap();
    let (mut last, mut last_change) = (served(), Instant::now());
    while last_change.elapsed() < Duration::from_millis(500) {
        tokio::time::sleep(Duration::from_millis(10)).await;
        let now = served();
        if now != last {
            (last, last_change) = (now, Instant::now());
        }
    }
    svc.stop().await;
    last_change.saturating_duration_since(cancelled)
}

fn repo(name: &str, shape: LlamaShape) -> PathBuf {
    cached_repo(name, |dir| RepoBuilder::new(dir).llama(shape).shards(2)).expect("bench repo")
}

#[tokio::main]
async fn main() {
    let work = millm_test_support::workspace::target_dir().join("bench-work");
    std::fs::create_dir_all(&work).unwrap();
    let hub = FakeHub::start().await;
    let small = repo("bench-small-2", LlamaShape::bench_small());
    hub.add_repo("bench/small", &small, RepoOptions::default()).unwrap();
    // Every contender goes through the CDN redirect, as the real hub sends LFS files
    // (`BENCH_DIRECT=1` serves them directly instead, to compare).
    let cdn = std::env::var_os("BENCH_DIRECT").is_none();
    hub.serve_via_cdn("bench/small", cdn);
    println!(
        "# bench-download (loopback fake hub, LFS files through its CDN redirect, sha256 verified by every contender)"
    );
    throughput(&hub, "bench/small", &small, &work).await;
    if std::env::var_os("BENCH_SKIP_LARGE").is_none() {
        let large = repo("bench-large-2", LlamaShape::bench_large());
        hub.add_repo("bench/large", &large, RepoOptions::default()).unwrap();
        hub.serve_via_cdn("bench/large", cdn);
        throughput(&hub, "bench/large", &large, &work).await;
    }
    let tiny = cached_repo("bench-tiny", |dir| RepoBuilder::new(dir).llama(LlamaShape::tiny())).expect("tiny repo");
    let first = first_event_latency(&hub, &tiny, &work).await;
    println!(
        "\n## latency\n- POST → first progress event, median of 10: {} ms (target ≤ 300 ms)",
        first.as_millis()
    );
    let stop = cancel_latency(&hub, &small, &work).await;
    println!(
        "- cancel → transfer stopped: {} ms (target ≤ 2000 ms)",
        stop.as_millis()
    );
    let _ = std::fs::remove_dir_all(&work);
}
