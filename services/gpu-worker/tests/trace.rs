//! One trace per user action, across processes: a load asked for with a `traceparent` is one
//! trace over the gateway's request span and a GPU worker process's job span and its load, read,
//! quantize and check-pass spans, as an OTLP collector receives them; so is an unload.
//!
//! The worker is the built binary on the CPU, exporting over OTLP/gRPC to the test's receiver.
//! The gateway runs in this process with the services' own telemetry set-up, which makes the
//! subscriber process-wide: this file holds one test.

use std::process::Stdio;
use std::time::Duration;

use millm_test_support::otlp::TracedGateway;
use millm_test_support::{LlamaShape, RepoBuilder, cached_repo};

const LOAD_TRACE: &str = "0af7651916cd43dd8448eb211c80319c";
const UNLOAD_TRACE: &str = "5c7e1d2a9b3f4e6081726354a9b8c7d6";
const WORKER: &str = "millm-gpu-worker";

async fn json(request: reqwest::RequestBuilder) -> serde_json::Value {
    request.send().await.expect("request").json().await.expect("json")
}

/// A `POST` to `url` in the trace `trace`; its status.
async fn post_traced(http: &reqwest::Client, url: String, trace: &str) -> reqwest::StatusCode {
    http.post(url)
        .header("traceparent", format!("00-{trace}-b7ad6b7169203331-01"))
        .send()
        .await
        .expect("POST")
        .status()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_load_and_an_unload_are_each_one_trace_from_the_request_through_a_worker_process() {
    // Arrange: the traced gateway, a GPU worker process on the CPU exporting to the same
    // receiver, and a registered folder.
    let repo = cached_repo("trace-tiny", |dir| RepoBuilder::new(dir).llama(LlamaShape::tiny())).expect("repo");
    let cache = tempfile::tempdir().expect("cache");
    let mut traced = TracedGateway::start(cache.path(), "http://127.0.0.1:9").await;
    let _worker = tokio::process::Command::new(env!("CARGO_BIN_EXE_millm-gpu-worker"))
        .envs(traced.worker_env())
        .env("DEVICE", "cpu")
        .env("GRACEFUL_UNLOAD_TIMEOUT", "2")
        .stdout(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("millm-gpu-worker starts");
    let http = reqwest::Client::new();
    let address = traced.address.clone();
    let url = |path: &str| format!("{address}{path}");
    let body = serde_json::json!({"source": "local", "local_path": repo, "quantization": "Q4"});
    let id = json(http.post(url("/api/models")).json(&body)).await["data"]["id"]
        .as_i64()
        .expect("id");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(90);
    let status = |id: i64| {
        let request = http.get(url(&format!("/api/models/{id}")));
        async move { json(request).await["data"]["status"].clone() }
    };
    while json(http.get(url("/api/system/gpu"))).await["data"]["worker"]["alive"] != true {
        assert!(tokio::time::Instant::now() < deadline, "the worker never beat");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // Act: a load, then an unload, each with its own trace.
    let load = post_traced(&http, url(&format!("/api/models/{id}/load")), LOAD_TRACE).await;
    assert_eq!(load, 202);
    while status(id).await != "loaded" {
        assert!(tokio::time::Instant::now() < deadline, "the model never loaded");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let unload = post_traced(&http, url(&format!("/api/models/{id}/unload")), UNLOAD_TRACE).await;
    assert!(unload.is_success(), "unload answered {unload}");
    while status(id).await != "ready" {
        assert!(tokio::time::Instant::now() < deadline, "the model never unloaded");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    traced.flush();
    let load_spans: Vec<(&str, &str)> = std::iter::once(("millm-gateway", "request"))
        .chain(["load_job", "load", "read", "quantize", "check_pass"].map(|name| (WORKER, name)))
        .collect();
    let unload_spans = [("millm-gateway", "request"), (WORKER, "unload")];
    let within = Duration::from_secs(20);
    let load_missing = traced.receiver.missing(LOAD_TRACE, &load_spans, within).await;
    let unload_missing = traced.receiver.missing(UNLOAD_TRACE, &unload_spans, within).await;

    // Assert: every span arrived over OTLP from its own service, in its request's trace.
    let received = traced.receiver.spans();
    assert!(
        load_missing.is_empty(),
        "the load's trace lacks {load_missing:?}; received: {received:?}"
    );
    assert!(
        unload_missing.is_empty(),
        "the unload's trace lacks {unload_missing:?}; received: {received:?}"
    );
}
