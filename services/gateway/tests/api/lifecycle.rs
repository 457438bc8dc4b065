//! Cancel, retry, delete, and load/unload while no GPU worker runs.

use futures::StreamExt;
use millm_test_support::RepoOptions;
use serde_json::json;
use std::time::Duration;

use crate::common::{TestApp, assert_error, spawn_app, tiny_repo, tiny_repo_copy};

async fn downloading(app: &TestApp) -> i64 {
    app.publish("org/tiny", &tiny_repo(), RepoOptions::default());
    let (status, body) = app.register_hub("org/tiny", "Q4").await;
    assert_eq!(status, 202, "{body}");
    body["data"]["id"].as_i64().unwrap()
}

#[tokio::test]
async fn cancel_removes_the_record_and_tells_the_downloaders() {
    let app = spawn_app().await;
    let id = downloading(&app).await;
    let mut cancels = app.nats.subscribe(app.names.download_cancel(id)).await.unwrap();
    app.nats.flush().await.unwrap();

    let (status, body) = app.post_empty(&format!("/api/models/{id}/cancel")).await;

    assert_eq!(status, 200);
    assert_eq!(body, json!({"success": true, "data": null, "error": null}));
    let (status, _) = app.get(&format!("/api/models/{id}")).await;
    assert_eq!(status, 404);
    let message = tokio::time::timeout(Duration::from_secs(5), cancels.next()).await;
    assert!(matches!(message, Ok(Some(_))), "a cancel was published");
}

#[tokio::test]
async fn cancel_removes_partial_files_when_no_downloader_holds_the_model() {
    let app = spawn_app().await;
    let id = downloading(&app).await;
    let blobs = app.cache.path().join("models--org--tiny/blobs");
    std::fs::create_dir_all(&blobs).unwrap();
    std::fs::write(blobs.join("abc123.incomplete"), b"partial").unwrap();
    std::fs::write(blobs.join("abc123.incomplete.state"), b"{}").unwrap();

    app.post_empty(&format!("/api/models/{id}/cancel")).await;

    assert!(!blobs.join("abc123.incomplete").exists());
    assert!(!blobs.join("abc123.incomplete.state").exists());
}

#[tokio::test]
async fn cancel_on_a_ready_model_is_not_downloading() {
    let app = spawn_app().await;
    let tmp = tempfile::tempdir().unwrap();
    let (_, body) = app
        .post(
            "/api/models",
            json!({"source": "local", "local_path": tiny_repo_copy(tmp.path())}),
        )
        .await;

    let (status, body) = app
        .post_empty(&format!("/api/models/{}/cancel", body["data"]["id"]))
        .await;

    assert_error(status, &body, 409, "MODEL_NOT_DOWNLOADING");
}

#[tokio::test]
async fn retry_requeues_a_failed_download_and_refuses_other_states() {
    let app = spawn_app().await;
    let id = downloading(&app).await;
    let (status, body) = app.post_empty(&format!("/api/models/{id}/retry")).await;
    assert_eq!(
        assert_error(status, &body, 409, "MODEL_BUSY")["details"]["status"],
        "downloading"
    );
    sqlx::query("UPDATE models SET status = 'error', error_stage = 'download', error_message = 'boom' WHERE id = $1")
        .bind(id)
        .execute(&app.pool)
        .await
        .unwrap();

    let (status, body) = app.post_empty(&format!("/api/models/{id}/retry")).await;

    assert_eq!(status, 202, "{body}");
    assert_eq!(body["data"]["id"], id);
    assert_eq!(body["data"]["status"], "downloading");
    assert_eq!(body["data"]["error_message"], serde_json::Value::Null);
    let mut conn = millm_platform::queue::connect("redis://127.0.0.1:6379").await.unwrap();
    assert!(
        millm_platform::queue::pending_downloads(&mut conn, &app.names)
            .await
            .unwrap()
            .contains(&id)
    );
}

#[tokio::test]
async fn a_loading_or_loaded_model_cannot_be_deleted() {
    let app = spawn_app().await;
    let tmp = tempfile::tempdir().unwrap();
    let (_, body) = app
        .post(
            "/api/models",
            json!({"source": "local", "local_path": tiny_repo_copy(tmp.path())}),
        )
        .await;
    let id = body["data"]["id"].as_i64().unwrap();
    for state in ["loading", "loaded"] {
        app.set_status(id, state).await;
        let (status, body) = app.delete(&format!("/api/models/{id}")).await;
        assert_eq!(
            assert_error(status, &body, 409, "MODEL_BUSY")["details"]["status"],
            state
        );
    }
    let (status, _) = app.get(&format!("/api/models/{id}")).await;
    assert_eq!(status, 200, "the record is kept");
}

