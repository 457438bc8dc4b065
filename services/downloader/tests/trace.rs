//! One trace per user action, across processes: a download asked for with a `traceparent` is one
//! trace over the gateway's request span, the job span of a downloader process and the gateway's
//! relay of that download's events, as an OTLP collector receives them.
//!
//! The downloader is the built binary, exporting over OTLP/gRPC to the test's receiver. The
//! gateway runs in this process with the services' own telemetry set-up, which makes the
//! subscriber process-wide: this file holds one test.

use std::process::Stdio;
use std::time::Duration;

use millm_test_support::otlp::TracedGateway;
use millm_test_support::{FakeHub, LlamaShape, RepoBuilder, RepoOptions, cached_repo};

const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_download_is_one_trace_from_the_request_through_a_downloader_process_to_the_relay() {
    // Arrange: a repo on the fake hub, the traced gateway and a downloader process exporting to
    // the same receiver.
    let hub = FakeHub::start().await;
    let repo = cached_repo("trace-tiny", |dir| RepoBuilder::new(dir).llama(LlamaShape::tiny())).expect("repo");
    hub.add_repo("org/traced", &repo, RepoOptions::default())
        .expect("served");
    let cache = tempfile::tempdir().expect("cache");
    let mut traced = TracedGateway::start(cache.path(), &hub.url()).await;
    let _downloader = tokio::process::Command::new(env!("CARGO_BIN_EXE_millm-downloader"))
        .envs(traced.worker_env())
        .env("HF_ENDPOINT", hub.url())
        .stdout(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("millm-downloader starts");
    let http = reqwest::Client::new();
    let address = traced.address.clone();

    // Act
    let created: serde_json::Value = http
        .post(format!("{address}/api/models"))
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
            .get(format!("{address}/api/models/{id}"))
            .send()
            .await
            .expect("GET")
            .json()
            .await
            .expect("json");
        if model["data"]["status"] == "ready" {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "never ready: {model}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The relay of the `complete` event may end just after `ready` is visible; then flushing the
    // gateway's exporter sends whatever it holds.
    tokio::time::sleep(Duration::from_millis(500)).await;
    traced.flush();
    let expected = [
        ("millm-gateway", "request"),
        ("millm-downloader", "download_job"),
        ("millm-gateway", "relay_event"),
    ];
    let missing = traced.receiver.missing(TRACE, &expected, Duration::from_secs(20)).await;

    // Assert: each of the three arrived over OTLP from its own service, in the request's trace.
    assert!(
        missing.is_empty(),
        "trace {TRACE} lacks {missing:?}; received: {:?}",
        traced.receiver.spans()
    );
}
