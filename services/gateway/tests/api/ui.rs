//! The web UI on the API's origin: `index.html` for the app's own paths, hashed assets cached for
//! good, gzip, and the API, socket and probe paths never answered with the page.

use std::path::Path;

use crate::common::spawn_app_with;

const INDEX: &str = "<!doctype html><html><head><script type=\"module\" src=\"/assets/index-abc123.js\"></script></head>\
    <body><div id=\"root\"></div></body></html>";

/// A built UI as Vite lays it out: `index.html` beside `assets/` of hashed files.
fn write_ui(dir: &Path) {
    std::fs::create_dir_all(dir.join("assets")).unwrap();
    std::fs::write(dir.join("index.html"), INDEX).unwrap();
    let script = "console.log('miLLM');\n".repeat(400);
    std::fs::write(dir.join("assets/index-abc123.js"), script).unwrap();
}

async fn app_with_ui() -> (crate::common::TestApp, tempfile::TempDir) {
    let ui = tempfile::tempdir().unwrap();
    write_ui(ui.path());
    let dir = ui.path().to_path_buf();
    let app = spawn_app_with(move |c| c.http.millm_ui_dir = dir).await;
    (app, ui)
}

fn header<'a>(response: &'a reqwest::Response, name: &str) -> &'a str {
    response.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

#[tokio::test]
async fn the_page_is_served_at_the_root_and_at_the_apps_own_paths_without_caching() {
    // Arrange
    let (app, _ui) = app_with_ui().await;

    for path in ["/", "/models", "/models/7/anything"] {
        // Act
        let response = app.http.get(app.url(path)).send().await.unwrap();

        // Assert
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(header(&response, "cache-control"), "no-cache", "{path}");
        assert!(header(&response, "content-type").starts_with("text/html"), "{path}");
        assert_eq!(response.text().await.unwrap(), INDEX, "{path}");
    }
}

#[tokio::test]
async fn hashed_assets_are_immutable_and_gzipped_and_a_missing_one_is_a_404() {
    // Arrange
    let (app, _ui) = app_with_ui().await;

    // Act
    let response = app
        .http
        .get(app.url("/assets/index-abc123.js"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    let missing = app.http.get(app.url("/assets/index-gone.js")).send().await.unwrap();

    // Assert
    assert_eq!(response.status(), 200);
    assert_eq!(
        header(&response, "cache-control"),
        "public, max-age=31536000, immutable"
    );
    assert_eq!(header(&response, "content-encoding"), "gzip");
    assert_eq!(missing.status(), 404);
    assert_eq!(header(&missing, "cache-control"), "");
}

#[tokio::test]
async fn api_and_probe_paths_are_never_answered_with_the_page() {
    // Arrange
    let (app, _ui) = app_with_ui().await;

    for path in ["/api/nope", "/api", "/metrics", "/livez", "/readyz"] {
        // Act
        let (status, body) = app.get(path).await;

        // Assert
        crate::common::assert_error(status, &body, 404, "NOT_FOUND");
    }
    let (status, body) = app.get("/api/models").await;
    assert_eq!(status, 200);
    assert_eq!(body["success"], true);
}

#[tokio::test]
async fn without_a_built_ui_the_api_runs_and_the_root_says_how_to_build_it() {
    // Arrange: the test configuration points at a folder that does not exist.
    let app = crate::common::spawn_app().await;

    // Act
    let response = app.http.get(app.url("/")).send().await.unwrap();
    let (status, _) = app.get("/api/models").await;

    // Assert
    assert_eq!(response.status(), 503);
    let page = response.text().await.unwrap();
    assert!(page.contains("not built") && page.contains("make build"), "{page}");
    assert_eq!(status, 200);
}
