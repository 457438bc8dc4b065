//! The gateway's operations port. Alone in its test process, so that its metrics count only
//! this test's requests.

use millm_contract::config::Secret;
use millm_test_support::gateway::{start, test_config};
use millm_test_support::prometheus::scrape;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_are_counted_by_route_template_and_status_and_the_probes_need_no_api_key() {
    // Arrange: an API key, which /api asks for and the operations port does not.
    let cache = tempfile::tempdir().expect("cache dir");
    let mut config = test_config(cache.path(), "http://127.0.0.1:9").await;
    config.common.metrics_port = Some(0);
    config.http.millm_api_key = Some(Secret::new("metrics-key".to_owned()));
    let gateway = start(&config).await;
    let ops = gateway.ops_port.expect("an operations port");
    let http = reqwest::Client::new();
    let get = |path: &str, key: bool| {
        let request = http.get(format!("{}{path}", gateway.address));
        let request = if key {
            request.bearer_auth("metrics-key")
        } else {
            request
        };
        async move { request.send().await.expect("GET").status().as_u16() }
    };

    // Act
    let statuses = [
        get("/api/models", true).await,
        get("/api/models", true).await,
        get("/api/models/424242", true).await,
        get("/api/models", false).await,
    ];
    let metrics = scrape(ops).await;
    let live = reqwest::get(format!("http://127.0.0.1:{ops}/livez"))
        .await
        .expect("livez");
    let ready = reqwest::get(format!("http://127.0.0.1:{ops}/readyz"))
        .await
        .expect("readyz");

    // Assert
    assert_eq!(statuses, [200, 200, 404, 401]);
    let requests = |route: &str, status: &str| {
        metrics.value(
            "millm_http_requests_total",
            &[("method", "GET"), ("route", route), ("status", status)],
        )
    };
    assert_eq!(requests("/api/models", "200"), 2.0);
    assert_eq!(requests("/api/models/{id}", "404"), 1.0, "by template, not by raw path");
    assert_eq!(requests("/api/models", "401"), 1.0);
    let seconds = |route: &str| {
        metrics.value(
            "millm_http_request_duration_seconds_count",
            &[("method", "GET"), ("route", route)],
        )
    };
    assert_eq!(seconds("/api/models"), 3.0);
    assert_eq!(seconds("/api/models/{id}"), 1.0);
    assert_eq!((live.status().as_u16(), ready.status().as_u16()), (200, 200));
}
