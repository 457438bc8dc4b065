//! `make bench-download`: miLLM's download path beside huggingface_hub, two peers a user would
//! pick instead (hf_transfer and aria2c) and a curl + openssl ceiling, on the same fake hub over
//! loopback, in one run, with the targets checked on that run.
//!
//! Every contender fetches the same repo through the hub's CDN redirect (`BENCH_DIRECT=1` serves
//! it directly instead, to compare) and verifies what it fetched: ours through the API (POST →
//! `ready`, in the HuggingFace cache layout); `huggingface_hub.snapshot_download`; the peers (see
//! `peers`); the ceiling. Then the latency of POST → first progress event (median of 10) and of
//! cancel → stopped.

mod contenders;
mod latency;
mod peers;

use contenders::{ceiling, clean_scratch, ours, python};
use latency::{cancel_latency, first_event_latency};
use millm_bench::report::{Row, print_ratio, print_table, print_target};
use millm_bench::services::Services;
use millm_bench::{fetched, median};
use millm_test_support::{FakeHub, LlamaShape, RepoBuilder, RepoOptions, cached_repo};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Rounds of each contender; each row reports the median.
const ROUNDS: usize = 5;

fn row(name: &str, samples: Vec<Duration>, bytes: u64) -> Row {
    Row {
        name: name.into(),
        elapsed: median(samples),
        bytes,
    }
}

/// Every contender, `ROUNDS` times, in the same order each round; then the table, the ratios and
/// the targets. Whether every target was met.
async fn throughput(hub: &FakeHub, repo_id: &str, dir: &Path, work: &Path) -> bool {
    let files = fetched(dir);
    let bytes: u64 = files.iter().map(|(_, s)| s).sum();
    let shards: Vec<(String, u64)> = files
        .iter()
        .filter(|(f, _)| f.ends_with(".safetensors"))
        .cloned()
        .collect();
    let shard_names: Vec<String> = shards.iter().map(|(f, _)| f.clone()).collect();
    let http = peers::client();
    let mut samples: [Vec<Duration>; 5] = Default::default();
    for _ in 0..ROUNDS {
        samples[0].push(ceiling(hub, repo_id, &shard_names, &clean_scratch(work, "curl").await).await);
        samples[1].push(python(hub, repo_id, &clean_scratch(work, "python").await).await);
        samples[2].push(peers::hf_transfer(hub, repo_id, &clean_scratch(work, "hf_transfer").await).await);
        samples[3].push(peers::aria2c(&http, hub, repo_id, &clean_scratch(work, "aria2c").await).await);
        let svc = Services::start(&hub.url(), &clean_scratch(work, "ours").await, 1, &[]).await;
        samples[4].push(ours(&svc, repo_id).await);
        svc.stop().await;
    }
    let _ = clean_scratch(work, "ours").await;
    let [curl, py, hft, aria, millm] = samples;
    let ceiling = row(
        "ceiling: 2× curl -L -o, then 2× openssl dgst -sha256",
        curl,
        shards.iter().map(|(_, s)| s).sum(),
    );
    let python = row("huggingface_hub.snapshot_download", py, bytes);
    let hf_transfer = row("hf_transfer, then sha256", hft, bytes);
    let aria2c = row("aria2c -x 8 -s 8 --checksum=sha-256", aria, bytes);
    let ours = row("miLLM: POST → ready", millm, bytes);
    print_table(
        &format!(
            "{repo_id}: {:.0} MB in {} files (median of {ROUNDS})",
            bytes as f64 / 1e6,
            files.len()
        ),
        &[
            ceiling.clone(),
            python.clone(),
            hf_transfer.clone(),
            aria2c.clone(),
            ours.clone(),
        ],
    );
    for reference in [&python, &hf_transfer, &aria2c, &ceiling] {
        print_ratio(&format!("miLLM / {}", reference.name), &ours, reference);
    }
    let faster_peer = if hf_transfer.mb_s() >= aria2c.mb_s() {
        &hf_transfer
    } else {
        &aria2c
    };
    let met = [
        print_target("miLLM / huggingface_hub", &ours, &python, 2.5),
        print_target(
            &format!("miLLM / the faster peer ({})", faster_peer.name),
            &ours,
            faster_peer,
            1.5,
        ),
        print_target("miLLM / serial ceiling", &ours, &ceiling, 1.2),
    ];
    met.iter().all(|m| *m)
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
    let mut met = throughput(&hub, "bench/small", &small, &work).await;
    if std::env::var_os("BENCH_SKIP_LARGE").is_none() {
        let large = repo("bench-large-2", LlamaShape::bench_large());
        hub.add_repo("bench/large", &large, RepoOptions::default()).unwrap();
        hub.serve_via_cdn("bench/large", cdn);
        met &= throughput(&hub, "bench/large", &large, &work).await;
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
    println!(
        "\n## targets: {}",
        if met { "all met" } else { "some MISSED (see above)" }
    );
    let _ = std::fs::remove_dir_all(&work);
}
