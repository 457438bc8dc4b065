//! HTTP metrics: each request counted by its route's template (never the raw path, which
//! would make one series per model id) and status, with its latency.

use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use millm_platform::metrics::{HTTP_REQUESTS, HTTP_SECONDS};

/// Paths no route matched (the web UI's, unknown ones) share one label.
const UNMATCHED: &str = "unmatched";

pub async fn record(request: Request, next: Next) -> Response {
    let method = request.method().as_str().to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or(UNMATCHED, MatchedPath::as_str)
        .to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!(HTTP_REQUESTS, "method" => method.clone(), "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!(HTTP_SECONDS, "method" => method, "route" => route).record(started.elapsed().as_secs_f64());
    response
}
