//! JSON logs name their trace: a load job that carries a `traceparent` is logged by the worker
//! with that trace's id.

use std::time::Duration;

use millm_contract::jobs::LoadJob;
use millm_contract::trace::Traceparent;
use millm_platform::db::{self, BeginLoad};
use millm_platform::queue::{self, Liveness};

use crate::common::{gateway, tiny_repo};

const TRACE: &str = "5e3c1b9a8d7f4e2a9b6c0d1e2f3a4b5c";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_load_job_with_a_traceparent_is_logged_in_json_with_its_trace_id() {
    // Arrange: a worker logging JSON, and a load begun as the load route begins one.
    let gw = gateway().await;
    let (worker, _) = gw.start_worker(&[("LOG_FORMAT", "json")]).await;
    let id = gw.register(&gw.copy_repo(&tiny_repo(), "tiny"), "Q4").await;
    let load_id = uuid::Uuid::new_v4();
    let begun = db::begin_load(&gw.pool, id, load_id).await.expect("begin load");
    assert!(matches!(begun, BeginLoad::Started(_)));
    let job = LoadJob {
        model_id: id,
        load_id,
        traceparent: Some(Traceparent::parse(&format!("00-{TRACE}-1f2e3d4c5b6a7988-01")).expect("traceparent")),
    };

    // Act
    let redis = queue::connect(&gw.config.common.redis_url).await.expect("redis");
    queue::push_load(&mut queue::load_storage(redis, &gw.names, Liveness::default()), job)
        .await
        .expect("push");
    gw.wait_status(id, "loaded", Duration::from_secs(60)).await;

    // Assert: the worker's own lines about this load are in the trace.
    let log = std::fs::read_to_string(&worker.log).expect("log");
    let traced: Vec<serde_json::Value> = log
        .lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .filter(|line: &serde_json::Value| line["trace_id"] == TRACE)
        .collect();
    assert!(
        traced
            .iter()
            .any(|line| line["span_id"].as_str().is_some_and(|s| s.len() == 16)),
        "no JSON line in trace {TRACE}: {}",
        worker.log.display()
    );
}