#[tokio::test]
async fn deleting_a_downloading_model_cancels_it() {
    let app = spawn_app().await;
    let id = downloading(&app).await;
    let mut cancels = app.nats.subscribe(app.names.download_cancel(id)).await.unwrap();
    app.nats.flush().await.unwrap();

    let (status, _) = app.delete(&format!("/api/models/{id}")).await;

    assert_eq!(status, 200);
    assert!(
        tokio::time::timeout(Duration::from_secs(5), cancels.next())
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn load_and_unload_without_a_gpu_worker_are_unavailable_after_the_state_checks() {
    let app = spawn_app().await;
    let tmp = tempfile::tempdir().unwrap();
    let (_, body) = app
        .post(
            "/api/models",
            json!({"source": "local", "local_path": tiny_repo_copy(tmp.path())}),
        )
        .await;
    let id = body["data"]["id"].as_i64().unwrap();

    let (status, body) = app.post_empty(&format!("/api/models/{id}/load")).await;
    assert_error(status, &body, 503, "GPU_WORKER_UNAVAILABLE");
    let (status, body) = app
        .post(&format!("/api/models/{id}/load"), json!({"force": true}))
        .await;
    assert_error(status, &body, 503, "GPU_WORKER_UNAVAILABLE");
    let (status, body) = app.post_empty(&format!("/api/models/{id}/unload")).await;
    assert_error(status, &body, 400, "MODEL_NOT_LOADED");
    app.set_status(id, "loaded").await;
    let (status, body) = app.post_empty(&format!("/api/models/{id}/unload")).await;
    assert_error(status, &body, 503, "GPU_WORKER_UNAVAILABLE");
    let (status, body) = app.post_empty(&format!("/api/models/{id}/load")).await;
    assert_error(status, &body, 400, "MODEL_ALREADY_LOADED");
}

#[tokio::test]
async fn load_checks_state_before_anything_else() {
    let app = spawn_app().await;
    let id = downloading(&app).await;
    let (status, body) = app.post_empty(&format!("/api/models/{id}/load")).await;
    assert_eq!(
        assert_error(status, &body, 409, "MODEL_BUSY")["details"]["status"],
        "downloading"
    );
    sqlx::query("UPDATE models SET status = 'error', error_stage = 'download' WHERE id = $1")
        .bind(id)
        .execute(&app.pool)
        .await
        .unwrap();
    let (status, body) = app.post_empty(&format!("/api/models/{id}/load")).await;
    assert_error(status, &body, 409, "MODEL_NOT_READY");
    let (status, body) = app
        .post(&format!("/api/models/{id}/load"), json!({"force": "yes"}))
        .await;
    assert_error(status, &body, 422, "VALIDATION_ERROR");
}

#[tokio::test]
async fn delete_keeps_a_shared_snapshot_until_its_last_record_goes() {
    // Arrange: Q4 and Q8 of one repo, both ready on one snapshot with one blob.
    let app = spawn_app().await;
    let commit = app.publish("org/tiny", &tiny_repo(), RepoOptions::default());
    let (_, q4) = app.register_hub("org/tiny", "Q4").await;
    let (_, q8) = app.register_hub("org/tiny", "Q8").await;
    let root = app.cache.path();
    let blob = millm_platform::cache::blob_path(root, "org/tiny", "feedbeef").unwrap();
    std::fs::create_dir_all(blob.parent().unwrap()).unwrap();
    std::fs::write(&blob, b"weights").unwrap();
    let link = millm_platform::cache::link_snapshot(root, "org/tiny", &commit, "config.json", "feedbeef").unwrap();
    sqlx::query("UPDATE models SET status = 'ready', download_progress = NULL")
        .execute(&app.pool)
        .await
        .unwrap();

    // Act and assert: the first delete leaves the files, the second removes links and blob.
    let (status, _) = app.delete(&format!("/api/models/{}", q4["data"]["id"])).await;
    assert_eq!(status, 200);
    assert!(link.exists() && blob.exists(), "the Q8 record still uses the snapshot");
    let (status, _) = app.delete(&format!("/api/models/{}", q8["data"]["id"])).await;
    assert_eq!(status, 200);
    assert!(!link.exists(), "links go with the last record of the revision");
    assert!(!blob.exists(), "a blob no snapshot links to goes");
}
