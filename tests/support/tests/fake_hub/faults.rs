//! Fault injection and counters, observed from a real HTTP client.

use std::time::{Duration, Instant};

use futures::StreamExt;
use millm_test_support::{FakeHub, RepoOptions};
use reqwest::StatusCode;

use crate::common::{DATA_LEN, SampleRepo};

const REPO: &str = "org/faulty";
const FILE: &str = "model.safetensors";

async fn hub_with_sample() -> (FakeHub, SampleRepo, String) {
    let sample = SampleRepo::new();
    let hub = FakeHub::start().await;
    hub.add_repo(REPO, sample.path(), RepoOptions::default())
        .expect("add repo");
    let url = format!("{}/{REPO}/resolve/main/{FILE}", hub.url());
    (hub, sample, url)
}

/// Reads a body chunk by chunk, returning the bytes received and whether it ended in an error.
async fn read_body(response: reqwest::Response) -> (Vec<u8>, bool) {
    let mut stream = response.bytes_stream();
    let mut received = Vec::new();
    while let Some(chunk) = stream.next().await {
        match chunk {
            Ok(bytes) => received.extend_from_slice(&bytes),
            Err(_) => return (received, true),
        }
    }
    (received, false)
}

#[tokio::test]
async fn counters_track_requests_and_body_bytes_until_reset() {
    // Arrange
    let (hub, _sample, url) = hub_with_sample().await;
    let client = reqwest::Client::new();

    // Act
    client.head(&url).send().await.expect("head");
    client.get(&url).send().await.expect("get").bytes().await.expect("body");
    client
        .get(&url)
        .header("range", "bytes=10-19")
        .send()
        .await
        .expect("range")
        .bytes()
        .await
        .expect("body");
    let counted = (hub.request_count(REPO, FILE), hub.bytes_served(REPO, FILE));
    hub.reset_counters();

    // Assert
    assert_eq!(counted, (3, DATA_LEN as u64 + 10));
    assert_eq!((hub.request_count(REPO, FILE), hub.bytes_served(REPO, FILE)), (0, 0));
    assert_eq!(hub.request_count(REPO, "never-asked"), 0);
}

#[tokio::test]
async fn a_rate_limit_measurably_slows_a_4_mib_body() {
    // Arrange
    let (hub, sample, url) = hub_with_sample().await;
    let unlimited_started = Instant::now();
    reqwest::get(&url).await.expect("get").bytes().await.expect("body");
    let unlimited = unlimited_started.elapsed();
    hub.set_rate_limit(REPO, Some(4 * 1024 * 1024));

    // Act
    let started = Instant::now();
    let body = reqwest::get(&url).await.expect("get").bytes().await.expect("body");
    let limited = started.elapsed();

    // Assert: 4 MiB at 4 MiB/s takes about a second.
    assert_eq!(body, sample.bytes(FILE));
    assert!(
        limited >= Duration::from_millis(850),
        "limited download took {limited:?}"
    );
    assert!(limited < Duration::from_secs(5), "limited download took {limited:?}");
    assert!(
        unlimited < limited / 2,
        "unlimited {unlimited:?} vs limited {limited:?}"
    );
}

#[tokio::test]
async fn a_rate_limit_is_shared_by_concurrent_downloads_of_a_repo() {
    // Arrange
    let (hub, _sample, url) = hub_with_sample().await;
    hub.set_rate_limit(REPO, Some(8 * 1024 * 1024));
    let fetch = || async {
        reqwest::get(&url)
            .await
            .expect("get")
            .bytes()
            .await
            .expect("body")
            .len()
    };

    // Act
    let started = Instant::now();
    let (a, b) = tokio::join!(fetch(), fetch());
    let elapsed = started.elapsed();

    // Assert: 8 MiB in total at 8 MiB/s, not twice as fast.
    assert_eq!(a + b, 2 * DATA_LEN);
    assert!(elapsed >= Duration::from_millis(850), "two downloads took {elapsed:?}");
}

