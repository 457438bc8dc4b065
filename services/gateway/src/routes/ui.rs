//! The built web UI at `/`, from `MILLM_UI_DIR`, on the API's own origin (so no CORS).
//!
//! - `/assets/…` are Vite's content-hashed files: sent `immutable`, and a missing one is a plain
//!   404 (never `index.html`, which a browser would try to run as a script).
//! - Any other path that is not `/api/…`, `/socket.io/…` or a probe gets `index.html`, sent
//!   `no-cache`, so the client-side app owns its URLs and a new build is seen on reload.
//! - Text is gzipped on the fly when the browser accepts it.
//! - Without a built UI the API runs as usual and `/` says how to build it.

use axum::Router;
use axum::extract::Request;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use std::path::Path;
use tower_http::compression::CompressionLayer;
use tower_http::services::{ServeDir, ServeFile};

/// Hashed assets never change under their name.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// `index.html` names the current assets: always revalidate it.
const NO_CACHE: &str = "no-cache";

/// Paths that belong to the metrics port; on this port they are never the UI.
const PROBES: [&str; 3] = ["/metrics", "/livez", "/readyz"];

/// Whether `path` is one the UI must never answer: the API, the socket, or a probe.
pub fn is_reserved(path: &str) -> bool {
    let under = |prefix: &str| path == prefix || path.starts_with(&format!("{prefix}/"));
    under("/api") || under("/socket.io") || PROBES.contains(&path)
}

/// The router that answers every path the API does not: the UI, or the not-built page.
pub fn router(dir: &Path) -> Router {
    let index = dir.join("index.html");
    if !index.is_file() {
        tracing::warn!(dir = %dir.display(), "the web UI is not built: / explains how to build it; the API runs as usual");
        return Router::new().fallback(not_built);
    }
    tracing::info!(dir = %dir.display(), "serving the web UI");
    let assets = Router::new()
        .fallback_service(ServeDir::new(dir.join("assets")))
        .layer(middleware::from_fn(|req, next| cache_control(req, next, IMMUTABLE)));
    let pages = Router::new()
        .fallback_service(ServeDir::new(dir).fallback(ServeFile::new(index)))
        .layer(middleware::from_fn(|req, next| cache_control(req, next, NO_CACHE)));
    Router::new()
        .nest("/assets", assets)
        .merge(pages)
        .layer(CompressionLayer::new())
}

/// Sets `Cache-Control` on successful answers only: a 404 must not be cached for a year.
async fn cache_control(req: Request, next: Next, value: &'static str) -> Response {
    let mut response = next.run(req).await;
    if response.status().is_success() {
        response
            .headers_mut()
            .insert(CACHE_CONTROL, HeaderValue::from_static(value));
    }
    response
}

async fn not_built() -> Response {
    let page = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>miLLM</title></head>\
        <body><h1>miLLM: the web UI is not built</h1>\
        <p>The API is running at <a href=\"/api/health\">/api</a>. To build the UI, run <code>make build</code> \
        (or <code>cd frontend &amp;&amp; npm ci &amp;&amp; npm run build</code>), then restart the gateway. \
        <code>MILLM_UI_DIR</code> names the folder it is served from (default <code>frontend/dist</code>).</p>\
        </body></html>";
    let mut response = (StatusCode::SERVICE_UNAVAILABLE, page).into_response();
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static(NO_CACHE));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_api_the_socket_and_the_probes_are_reserved() {
        for path in [
            "/api",
            "/api/",
            "/api/nope",
            "/socket.io/",
            "/metrics",
            "/livez",
            "/readyz",
        ] {
            assert!(is_reserved(path), "{path}");
        }
        for path in ["/", "/models", "/apix", "/assets/index-abc.js", "/metrics/x"] {
            assert!(!is_reserved(path), "{path}");
        }
    }
}
