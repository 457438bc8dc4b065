//! One trace per user action, across processes: a load asked for with a `traceparent` is one
//! trace over the gateway's request span and a GPU worker process's job span and its load, read,
//! quantize and check-pass spans, as an OTLP collector receives them; so is an unload.
//!
//! The worker is the built binary on the CPU, exporting over OTLP/gRPC to the test's receiver.
//! The gateway runs in this process with the services' own telemetry set-up, which makes the
//! subscriber process-wide: this file holds one test.

use std::process::Stdio;
use std::time::Duration;

use millm_platform::telemetry;
use millm_test_support::env::service_env;
use millm_test_support::gateway::{start, test_config};
use millm_test_support::otlp::Receiver;
use millm_test_support::{LlamaShape, RepoBuilder, cached_repo};

const LOAD_TRACE: &str = "0af7651916cd43dd8448eb211c80319c";
const UNLOAD_TRACE: &str = "5c7e1d2a9b3f4e6081726354a9b8c7d6";

async fn json(request: reqwest::RequestBuilder) -> serde_json::Value {
    request.send().await.expect("request").json().await.expect("json")
}

fn traceparent(trace: &str) -> String {
    format!("00-{trace}-b7ad6b7169203331-01")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_load_and_an_unload_are_each_one_trace_from_the_request_through_a_worker_process() {
    // Arrange: the receiver, the gateway here and a GPU worker process on the CPU, both exporting
    // spans at `info` (the production default) to it, and a registered folder.
    let receiver = Receiver::start().await;
    let repo = cached_repo("trace-tiny", |dir| RepoBuilder::new(dir).llama(LlamaShape::tiny())).expect("repo");
    let cache = tempfile::tempdir().expect("cache");
    let mut config = test_config(cache.path(), "http://127.0.0.1:9").await;
    config.common.otel_exporter_otlp_endpoint = Some(receiver.endpoint.clone());
    config.common.log_level = "warn,millm_gateway=info,millm_platform=info".into();
    let gateway_telemetry = telemetry::init("millm-gateway", &config.common).expect("telemetry");
    let gateway = start(&config).await;
    let _worker = tokio::process::Command::new(env!("CARGO_BIN_EXE_millm-gpu-worker"))
        .envs(service_env(&config.common))
        .env("LOG_LEVEL", "info")
        .env("DEVICE", "cpu")
        .env("WORKER_KEEPALIVE_SECS", "1")
        .env("ORPHAN_REQUEUE_SECS", "3")
        .env("GRACEFUL_UNLOAD_TIMEOUT", "2")
        // Export each batch within a tenth of a second instead of the default five.
        .env("OTEL_BSP_SCHEDULE_DELAY", "100")
        .stdout(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("millm-gpu-worker starts");
    let http = reqwest::Client::new();
    let url = |path: &str| format!("{}{path}", gateway.address);
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
    let started = http
        .post(url(&format!("/api/models/{id}/load")))
        .header("traceparent", traceparent(LOAD_TRACE))
        .send()
        .await
        .expect("load");
    assert_eq!(started.status(), 202);
    while status(id).await != "loaded" {
        assert!(tokio::time::Instant::now() < deadline, "the model never loaded");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let unloaded = http
        .post(url(&format!("/api/models/{id}/unload")))
        .header("traceparent", traceparent(UNLOAD_TRACE))
        .send()
        .await
        .expect("unload");
    assert!(unloaded.status().is_success(), "unload answered {}", unloaded.status());
    while status(id).await != "ready" {
        assert!(tokio::time::Instant::now() < deadline, "the model never unloaded");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    drop(gateway_telemetry);
    let worker = "millm-gpu-worker";
    let load: Vec<(&str, &str)> = std::iter::once(("millm-gateway", "request"))
        .chain(["load_job", "load", "read", "quantize", "check_pass"].map(|name| (worker, name)))
        .collect();
    let unload = [("millm-gateway", "request"), (worker, "unload")];
    let load_spans = receiver.trace(LOAD_TRACE, &load, Duration::from_secs(20)).await;
    let unload_spans = receiver.trace(UNLOAD_TRACE, &unload, Duration::from_secs(20)).await;

    // Assert: every span arrived over OTLP from its own service, in its request's trace.
    for (trace, expected, spans) in [
        (LOAD_TRACE, &load[..], &load_spans),
        (UNLOAD_TRACE, &unload[..], &unload_spans),
    ] {
        for (service, name) in expected {
            assert!(
                spans
                    .iter()
                    .any(|s| s.trace_id == trace && s.service == *service && s.name == *name),
                "no {name} span of {service} in trace {trace}; received: {spans:?}"
            );
        }
    }
}
