//! schemathesis (`--checks all`) against a gateway this test starts: every answer matches the
//! OpenAPI document, and no input gets a 5xx. The settings and the per-route exceptions, each
//! with its reason, are in `tests/schemathesis.toml`.

use millm_test_support::RepoOptions;

use crate::common::{spawn_app, tiny_repo};

#[tokio::test]
async fn the_gateway_answers_as_its_openapi_document_says_for_generated_requests() {
    // Arrange: a hub with one real repo, so previews and downloads reach past the hub.
    let app = spawn_app().await;
    app.publish("org/tiny", &tiny_repo(), RepoOptions::default());
    let python = millm_test_support::python::interpreter().expect("the dev venv (make venv)");
    let schemathesis = python.with_file_name("schemathesis");
    let config = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schemathesis.toml");
    let work = tempfile::tempdir().unwrap();

    // Act
    let output = tokio::process::Command::new(&schemathesis)
        .arg("--config-file")
        .arg(&config)
        .args(["--no-color", "run", "--checks", "all"])
        .arg(app.url("/api/openapi.json"))
        .current_dir(work.path())
        .env("PATH", python.parent().unwrap())
        .output()
        .await
        .expect("schemathesis runs");

    // Assert
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "schemathesis found failures:\n{report}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        report.contains("Tested: 12"),
        "not every operation was tested:\n{report}"
    );
}
