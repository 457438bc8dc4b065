//! Health and readiness: the contract's shape, live workers, and 503 when a dependency is down.

use millm_contract::names::WorkerKind;
use millm_contract::workers::DownloaderHeartbeat;
use millm_test_support::FakeHub;
use std::time::Duration;

use crate::common::{TestApp, start, test_config};
use crate::proxy::Proxy;

#[tokio::test]
async fn health_has_the_contract_shape_and_lists_live_workers() {
    let app = crate::common::spawn_app().await;
    let beat = DownloaderHeartbeat {
        id: "dl-test-1".into(),
        running_jobs: 1,
        bytes_per_sec: 10.0,
        at: chrono::Utc::now(),
    };
    let subject = app.names.heartbeat(WorkerKind::Downloader, "dl-test-1");

    let mut body = serde_json::Value::Null;
    for _ in 0..20 {
        app.nats
            .publish(subject.clone(), serde_json::to_vec(&beat).unwrap().into())
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
        body = app.get("/api/health").await.1;
        if body["data"]["workers"]["downloader"]
            .as_array()
            .is_some_and(|l| !l.is_empty())
        {
            break;
        }
    }

    let h = &body["data"];
    assert_eq!(h["status"], "ok");
    assert_eq!(h["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(
        h["dependencies"],
        serde_json::json!({"postgres": "ok", "redis": "ok", "nats": "ok"})
    );
    assert_eq!(h["hub"]["circuit_breaker"]["state"], "closed");
    assert_eq!(h["hub"]["endpoint"], app.hub.url());
    assert_eq!(h["workers"]["downloader"][0]["id"], "dl-test-1");
    assert_eq!(h["workers"]["downloader"][0]["running_jobs"], 1);
    assert_eq!(h["workers"]["gpu_worker"], serde_json::json!([]));
    let (_, gpu) = app.get("/api/system/gpu").await;
    assert_eq!(gpu["data"]["worker"]["alive"], false);
    assert_eq!(gpu["data"]["devices"], serde_json::json!([]));
}

async fn app_through(which: &str, proxy: &Proxy) -> TestApp {
    let hub = FakeHub::start().await;
    let cache = tempfile::tempdir().unwrap();
    let mut config = test_config(cache.path(), &hub.url()).await;
    match which {
        "postgres" => {
            config.common.database_url = config
                .common
                .database_url
                .replace(":5432/", &format!(":{}/", proxy.port))
        }
        "redis" => config.common.redis_url = format!("redis://127.0.0.1:{}", proxy.port),
        _ => config.common.nats_url = format!("nats://127.0.0.1:{}", proxy.port),
    }
    start(config, hub, cache).await
}

async fn ready_is_503_when(which: &str, upstream: &'static str) {
    let proxy = Proxy::to(upstream).await;
    let app = app_through(which, &proxy).await;
    let (status, _) = app.get("/api/health/ready").await;
    assert_eq!(status, 200);

    proxy.cut();
    let mut last = (0, serde_json::Value::Null);
    for _ in 0..30 {
        last = app.get("/api/health/ready").await;
        if last.0 == 503 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    assert_eq!(last.0, 503, "{}", last.1);
    assert_eq!(last.1["data"]["dependencies"][which], "down");
    let (status, health) = app.get("/api/health").await;
    assert_eq!(status, 200);
    assert_eq!(health["data"]["status"], "degraded");
}

#[tokio::test]
async fn ready_is_unavailable_when_postgres_is_down() {
    ready_is_503_when("postgres", "127.0.0.1:5432").await;
}

#[tokio::test]
async fn ready_is_unavailable_when_redis_is_down() {
    ready_is_503_when("redis", "127.0.0.1:6379").await;
}

#[tokio::test]
async fn ready_is_unavailable_when_nats_is_down() {
    ready_is_503_when("nats", "127.0.0.1:4222").await;
}