#[tokio::test]
async fn a_stream_cap_slows_each_body_on_its_own_so_two_streams_get_twice_the_rate() {
    // Arrange: 4 MiB/s a stream; each body is 4 MiB.
    let (hub, sample, url) = hub_with_sample().await;
    hub.set_stream_rate_limit(Some(4 * 1024 * 1024));
    let fetch = || async { reqwest::get(&url).await.expect("get").bytes().await.expect("body") };

    // Act
    let started = Instant::now();
    let (a, b) = tokio::join!(fetch(), fetch());
    let elapsed = started.elapsed();

    // Assert: each stream took about a second, together, not the two seconds a shared limit would take.
    assert_eq!(a, sample.bytes(FILE));
    assert_eq!(b, sample.bytes(FILE));
    assert!(elapsed >= Duration::from_millis(850), "two streams took {elapsed:?}");
    assert!(elapsed < Duration::from_millis(1700), "two streams took {elapsed:?}");
}

#[tokio::test]
async fn drop_after_truncates_the_next_bodies_then_recovers() {
    // Arrange
    let (hub, sample, url) = hub_with_sample().await;
    let client = reqwest::Client::new();
    hub.drop_after(REPO, FILE, 1_000_000, 2);

    // Act
    let first = read_body(client.get(&url).send().await.expect("first")).await;
    let second = read_body(
        client
            .get(&url)
            .header("range", "bytes=500-")
            .send()
            .await
            .expect("second"),
    )
    .await;
    let third = read_body(client.get(&url).send().await.expect("third")).await;

    // Assert
    let data = sample.bytes(FILE);
    assert!(first.1, "the first body must end in an error");
    assert_eq!(first.0, data[..1_000_000]);
    assert!(second.1, "the second body must end in an error");
    assert_eq!(
        second.0,
        data[500..1_000_500],
        "n_bytes counts from the start of the response body"
    );
    assert_eq!(third, (data, false));
    assert_eq!(hub.bytes_served(REPO, FILE), 2_000_000 + DATA_LEN as u64);
}

#[tokio::test]
async fn fail_next_answers_the_status_for_any_route_of_the_repo_then_recovers() {
    // Arrange
    let (hub, _sample, url) = hub_with_sample().await;
    hub.fail_next(REPO, 503, 2);
    let info_url = format!("{}/api/models/{REPO}", hub.url());

    // Act
    let first = reqwest::get(&url).await.expect("first");
    let second = reqwest::get(&info_url).await.expect("second");
    let third = reqwest::get(&url).await.expect("third");
    hub.fail_next(REPO, 429, 1);
    let throttled = reqwest::get(&info_url).await.expect("throttled");

    // Assert
    assert_eq!(first.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(first.bytes().await.expect("body").is_empty());
    assert_eq!(second.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(third.status(), StatusCode::OK);
    assert_eq!(throttled.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn corrupt_next_flips_one_byte_in_responses_covering_its_offset() {
    // Arrange
    let (hub, sample, url) = hub_with_sample().await;
    let data = sample.bytes(FILE);
    let client = reqwest::Client::new();
    let offset = 3_000_000u64;
    hub.corrupt_next(REPO, FILE, offset, 1);

    // Act
    let elsewhere = client
        .get(&url)
        .header("range", "bytes=0-999")
        .send()
        .await
        .expect("range");
    let elsewhere = elsewhere.bytes().await.expect("body");
    let covering = client
        .get(&url)
        .header("range", "bytes=2999000-3000999")
        .send()
        .await
        .expect("range");
    let covering = covering.bytes().await.expect("body");
    let after = client
        .get(&url)
        .send()
        .await
        .expect("full")
        .bytes()
        .await
        .expect("body");

    // Assert
    assert_eq!(
        elsewhere,
        data[..1000],
        "a response not covering the offset does not use up the fault"
    );
    let mut expected = data[2_999_000..3_001_000].to_vec();
    expected[1000] ^= 0xFF;
    assert_eq!(covering, expected);
    assert_eq!(after, data);
}
