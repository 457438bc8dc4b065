//! The GPU worker's operations port: a load moves its job and duration metrics by one, and the
//! heartbeat's memory figures show as gauges.

use std::time::Duration;

use millm_test_support::prometheus::{free_port, scrape, scrape_until};

use crate::common::{gateway, tiny_repo};

const LOAD: Duration = Duration::from_secs(60);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_load_moves_the_workers_job_and_duration_metrics_and_its_memory_shows() {
    // Arrange
    let gw = gateway().await;
    let port = free_port();
    let (_worker, _) = gw.start_worker(&[("METRICS_PORT", &port.to_string())]).await;
    let id = gw.register(&gw.copy_repo(&tiny_repo(), "tiny"), "Q8").await;
    let before = scrape(port).await;
    let completed = [("queue", "load"), ("outcome", "completed")];

    // Act
    assert_eq!(gw.load(id, false).await.0, 202);
    let record = gw.wait_status(id, "loaded", LOAD).await;
    let used_bytes = record["memory_used_mb"].as_f64().expect("memory_used_mb") * 1024.0 * 1024.0;
    let after = scrape_until(port, LOAD, |s| {
        s.value("millm_jobs_total", &completed) > before.value("millm_jobs_total", &completed)
            && s.value("millm_loaded_model_memory_bytes", &[]) == used_bytes
    })
    .await;

    // Assert
    let delta = |name: &str, labels: &[(&str, &str)]| after.value(name, labels) - before.value(name, labels);
    assert_eq!(delta("millm_jobs_total", &completed), 1.0);
    assert_eq!(
        delta("millm_jobs_queued_total", &[]),
        0.0,
        "the gateway pushed the job, not the worker"
    );
    assert_eq!(
        delta("millm_load_duration_seconds_count", &[("quantization", "Q8")]),
        1.0
    );
    assert_eq!(after.value("millm_loaded_model_memory_bytes", &[]), used_bytes);
    assert!(
        after.value("millm_device_memory_total_bytes", &[("device", "cpu")]) > 0.0,
        "{after:?}"
    );
}
