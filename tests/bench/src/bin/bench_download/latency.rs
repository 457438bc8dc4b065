//! Latency of the service path: POST → first progress event, and cancel → transfer stopped.

use millm_bench::services::Services;
use millm_bench::{fetched, median};
use millm_test_support::{FakeHub, RepoOptions};
use std::path::Path;
use std::time::{Duration, Instant};

pub async fn first_event_latency(hub: &FakeHub, tiny: &Path, work: &Path) -> Duration {
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

pub async fn cancel_latency(hub: &FakeHub, dir: &Path, work: &Path) -> Duration {
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
