//! A pull with no socket at all: behind a proxy that forwards /api and refuses /socket.io, the
//! pull still ends at ready, from its polls of the record alone.

use axum::body::Body;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use millm_test_support::RepoOptions;

use crate::common::{Env, dir_bytes, millm, tiny_repo};

/// Forwards every request to `target` except the Socket.IO path, which answers 404.
async fn api_only_proxy(target: String) -> String {
    let http = reqwest::Client::new();
    let app = axum::Router::new().fallback(move |request: Request| forward(http.clone(), target.clone(), request));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{address}")
}

async fn forward(http: reqwest::Client, target: String, request: Request) -> Response {
    if request.uri().path().starts_with("/socket.io") {
        return (StatusCode::NOT_FOUND, "no socket here").into_response();
    }
    let path = request
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    let method = request.method().clone();
    let mut headers = request.headers().clone();
    headers.remove(axum::http::header::HOST);
    let body = axum::body::to_bytes(request.into_body(), 1 << 20).await.expect("body");
    let answer = http
        .request(method, format!("{target}{path}"))
        .headers(headers)
        .body(body)
        .send()
        .await
        .expect("gateway answers");
    let mut response = Response::builder().status(answer.status());
    for (name, value) in answer.headers() {
        response = response.header(name, value);
    }
    let bytes = answer.bytes().await.expect("gateway body");
    response.body(Body::from(bytes)).expect("response")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pull_without_a_socket_still_ends_at_ready_by_reading_the_record() {
    // Arrange: about 3 s of download, and a proxy without the socket.
    let env = Env::start(None).await;
    env.start_downloader().await;
    let repo = tiny_repo();
    env.hub
        .add_repo("org/tiny", &repo, RepoOptions::default())
        .expect("served");
    env.hub.set_rate_limit("org/tiny", Some(dir_bytes(&repo) / 3));
    let proxy = api_only_proxy(env.address.clone()).await;

    // Act
    let run = millm(&["pull", "org/tiny"], &[("MILLM_URL", &proxy)]).await;

    // Assert
    assert_eq!(run.code, 0, "{run}");
    let lines: Vec<&str> = run.stderr.lines().filter(|l| l.starts_with("tiny: ")).collect();
    assert_eq!(lines.last(), Some(&"tiny: 100.0%  ready"), "{run}");
    // No speed on any line: the figures came from polls, never from an event.
    assert!(lines.iter().all(|l| !l.contains("/s")), "{run}");
    assert_eq!(env.api("/api/models").await[0]["status"], "ready");
}
