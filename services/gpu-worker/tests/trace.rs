//! One trace per user action: a load asked for with a `traceparent` is one trace across the
//! gateway's request span, the worker's job span and its load, read, quantize and check-pass
//! spans. Alone in its test process, whose subscriber collects every span.

use std::time::Duration;

use millm_contract::config::{QueueWorkerConfig, Seconds};
use millm_gpu_worker::service::config::{DeviceChoice, WorkerSettings};
use millm_gpu_worker::service::{Application, GpuWorkerConfig};
use millm_test_support::gateway::{start, test_config};
use millm_test_support::spans;
use millm_test_support::{LlamaShape, RepoBuilder, cached_repo};

const TRACE: &str = "0af7651916cd43dd8448eb211c80319c";

async fn json(request: reqwest::RequestBuilder) -> serde_json::Value {
    request.send().await.expect("request").json().await.expect("json")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_load_is_one_trace_from_the_request_through_the_job_to_each_stage() {
    // Arrange: the gateway and a GPU worker on the CPU in this process, a registered folder.
    let collected = spans::collect();
    let repo = cached_repo("trace-tiny", |dir| RepoBuilder::new(dir).llama(LlamaShape::tiny())).expect("repo");
    let cache = tempfile::tempdir().expect("cache");
    let config = test_config(cache.path(), "http://127.0.0.1:9").await;
    let gateway = start(&config).await;
    let worker = Application::build(GpuWorkerConfig {
        common: config.common.clone(),
        queue: QueueWorkerConfig {
            worker_keepalive_secs: Seconds::from_secs(1),
            orphan_requeue_secs: Seconds::from_secs(3),
        },
        settings: WorkerSettings {
            device: DeviceChoice::Cpu,
            device_memory_limit_mb: None,
            graceful_unload_timeout: Seconds::from_secs(2),
            auto_load_model: None,
        },
    })
    .await
    .expect("worker");
    tokio::spawn(worker.run_until_stopped(std::future::pending()));
    let http = reqwest::Client::new();
    let url = |path: &str| format!("{}{path}", gateway.address);
    let body = serde_json::json!({"source": "local", "local_path": repo, "quantization": "Q4"});
    let id = json(http.post(url("/api/models")).json(&body)).await["data"]["id"]
        .as_i64()
        .expect("id");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while json(http.get(url("/api/system/gpu"))).await["data"]["worker"]["alive"] != true {
        assert!(tokio::time::Instant::now() < deadline, "the worker never beat");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // Act
    let started = http
        .post(url(&format!("/api/models/{id}/load")))
        .header("traceparent", format!("00-{TRACE}-b7ad6b7169203331-01"))
        .send()
        .await
        .expect("load");
    assert_eq!(started.status(), 202);
    while json(http.get(url(&format!("/api/models/{id}")))).await["data"]["status"] != "loaded" {
        assert!(tokio::time::Instant::now() < deadline, "the model never loaded");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;

    // Assert
    for name in ["request", "load_job", "load", "read", "quantize", "check_pass"] {
        let ids = collected.trace_ids(name);
        assert!(ids.iter().any(|t| t == TRACE), "no {name} span in the trace: {ids:?}");
    }
}
