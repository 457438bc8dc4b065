//! `make bench-scale`: how downloads scale with downloader processes, the way Kubernetes scales
//! them on the queue's length.
//!
//! The fake hub caps each response body at `STREAM_CAP` bytes per second, as a CDN caps each
//! stream, and sends every file through its CDN redirect. Six repos are queued at once on the
//! gateway, then drained by 1, 2 and 3 downloader processes spawned from the release binary with
//! the default `MAX_DOWNLOAD_WORKERS`, and by one process with `MAX_DOWNLOAD_WORKERS=6`. That last
//! row tells processes from concurrency: one process shares one transfer engine, so its range
//! requests in flight are bounded however many jobs it runs, where every process brings its own.
//!
//! Each configuration is timed from the six POSTs, sent together, to the sixth
//! `model:download:complete`, in the same order each round; the table reports medians and the
//! ratio to one process.

use millm_bench::report::{Row, print_ratio, print_table, print_target};
use millm_bench::services::Services;
use millm_bench::{fetched, median};
use millm_test_support::{FakeHub, LlamaShape, RepoBuilder, RepoOptions, cached_repo};
use std::collections::HashSet;
use std::path::Path;
use std::time::{Duration, Instant};

/// Bytes per second of one stream: low enough that one process is bound by its streams, not by
/// the two cores the hub, the gateway and every downloader share.
const STREAM_CAP: u64 = 16_000_000;
const REPOS: usize = 6;
const ROUNDS: usize = 3;

/// About 80 M parameters, 160 MB in BF16 over two shards: five 16 MiB chunks per shard. Each run
/// pays a fixed few hundred milliseconds (the first job's start, the last file's hash check and
/// commit); repos far smaller than a real model's would measure that instead of the scaling.
const SHAPE: LlamaShape = LlamaShape {
    hidden: 512,
    intermediate: 1408,
    layers: 16,
    heads: 8,
    kv_heads: 4,
    vocab: 32000,
};

/// One configuration: how many processes, with what extra environment.
struct Setup {
    name: &'static str,
    processes: usize,
    extra: &'static [(&'static str, &'static str)],
}

const SETUPS: [Setup; 4] = [
    Setup {
        name: "1 process",
        processes: 1,
        extra: &[],
    },
    Setup {
        name: "2 processes",
        processes: 2,
        extra: &[],
    },
    Setup {
        name: "3 processes",
        processes: 3,
        extra: &[],
    },
    Setup {
        name: "1 process, MAX_DOWNLOAD_WORKERS=6",
        processes: 1,
        extra: &[("MAX_DOWNLOAD_WORKERS", "6")],
    },
];

/// Queues every repo, then waits until each has downloaded; the time from the first POST.
async fn drain(hub: &FakeHub, repos: &[String], setup: &Setup, cache: &Path) -> Duration {
    let extra: Vec<(&str, String)> = setup.extra.iter().map(|(k, v)| (*k, (*v).to_owned())).collect();
    std::fs::create_dir_all(cache).unwrap();
    let svc = Services::start(&hub.url(), cache, setup.processes, &extra).await;
    let mut events = svc.events().await;
    let started = Instant::now();
    // The six at once, as a script or several users would queue them.
    let created = futures::future::join_all(repos.iter().map(|repo| svc.create(repo))).await;
    let mut pending: HashSet<i64> = created.into_iter().collect();
    let names = ["model:download:complete", "model:download:error"];
    while !pending.is_empty() {
        let (name, data) = events
            .next_of(&names, None, Duration::from_secs(600))
            .await
            .expect("every download ends");
        assert_eq!(name, names[0], "download failed: {data}");
        if let Some(id) = data["model_id"].as_i64() {
            pending.remove(&id);
        }
    }
    let elapsed = started.elapsed();
    svc.stop().await;
    let _ = std::fs::remove_dir_all(cache);
    elapsed
}

#[tokio::main]
async fn main() {
    let work = millm_test_support::workspace::target_dir().join("bench-scale");
    std::fs::create_dir_all(&work).unwrap();
    let source = cached_repo("bench-scale", |dir| RepoBuilder::new(dir).llama(SHAPE).shards(2)).expect("scale repo");
    let hub = FakeHub::start().await;
    let repos: Vec<String> = (0..REPOS).map(|i| format!("bench/scale-{i}")).collect();
    for repo in &repos {
        hub.add_repo(repo, &source, RepoOptions::default()).unwrap();
        hub.serve_via_cdn(repo, true);
    }
    hub.set_stream_rate_limit(Some(STREAM_CAP));
    let bytes = REPOS as u64 * fetched(&source).iter().map(|(_, size)| size).sum::<u64>();
    println!(
        "# bench-scale ({REPOS} repos of {:.0} MB queued at once; the fake hub caps each stream at {} MB/s, through its CDN redirect)",
        bytes as f64 / 1e6 / REPOS as f64,
        STREAM_CAP / 1_000_000
    );

    let mut samples: Vec<Vec<Duration>> = SETUPS.iter().map(|_| Vec::new()).collect();
    for _ in 0..ROUNDS {
        for (setup, sample) in SETUPS.iter().zip(&mut samples) {
            sample.push(drain(&hub, &repos, setup, &work.join("cache")).await);
        }
    }
    let rows: Vec<Row> = SETUPS
        .iter()
        .zip(samples)
        .map(|(setup, sample)| Row {
            name: setup.name.into(),
            elapsed: median(sample),
            bytes,
        })
        .collect();
    print_table(&format!("{REPOS} downloads, median of {ROUNDS}"), &rows);
    for row in &rows[1..] {
        print_ratio(&format!("{} / 1 process", row.name), row, &rows[0]);
    }
    let met = print_target("3 processes / 1 process", &rows[2], &rows[0], 2.7);
    println!(
        "\n## targets: {}",
        if met { "all met" } else { "some MISSED (see above)" }
    );
    let _ = std::fs::remove_dir_all(&work);
}
