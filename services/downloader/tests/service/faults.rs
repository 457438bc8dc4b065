//! A hub that misbehaves: dropped connections, corrupted bytes, a file that stays corrupt.

use std::time::Duration;

use millm_contract::events::Event;
use millm_contract::model::ModelStatus;
use millm_test_support::RepoOptions;

use crate::common::{TestEnv, next_event};
use crate::repos::{big_repo, largest_shard};

const LONG: Duration = Duration::from_secs(90);

#[tokio::test]
async fn a_connection_dropped_mid_file_is_resumed_and_verified() {
    let env = TestEnv::start().await;
    let source = big_repo();
    let commit = env.publish("org/drop", &source, RepoOptions::default());
    let (shard, size) = largest_shard(&source);
    let id = env.request("org/drop", "Q4", None).await;
    // The gateway reads config.json and the shard headers at POST; count only the downloader,
    // and let only its requests meet the faults.
    env.hub.reset_counters();
    env.hub.drop_after("org/drop", &shard, 300_000, 2);
    let _downloader = env.downloader().spawn();
    assert_eq!(env.settled(id, LONG).await.model.status, ModelStatus::Ready);
    let got = std::fs::read(env.snapshot("org/drop", &commit).join(&shard)).expect("shard");
    assert!(
        got == std::fs::read(source.join(&shard)).expect("source"),
        "the shard differs"
    );
    // Resumed from where each drop stopped: nothing fetched twice.
    assert_eq!(env.hub.bytes_served("org/drop", &shard), size);
    let chunks = size.div_ceil(1024 * 1024);
    assert!(
        env.hub.cdn_request_count("org/drop", &shard) >= chunks + 2,
        "both drops were met (the ranges go to the CDN)"
    );
}

#[tokio::test]
async fn a_corrupted_byte_is_detected_and_the_file_fetched_again() {
    let env = TestEnv::start().await;
    let source = big_repo();
    let commit = env.publish("org/corrupt", &source, RepoOptions::default());
    let (shard, size) = largest_shard(&source);
    let id = env.request("org/corrupt", "Q4", None).await;
    // The gateway reads config.json and the shard headers at POST; count only the downloader,
    // and let only its requests meet the faults.
    env.hub.reset_counters();
    env.hub.corrupt_next("org/corrupt", &shard, size / 2, 1);
    let _downloader = env.downloader().spawn();
    assert_eq!(env.settled(id, LONG).await.model.status, ModelStatus::Ready);
    let got = std::fs::read(env.snapshot("org/corrupt", &commit).join(&shard)).expect("shard");
    assert!(
        got == std::fs::read(source.join(&shard)).expect("source"),
        "the shard differs"
    );
    assert_eq!(
        env.hub.bytes_served("org/corrupt", &shard),
        2 * size,
        "fetched exactly twice"
    );
}

#[tokio::test]
async fn a_file_corrupt_twice_fails_the_download_naming_the_file_and_keeps_no_bad_blob() {
    let env = TestEnv::start().await;
    let source = big_repo();
    let commit = env.publish("org/bad", &source, RepoOptions::default());
    let (shard, size) = largest_shard(&source);
    let mut events = env.events().await;
    let id = env.request("org/bad", "Q4", None).await;
    // After the POST, whose header reads would otherwise meet the faults.
    env.hub.corrupt_next("org/bad", &shard, size / 3, 2);
    let _downloader = env.downloader().spawn();
    let Some(Event::DownloadError(error)) = next_event(&mut events, id, "model:download:error", LONG).await else {
        panic!("no error event");
    };
    assert_eq!(error.error.code.as_str(), "DOWNLOAD_FAILED");
    assert_eq!(error.error.details["file"], shard.as_str());
    let record = env.settled(id, LONG).await;
    assert_eq!(record.model.status, ModelStatus::Error);
    assert_eq!(
        record.model.error_stage,
        Some(millm_contract::model::ErrorStage::Download)
    );
    assert!(record.model.error_message.is_some_and(|m| m.contains(&shard)));
    assert!(!env.snapshot("org/bad", &commit).join(&shard).exists());
}

#[tokio::test]
async fn a_hub_file_name_with_a_backslash_is_refused_naming_the_file() {
    let env = TestEnv::start().await;
    let dir = tempfile::tempdir().expect("repo dir");
    for (name, _) in crate::repos::repo_files(&crate::repos::tiny_repo()) {
        std::fs::copy(crate::repos::tiny_repo().join(&name), dir.path().join(&name)).expect("copy");
    }
    let hostile = "..\\model.safetensors";
    std::fs::write(dir.path().join(hostile), b"not really").expect("hostile file");
    let commit = env.publish("org/hostile", dir.path(), RepoOptions::default());
    let _downloader = env.downloader().spawn();
    let mut events = env.events().await;

    let id = env.insert_and_push("org/hostile", &commit, None).await;
    let Some(Event::DownloadError(error)) = next_event(&mut events, id, "model:download:error", LONG).await else {
        panic!("no error event");
    };
    assert_eq!(error.error.code.as_str(), "DOWNLOAD_FAILED");
    assert_eq!(error.error.details["file"], hostile);
    assert_eq!(env.hub.bytes_served("org/hostile", hostile), 0);
}

#[tokio::test]
async fn a_hub_failing_mid_file_fails_the_download_and_a_retry_resumes_from_the_partial_file() {
    let env = TestEnv::start().await;
    let source = big_repo();
    let commit = env.publish("org/flaky", &source, RepoOptions::default());
    let (shard, size) = largest_shard(&source);
    env.hub.set_rate_limit("org/flaky", Some(2 * 1024 * 1024));
    let mut events = env.events().await;
    let id = env.request("org/flaky", "Q4", None).await;
    env.hub.reset_counters();
    let _downloader = env.downloader().spawn();

    crate::common::progress_reaches(&mut events, id, 30.0, LONG).await;
    // Every request from now on gets a 503: the ranges in flight finish, the next ones fail.
    env.hub.fail_next("org/flaky", 503, 10_000);
    let Some(Event::DownloadError(error)) = next_event(&mut events, id, "model:download:error", LONG).await else {
        panic!("no error event");
    };
    assert_eq!(error.error.code.as_str(), "DOWNLOAD_FAILED");
    assert_eq!(env.settled(id, LONG).await.model.status, ModelStatus::Error);
    let partials: Vec<String> = env
        .blobs("org/flaky")
        .into_iter()
        .filter(|b| b.contains("incomplete"))
        .collect();
    assert!(!partials.is_empty(), "the partial file is kept for the retry");

    env.hub.fail_next("org/flaky", 503, 0);
    let (status, body) = env
        .post(&format!("/api/models/{id}/retry"), serde_json::json!({}))
        .await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(env.settled(id, LONG).await.model.status, ModelStatus::Ready);
    let got = std::fs::read(env.snapshot("org/flaky", &commit).join(&shard)).expect("shard");
    assert!(
        got == std::fs::read(source.join(&shard)).expect("source"),
        "the shard differs"
    );
    let served = env.hub.bytes_served("org/flaky", &shard);
    assert!(served <= size + 4 * 1024 * 1024, "served {served} for a file of {size}");
}
