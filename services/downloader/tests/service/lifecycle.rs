//! Stopping and restarting: cancel, kill -9, SIGTERM, and the heartbeat.

use std::time::Duration;

use millm_contract::events::Event;
use millm_contract::model::ModelStatus;
use millm_test_support::RepoOptions;

use crate::common::{TestEnv, next_event, progress_reaches};
use crate::repos::{big_repo, largest_shard};

const LONG: Duration = Duration::from_secs(90);
/// The big repo at this rate takes about five seconds.
const RATE: u64 = 2 * 1024 * 1024;
/// Ranges in flight per file (the engine's default) × 1 MiB chunks: what a restart may refetch.
const IN_FLIGHT_SLACK: u64 = 4 * 1024 * 1024;

#[tokio::test]
async fn cancel_mid_download_stops_within_two_seconds_and_removes_the_partial_files() {
    let env = TestEnv::start().await;
    let source = big_repo();
    env.publish("org/cancel", &source, RepoOptions::default());
    env.hub.set_rate_limit("org/cancel", Some(RATE / 2));
    let (shard, _) = largest_shard(&source);
    let _downloader = env.downloader().spawn();

    let mut events = env.events().await;
    let id = env.request("org/cancel", "Q4", None).await;
    progress_reaches(&mut events, id, 10.0, LONG).await;
    let (status, body) = env
        .post(&format!("/api/models/{id}/cancel"), serde_json::json!({}))
        .await;
    assert!(status < 300, "cancel: {status} {body}");
    tokio::time::sleep(Duration::from_secs(2)).await;
    let served = env.hub.bytes_served("org/cancel", &shard);
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        env.hub.bytes_served("org/cancel", &shard),
        served,
        "still fetching 2 s after the cancel"
    );
    assert!(env.record(id).await.is_none(), "the record is gone");
    let leftovers: Vec<String> = env
        .blobs("org/cancel")
        .into_iter()
        .filter(|b| b.contains("incomplete"))
        .collect();
    assert!(leftovers.is_empty(), "partial files left: {leftovers:?}");
    // The files that were complete before the cancel are unlinked orphans: they go too.
    assert_eq!(
        env.blobs("org/cancel"),
        Vec::<String>::new(),
        "blobs left after the cancel"
    );
}

#[tokio::test]
async fn a_record_deleted_behind_the_downloaders_back_stops_the_job_at_its_next_tick() {
    let env = TestEnv::start().await;
    let source = big_repo();
    env.publish("org/vanish", &source, RepoOptions::default());
    env.hub.set_rate_limit("org/vanish", Some(RATE / 2));
    let (shard, _) = largest_shard(&source);
    let _downloader = env.downloader().spawn();

    let mut events = env.events().await;
    let id = env.request("org/vanish", "Q4", None).await;
    progress_reaches(&mut events, id, 10.0, LONG).await;
    // No cancel message: only the progress tick can notice.
    sqlx::query("DELETE FROM models WHERE id = $1")
        .bind(id)
        .execute(&env.pool)
        .await
        .expect("delete");
    tokio::time::sleep(Duration::from_secs(4)).await;
    let served = env.hub.bytes_served("org/vanish", &shard);
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(env.hub.bytes_served("org/vanish", &shard), served, "still fetching");
    let leftovers: Vec<String> = env
        .blobs("org/vanish")
        .into_iter()
        .filter(|b| b.contains("incomplete"))
        .collect();
    assert!(leftovers.is_empty(), "partial files left: {leftovers:?}");
}

#[tokio::test]
async fn a_killed_downloader_is_replaced_and_the_file_is_not_started_over() {
    let env = TestEnv::start().await;
    let source = big_repo();
    let commit = env.publish("org/kill", &source, RepoOptions::default());
    env.hub.set_rate_limit("org/kill", Some(RATE));
    let (shard, size) = largest_shard(&source);
    assert!(size >= 8 * 1024 * 1024, "at least 8 chunks");
    let mut events = env.events().await;
    let id = env.request("org/kill", "Q4", None).await;
    // The gateway reads config.json and the shard headers at POST; count only the downloader.
    env.hub.reset_counters();
    let mut first = env.downloader().spawn();
    progress_reaches(&mut events, id, 50.0, LONG).await;
    first.kill9().await;
    let mut events = env.events().await;
    let _second = env.downloader().spawn();
    assert_resumed_progress(&mut events, id, size).await;

    let record = env.settled(id, LONG).await;
    assert_eq!(record.model.status, ModelStatus::Ready, "{:?}", record.model);
    let got = std::fs::read(env.snapshot("org/kill", &commit).join(&shard)).expect("shard");
    assert!(
        got == std::fs::read(source.join(&shard)).expect("source"),
        "the shard differs"
    );
    let served = env.hub.bytes_served("org/kill", &shard);
    assert!(served <= size + IN_FLIGHT_SLACK, "served {served} for a file of {size}");
}

