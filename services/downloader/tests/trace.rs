//! One trace per user action: a download asked for with a `traceparent` is one trace across
//! the gateway's request span, the downloader's job span and the gateway's relay of its events.
//! Alone in its test process, whose subscriber collects every span.

use std::time::Duration;

use millm_contract::config::{QueueWorkerConfig, Seconds};
use millm_downloader::{DownloadSettings, DownloaderConfig};
use millm_test_support::gateway::{start, test_config};
use millm_test_support::spans;
use millm_test_support::{FakeHub, LlamaShape, RepoBuilder, RepoOptions, cached_repo};

const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_download_is_one_trace_from_the_request_through_the_job_to_the_relay() {
    // Arrange: the gateway and a downloader in this process, a repo on the fake hub.
    let collected = spans::collect();
    let hub = FakeHub::start().await;
    let repo = cached_repo("trace-tiny", |dir| RepoBuilder::new(dir).llama(LlamaShape::tiny())).expect("repo");
    hub.add_repo("org/traced", &repo, RepoOptions::default())
        .expect("served");
    let cache = tempfile::tempdir().expect("cache");
    let config = test_config(cache.path(), &hub.url()).await;
    let gateway = start(&config).await;
    let downloader = millm_downloader::Application::build(DownloaderConfig {
        common: config.common.clone(),
        hub: config.hub.clone(),
        queue: QueueWorkerConfig {
            worker_keepalive_secs: Seconds::from_secs(1),
            orphan_requeue_secs: Seconds::from_secs(3),
        },
        settings: DownloadSettings::default(),
    })
    .await
    .expect("downloader");
    tokio::spawn(downloader.run_until_stopped(std::future::pending()));
    let http = reqwest::Client::new();

    // Act
    let created: serde_json::Value = http
        .post(format!("{}/api/models", gateway.address))
        .header("traceparent", format!("00-{TRACE}-00f067aa0ba902b7-01"))
        .json(&serde_json::json!({"source": "huggingface", "repo_id": "org/traced", "quantization": "Q4"}))
        .send()
        .await
        .expect("POST")
        .json()
        .await
        .expect("json");
    let id = created["data"]["id"].as_i64().expect("id");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let model: serde_json::Value = http
            .get(format!("{}/api/models/{id}", gateway.address))
            .send()
            .await
            .expect("GET")
            .json()
            .await
            .expect("json");
        if model["data"]["status"] == "ready" || tokio::time::Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;

    // Assert: each of the three has a span in the request's trace.
    for name in ["request", "download_job", "relay_event"] {
        let ids = collected.trace_ids(name);
        assert!(ids.iter().any(|t| t == TRACE), "no {name} span in the trace: {ids:?}");
    }
}
