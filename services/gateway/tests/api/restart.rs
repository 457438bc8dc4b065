//! Restart safety: after the gateway restarts, no record claims a load nobody holds, and
//! every download has a job.

use millm_test_support::{FakeHub, RepoOptions};
use serde_json::json;

use crate::common::{spawn_app, start, tiny_repo, tiny_repo_copy};

#[tokio::test]
async fn a_restart_releases_loads_and_requeues_downloads_without_a_job() {
    // Arrange: a loaded record and a downloading one whose job was lost.
    let app = spawn_app().await;
    app.publish("org/tiny", &tiny_repo(), RepoOptions::default());
    let (_, dl) = app.register_hub("org/tiny", "Q4").await;
    let dl_id = dl["data"]["id"].as_i64().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let (_, local) = app
        .post(
            "/api/models",
            json!({"source": "local", "local_path": tiny_repo_copy(tmp.path())}),
        )
        .await;
    let local_id = local["data"]["id"].as_i64().unwrap();
    app.set_status(local_id, "loaded").await;
    let mut conn = millm_platform::queue::connect("redis://127.0.0.1:6379").await.unwrap();
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{}:*", app.names.namespace()))
        .query_async(&mut conn)
        .await
        .unwrap();
    for key in keys {
        let _: () = redis::cmd("DEL").arg(key).query_async(&mut conn).await.unwrap();
    }
    assert!(
        !millm_platform::queue::pending_downloads(&mut conn, &app.names)
            .await
            .unwrap()
            .contains(&dl_id)
    );

    // Act: a second gateway on the same database and namespace.
    let again = start(app.config.clone(), FakeHub::start().await, tempfile::tempdir().unwrap()).await;

    // Assert
    let (_, body) = again.get(&format!("/api/models/{local_id}")).await;
    assert_eq!(body["data"]["status"], "ready");
    assert_eq!(body["data"]["error_stage"], "load");
    assert!(body["data"]["error_message"].as_str().unwrap().contains("GPU worker"));
    assert!(
        millm_platform::queue::pending_downloads(&mut conn, &app.names)
            .await
            .unwrap()
            .contains(&dl_id)
    );
}

#[tokio::test]
async fn the_migrate_command_creates_and_migrates_the_database() {
    let url = format!(
        "{}/millm_migrate_{}",
        crate::common::PG_BASE,
        uuid::Uuid::new_v4().simple()
    );
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_millm-gateway"))
        .arg("migrate")
        .env("DATABASE_URL", &url)
        .env("MILLM_SECRET_KEY", crate::common::KEY_HEX)
        .output()
        .await
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let pool = millm_platform::db::connect(&url, 1).await.unwrap();
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM models")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(count, 0);
}

#[tokio::test]
async fn a_missing_secret_key_stops_the_gateway_naming_the_variable() {
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_millm-gateway"))
        .env_remove("MILLM_SECRET_KEY")
        .output()
        .await
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("MILLM_SECRET_KEY"));
    let bad = tokio::process::Command::new(env!("CARGO_BIN_EXE_millm-gateway"))
        .env("MILLM_SECRET_KEY", crate::common::KEY_HEX)
        .env("PORT", "not-a-port")
        .output()
        .await
        .unwrap();
    assert!(!bad.status.success());
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("PORT"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
}