#[tokio::test]
async fn sigterm_puts_the_running_job_back_and_another_process_finishes_it_without_refetching() {
    let env = TestEnv::start().await;
    let source = big_repo();
    let commit = env.publish("org/term", &source, RepoOptions::default());
    env.hub.set_rate_limit("org/term", Some(RATE));
    let (shard, size) = largest_shard(&source);
    let mut events = env.events().await;
    let id = env.request("org/term", "Q4", None).await;
    // The gateway reads config.json and the shard headers at POST; count only the downloader.
    env.hub.reset_counters();
    let mut first = env.downloader().spawn();
    progress_reaches(&mut events, id, 30.0, LONG).await;
    first.sigterm();
    let exit = first
        .exited(Duration::from_secs(10))
        .await
        .expect("exits within SHUTDOWN_TIMEOUT_SECS");
    assert!(exit.success(), "{exit:?}");
    assert_eq!(
        env.record(id).await.expect("record").model.status,
        ModelStatus::Downloading
    );
    let mut events = env.events().await;
    let _second = env.downloader().spawn();
    assert_resumed_progress(&mut events, id, size).await;

    let record = env.settled(id, LONG).await;
    assert_eq!(record.model.status, ModelStatus::Ready, "{:?}", record.model);
    let got = std::fs::read(env.snapshot("org/term", &commit).join(&shard)).expect("shard");
    assert!(
        got == std::fs::read(source.join(&shard)).expect("source"),
        "the shard differs"
    );
    let served = env.hub.bytes_served("org/term", &shard);
    assert!(served <= size + IN_FLIGHT_SLACK, "served {served} for a file of {size}");
}

/// The resuming process's first event already counts the bytes on disk (here, most of `shard`).
async fn assert_resumed_progress(events: &mut async_nats::Subscriber, id: i64, shard: u64) {
    let first = next_event(events, id, "model:download:progress", LONG).await;
    let Some(Event::DownloadProgress(first)) = first else {
        panic!("no progress event from the new process");
    };
    assert!(
        first.bytes_downloaded >= shard / 4,
        "the first event starts from zero: {first:?}"
    );
}

#[tokio::test]
async fn a_running_downloader_shows_in_the_gateways_health() {
    let env = TestEnv::start().await;
    let _downloader = env.downloader().spawn();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let (_, body) = env.get("/api/health").await;
        let downloaders = body["data"]["workers"]["downloader"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if let Some(beat) = downloaders.first() {
            assert!(
                beat["id"].as_str().is_some_and(|id| id.starts_with("downloader-")),
                "{beat}"
            );
            assert_eq!(beat["running_jobs"], 0);
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no downloader in /api/health: {body}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn a_bad_setting_stops_the_process_at_start_naming_the_variable() {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_millm-downloader"))
        .env("MILLM_SECRET_KEY", crate::common::KEY_HEX)
        .env("MAX_DOWNLOAD_WORKERS", "0")
        .output()
        .await
        .expect("run millm-downloader");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("MAX_DOWNLOAD_WORKERS"), "{stderr}");
}

#[tokio::test]
async fn downloads_queued_after_cancelled_ones_still_run() {
    // Arrange: as many cancelled downloads as the process runs at once (two by default).
    let env = TestEnv::start().await;
    let source = big_repo();
    env.publish("org/first", &source, RepoOptions::default());
    env.publish("org/second", &crate::repos::big_repo_other(), RepoOptions::default());
    env.publish("org/after", &crate::repos::tiny_repo(), RepoOptions::default());
    env.hub.set_rate_limit("org/first", Some(RATE / 2));
    env.hub.set_rate_limit("org/second", Some(RATE / 2));
    let _downloader = env.downloader().spawn();
    let mut events = env.events().await;
    let first = env.request("org/first", "Q4", None).await;
    let second = env.request("org/second", "Q4", None).await;
    progress_reaches(&mut events, first, 5.0, LONG).await;
    progress_reaches(&mut events, second, 5.0, LONG).await;

    // Act
    for id in [first, second] {
        let (status, body) = env
            .post(&format!("/api/models/{id}/cancel"), serde_json::json!({}))
            .await;
        assert!(status < 300, "cancel: {status} {body}");
    }
    let after = env.request("org/after", "Q4", None).await;

    // Assert
    let record = env.settled(after, Duration::from_secs(30)).await;
    assert_eq!(record.model.status, ModelStatus::Ready, "{:?}", record.model);
}
