//! Every malformed request gets the envelope with a stable code.

use serde_json::json;

use crate::common::{assert_error, spawn_app, spawn_app_with};

#[tokio::test]
async fn a_body_that_is_not_json_is_invalid_json() {
    let app = spawn_app().await;
    let r = app
        .http
        .post(app.url("/api/models"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    assert_error(status, &r.json().await.unwrap(), 400, "INVALID_JSON");
}

#[tokio::test]
async fn a_body_without_the_json_media_type_is_refused() {
    let app = spawn_app().await;
    let r = app
        .http
        .post(app.url("/api/models"))
        .header("content-type", "text/plain")
        .body("{}")
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    assert_error(status, &r.json().await.unwrap(), 415, "UNSUPPORTED_MEDIA_TYPE");
}

#[tokio::test]
async fn a_body_over_one_mebibyte_is_too_large() {
    let app = spawn_app().await;
    let huge = format!(
        "{{\"source\": \"local\", \"local_path\": \"/{}\"}}",
        "a".repeat(2 << 20)
    );
    let r = app
        .http
        .post(app.url("/api/models"))
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    assert_error(status, &r.json().await.unwrap(), 413, "PAYLOAD_TOO_LARGE");
}

#[tokio::test]
async fn a_field_of_the_wrong_type_names_the_field() {
    let app = spawn_app().await;
    let (status, body) = app
        .post("/api/models", json!({"source": "huggingface", "repo_id": 42}))
        .await;
    let error = assert_error(status, &body, 422, "VALIDATION_ERROR");
    assert_eq!(error["details"]["field"], "repo_id");
    let (status, body) = app
        .post("/api/models", json!({"source": "ftp", "repo_id": "a/b"}))
        .await;
    assert_eq!(
        assert_error(status, &body, 422, "VALIDATION_ERROR")["details"]["field"],
        "source"
    );
    let (status, body) = app
        .post(
            "/api/models",
            json!({"source": "huggingface", "repo_id": "a/b", "quantization": "Q5"}),
        )
        .await;
    assert_eq!(
        assert_error(status, &body, 422, "VALIDATION_ERROR")["details"]["field"],
        "quantization"
    );
}

#[tokio::test]
async fn a_missing_required_field_is_a_validation_error() {
    let app = spawn_app().await;
    let (status, body) = app.post("/api/models", json!({"source": "huggingface"})).await;
    assert_eq!(
        assert_error(status, &body, 422, "VALIDATION_ERROR")["details"]["field"],
        "repo_id"
    );
    let (status, body) = app.post("/api/models", json!({"source": "local"})).await;
    assert_eq!(
        assert_error(status, &body, 422, "VALIDATION_ERROR")["details"]["field"],
        "local_path"
    );
    let (status, body) = app.post("/api/models", json!({})).await;
    assert_error(status, &body, 422, "VALIDATION_ERROR");
}

#[tokio::test]
async fn non_integer_and_non_positive_ids_are_validation_errors() {
    let app = spawn_app().await;
    for path in [
        "/api/models/abc",
        "/api/models/1.5",
        "/api/models/-3",
        "/api/models/0",
        "/api/models/99999999999999999999",
    ] {
        let (status, body) = app.get(path).await;
        assert_eq!(
            assert_error(status, &body, 422, "VALIDATION_ERROR")["details"]["field"],
            "id",
            "{path}"
        );
    }
    let (status, body) = app.post_empty("/api/models/x/load").await;
    assert_error(status, &body, 422, "VALIDATION_ERROR");
}

#[tokio::test]
async fn an_unknown_model_is_model_not_found() {
    let app = spawn_app().await;
    for (status, body) in [
        app.get("/api/models/77").await,
        app.delete("/api/models/77").await,
        app.post_empty("/api/models/77/cancel").await,
        app.post_empty("/api/models/77/retry").await,
        app.post_empty("/api/models/77/load").await,
        app.post_empty("/api/models/77/unload").await,
    ] {
        assert_error(status, &body, 404, "MODEL_NOT_FOUND");
    }
}

#[tokio::test]
async fn unknown_routes_and_wrong_methods_are_enveloped() {
    let app = spawn_app().await;
    let (status, body) = app.get("/api/nothing/here").await;
    assert_error(status, &body, 404, "NOT_FOUND");
    let r = app.http.put(app.url("/api/models")).send().await.unwrap();
    let status = r.status().as_u16();
    assert_error(status, &r.json().await.unwrap(), 405, "METHOD_NOT_ALLOWED");
    let (status, body) = app.get("/api/models/preview").await;
    assert_error(status, &body, 405, "METHOD_NOT_ALLOWED");
    let (status, body) = app.post_empty("/api/models/3").await;
    assert_error(status, &body, 405, "METHOD_NOT_ALLOWED");
}

#[tokio::test]
async fn with_an_api_key_every_route_but_health_needs_the_bearer() {
    let app = spawn_app_with(|c| c.http.millm_api_key = Some(crate::common::secret("s3cret"))).await;
    let (status, body) = app.get("/api/models").await;
    assert_error(status, &body, 401, "UNAUTHORIZED");
    let r = app
        .http
        .get(app.url("/api/models"))
        .bearer_auth("wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let r = app
        .http
        .get(app.url("/api/models"))
        .bearer_auth("s3cret")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let (status, _) = app.get("/api/health").await;
    assert_eq!(status, 200);
    let (status, _) = app.get("/api/health/ready").await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn the_openapi_document_lists_every_route() {
    let app = spawn_app().await;
    let (status, body) = app.get("/api/openapi.json").await;
    assert_eq!(status, 200);
    for path in [
        "/api/models",
        "/api/models/{id}",
        "/api/models/{id}/load",
        "/api/models/preview",
        "/api/health/ready",
        "/api/system/gpu",
    ] {
        assert!(body["paths"][path].is_object(), "{path} missing");
    }
}
