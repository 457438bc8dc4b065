//! The OpenAPI document as the running gateway serves it: the web UI's generated types come
//! from the committed copy, so the two must not differ.

use millm_test_support::workspace;

use crate::common::spawn_app;

#[tokio::test]
async fn the_served_document_is_the_one_the_web_ui_is_generated_from() {
    // Arrange
    let app = spawn_app().await;
    let committed_path = workspace::root().join("frontend/openapi.json");
    let committed: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&committed_path).expect("frontend/openapi.json")).unwrap();

    // Act
    let (status, served) = app.get("/api/openapi.json").await;

    // Assert
    assert_eq!(status, 200);
    assert!(
        served == committed,
        "frontend/openapi.json differs from what the gateway serves: run `make openapi` and commit it"
    );
}

#[tokio::test]
async fn every_model_route_documents_its_answers_as_envelopes() {
    // Arrange
    let app = spawn_app().await;

    // Act
    let (_, doc) = app.get("/api/openapi.json").await;

    // Assert
    let paths = doc["paths"].as_object().unwrap();
    for (path, operations) in paths.iter().filter(|(p, _)| p.starts_with("/api/models")) {
        for (method, operation) in operations.as_object().unwrap() {
            for (status, response) in operation["responses"].as_object().unwrap() {
                let schema = response["content"]["application/json"]["schema"]["$ref"]
                    .as_str()
                    .unwrap_or_default();
                let expected = if status.starts_with('2') {
                    "#/components/schemas/Success_"
                } else {
                    "#/components/schemas/Failed"
                };
                assert!(schema.starts_with(expected), "{method} {path} {status}: {schema}");
            }
            if path.contains("{id}") {
                assert_eq!(operation["parameters"][0]["schema"]["minimum"], 1, "{method} {path}");
            }
        }
    }
}
