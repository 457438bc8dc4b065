//! The `/_admin` routes: the same switches as the library's methods, set over HTTP as the browser suite sets them.

use std::time::{Duration, Instant};

use millm_test_support::{FakeHub, RepoOptions};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::SampleRepo;
use crate::support::header;

const REPO: &str = "org/admin";
const FILE: &str = "model.safetensors";

async fn hub_with_sample() -> (FakeHub, SampleRepo, String) {
    let sample = SampleRepo::new();
    let hub = FakeHub::start().await;
    hub.add_repo(REPO, sample.path(), RepoOptions::default())
        .expect("add repo");
    let url = format!("{}/{REPO}/resolve/main/{FILE}", hub.url());
    (hub, sample, url)
}

async fn admin(hub: &FakeHub, path: &str, body: Value) -> (StatusCode, Value) {
    let response = reqwest::Client::new()
        .post(format!("{}/_admin{path}", hub.url()))
        .json(&body)
        .send()
        .await
        .expect("admin request");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn timed_get(url: &str) -> Duration {
    let started = Instant::now();
    reqwest::get(url).await.expect("get").bytes().await.expect("body");
    started.elapsed()
}

#[tokio::test]
async fn a_rate_limit_set_over_http_slows_downloads_and_null_lifts_it() {
    // Arrange
    let (hub, _sample, url) = hub_with_sample().await;

    // Act: 4 MiB at 4 MiB/s, then unlimited again.
    let (status, body) = admin(&hub, "/repos/org/admin/rate-limit", json!({"bytes_per_sec": 4 << 20})).await;
    let limited = timed_get(&url).await;
    admin(&hub, "/repos/org/admin/rate-limit", json!({"bytes_per_sec": null})).await;
    let lifted = timed_get(&url).await;

    // Assert
    assert_eq!((status, body), (StatusCode::OK, json!({"ok": true})));
    assert!(
        limited >= Duration::from_millis(850),
        "limited download took {limited:?}"
    );
    assert!(lifted < limited / 2, "lifted {lifted:?} vs limited {limited:?}");
}

#[tokio::test]
async fn fail_next_set_over_http_answers_the_status_then_recovers() {
    // Arrange
    let (hub, _sample, url) = hub_with_sample().await;

    // Act
    let (status, _) = admin(&hub, "/repos/org/admin/fail-next", json!({"status": 503, "times": 1})).await;
    let failed = reqwest::get(&url).await.expect("get").status();
    let recovered = reqwest::get(&url).await.expect("get").status();

    // Assert
    assert_eq!(status, StatusCode::OK);
    assert_eq!((failed, recovered), (StatusCode::SERVICE_UNAVAILABLE, StatusCode::OK));
}

#[tokio::test]
async fn access_set_over_http_gates_files_to_the_allowed_tokens() {
    // Arrange
    let (hub, _sample, url) = hub_with_sample().await;
    let access = json!({"gated": true, "allowed_tokens": ["hf_allowed"]});

    // Act
    let (status, _) = admin(&hub, "/repos/org/admin/access", access).await;
    let anonymous = reqwest::get(&url).await.expect("get");
    let allowed = reqwest::Client::new()
        .get(&url)
        .bearer_auth("hf_allowed")
        .send()
        .await
        .expect("get");
    let (unknown, _) = admin(&hub, "/repos/org/missing/access", json!({"gated": true})).await;

    // Assert
    assert_eq!(status, StatusCode::OK);
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(header(&anonymous, "x-error-code"), Some("GatedRepo"));
    assert_eq!(allowed.status(), StatusCode::OK);
    assert_eq!(unknown, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_token_added_over_http_is_accepted_hub_wide() {
    // Arrange
    let (hub, _sample, url) = hub_with_sample().await;
    let get_with_token = || reqwest::Client::new().get(&url).bearer_auth("hf_new").send();
    let before = get_with_token().await.expect("get").status();

    // Act
    let (status, _) = admin(&hub, "/tokens", json!({"token": "hf_new"})).await;
    let after = get_with_token().await.expect("get").status();

    // Assert
    assert_eq!(status, StatusCode::OK);
    assert_eq!((before, after), (StatusCode::UNAUTHORIZED, StatusCode::OK));
}

#[tokio::test]
async fn a_malformed_switch_is_refused_and_changes_nothing() {
    // Arrange
    let (hub, _sample, url) = hub_with_sample().await;

    // Act
    let (status, _) = admin(&hub, "/repos/org/admin/fail-next", json!({"times": 1})).await;
    let served = reqwest::get(&url).await.expect("get").status();

    // Assert
    assert!(status.is_client_error(), "answered {status}");
    assert_eq!(served, StatusCode::OK);
}
