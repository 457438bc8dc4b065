//! The downloader's operations port: probes, and metrics that move by exactly what a download did.

use std::time::Duration;

use millm_contract::files::is_fetched_file;
use millm_contract::model::ModelStatus;
use millm_test_support::RepoOptions;
use millm_test_support::prometheus::{free_port, scrape, scrape_until};

use crate::common::TestEnv;
use crate::repos::tiny_repo;

const WITHIN: Duration = Duration::from_secs(60);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_download_moves_the_downloaders_metrics_by_its_own_job_bytes_and_duration() {
    // Arrange
    let env = TestEnv::start().await;
    let repo = tiny_repo();
    env.publish("org/metered", &repo, RepoOptions::default());
    let fetched: u64 = std::fs::read_dir(&repo)
        .expect("repo")
        .flatten()
        .filter(|e| is_fetched_file(&e.file_name().to_string_lossy()))
        .map(|e| e.metadata().expect("size").len())
        .sum();
    let port = free_port();
    let _downloader = env.downloader().var("METRICS_PORT", port).spawn();
    let before = scrape(port).await;
    let completed = [("queue", "download"), ("outcome", "completed")];

    // Act
    let id = env.request("org/metered", "Q4", None).await;
    let record = env.settled(id, WITHIN).await;
    let after = scrape_until(port, WITHIN, |s| {
        s.value("millm_jobs_total", &completed) > before.value("millm_jobs_total", &completed)
    })
    .await;

    // Assert
    assert_eq!(record.model.status, ModelStatus::Ready, "{:?}", record.model);
    let delta = |name: &str, labels: &[(&str, &str)]| after.value(name, labels) - before.value(name, labels);
    assert_eq!(delta("millm_jobs_total", &completed), 1.0);
    assert_eq!(
        delta("millm_jobs_total", &[("queue", "download")]),
        1.0,
        "no other outcome"
    );
    assert_eq!(delta("millm_download_bytes_total", &[]), fetched as f64);
    assert_eq!(delta("millm_download_duration_seconds_count", &[]), 1.0);
    assert!(delta("millm_download_duration_seconds_sum", &[]) > 0.0);
    assert_eq!(after.value("millm_jobs_running", &[("queue", "download")]), 0.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_probes_answer_on_the_operations_port_without_an_api_key() {
    // Arrange
    let env = TestEnv::start().await;
    let port = free_port();
    let _downloader = env.downloader().var("METRICS_PORT", port).spawn();
    scrape(port).await;

    // Act
    let live = reqwest::get(format!("http://127.0.0.1:{port}/livez"))
        .await
        .expect("livez");
    let ready = reqwest::get(format!("http://127.0.0.1:{port}/readyz"))
        .await
        .expect("readyz");

    // Assert
    assert_eq!(live.status(), 200);
    assert_eq!(ready.status(), 200);
    let body: serde_json::Value = ready.json().await.expect("json");
    assert_eq!(
        body,
        serde_json::json!({"ready": true, "checks": {"postgres": true, "redis": true, "nats": true}})
    );
}
