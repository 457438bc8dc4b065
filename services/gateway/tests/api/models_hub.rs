//! Starting hub downloads: validation, hub errors, support checks, and the queued job.

use millm_test_support::{LlamaShape, RepoBuilder, RepoOptions};
use serde_json::json;

use crate::common::{TestApp, assert_error, spawn_app, tiny_repo};

async fn pending(app: &TestApp) -> std::collections::HashSet<i64> {
    let mut conn = millm_platform::queue::connect("redis://127.0.0.1:6379").await.unwrap();
    millm_platform::queue::pending_downloads(&mut conn, &app.names)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_hub_model_is_recorded_downloading_and_its_job_queued() {
    let app = spawn_app().await;
    let commit = app.publish("org/tiny", &tiny_repo(), RepoOptions::default());

    let (status, body) = app.register_hub("org/tiny", "Q4").await;

    assert_eq!(status, 202, "{body}");
    let m = &body["data"];
    assert_eq!(m["status"], "downloading");
    assert_eq!(m["name"], "tiny");
    assert_eq!(m["repo_id"], "org/tiny");
    assert_eq!(m["revision"], commit);
    assert_eq!(m["download_progress"], 0.0);
    assert_eq!(m["architecture"], "LlamaForCausalLM");
    assert!(m["disk_size_mb"].is_i64());
    let id = m["id"].as_i64().unwrap();
    assert!(pending(&app).await.contains(&id));
    let cache_path: String = sqlx::query_scalar("SELECT cache_path FROM models WHERE id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(cache_path, format!("models--org--tiny/snapshots/{commit}"));
}

#[tokio::test]
async fn the_same_repo_and_quantization_twice_is_already_existing() {
    let app = spawn_app().await;
    app.publish("org/tiny", &tiny_repo(), RepoOptions::default());
    let (_, first) = app.register_hub("org/tiny", "Q4").await;

    let (status, body) = app.register_hub("org/tiny", "Q4").await;
    let (other, _) = app.register_hub("org/tiny", "Q8").await;

    let error = assert_error(status, &body, 409, "MODEL_ALREADY_EXISTS");
    assert_eq!(error["details"]["existing_model_id"], first["data"]["id"]);
    assert_eq!(other, 202);
}

#[tokio::test]
async fn malformed_and_traversing_repo_ids_are_refused_before_the_hub_is_asked() {
    let app = spawn_app().await;
    for bad in [
        "../etc/passwd",
        "org/..",
        "org/a..b",
        "noslash",
        "a/b/c",
        "/abs",
        "org/na me",
        "org/",
    ] {
        let (status, body) = app.register_hub(bad, "Q4").await;
        assert_eq!(
            assert_error(status, &body, 422, "VALIDATION_ERROR")["details"]["field"],
            "repo_id",
            "{bad}"
        );
    }
}

#[tokio::test]
async fn an_unknown_repo_is_repo_not_found() {
    let app = spawn_app().await;
    let (status, body) = app.register_hub("org/missing", "Q4").await;
    assert_error(status, &body, 404, "REPO_NOT_FOUND");
    let (_, list) = app.get("/api/models").await;
    assert_eq!(list["data"], json!([]));
}

#[tokio::test]
async fn a_gated_repo_needs_a_token_that_the_hub_accepts() {
    let app = spawn_app().await;
    app.hub.add_token("hf_good");
    app.hub.add_token("hf_other");
    app.publish(
        "org/gated",
        &tiny_repo(),
        RepoOptions {
            gated: true,
            allowed_tokens: vec!["hf_good".into()],
            ..Default::default()
        },
    );

    let (status, body) = app.register_hub("org/gated", "Q4").await;
    assert_error(status, &body, 401, "GATED_MODEL_NO_TOKEN");
    let (status, body) = app
        .post(
            "/api/models",
            json!({"source": "huggingface", "repo_id": "org/gated", "hf_token": "hf_other"}),
        )
        .await;
    assert_error(status, &body, 401, "INVALID_HF_TOKEN");
    let (status, body) = app
        .post(
            "/api/models",
            json!({"source": "huggingface", "repo_id": "org/gated", "hf_token": "hf_bogus"}),
        )
        .await;
    assert_error(status, &body, 401, "INVALID_HF_TOKEN");
    let (status, body) = app
        .post(
            "/api/models",
            json!({"source": "huggingface", "repo_id": "org/gated", "hf_token": "hf_good"}),
        )
        .await;
    assert_eq!(status, 202, "{body}");
}

#[tokio::test]
async fn remote_code_is_refused_before_any_weight_byte_is_fetched() {
    let app = spawn_app().await;
    let tmp = tempfile::tempdir().unwrap();
    let built = RepoBuilder::new(tmp.path().join("r"))
        .llama(LlamaShape::tiny())
        .extra_file("modeling_custom.py", "x = 1")
        .build()
        .unwrap();
    app.publish("org/remote", &built.dir, RepoOptions::default());

    let (status, body) = app.register_hub("org/remote", "Q4").await;

    assert_error(status, &body, 400, "UNSUPPORTED_MODEL");
    let weights = std::fs::read(built.dir.join("model.safetensors")).unwrap();
    let header = 8 + u64::from_le_bytes(weights[..8].try_into().unwrap());
    let served = app.hub.bytes_served("org/remote", "model.safetensors");
    assert!(
        served <= header + 8,
        "served {served} bytes of a {}-byte file with a {header}-byte header",
        weights.len()
    );
}

#[tokio::test]
async fn a_repo_without_config_is_unsupported_on_a_synchronous_call() {
    let app = spawn_app().await;
    let tmp = tempfile::tempdir().unwrap();
    let built = RepoBuilder::new(tmp.path().join("r"))
        .llama(LlamaShape::tiny())
        .build()
        .unwrap();
    std::fs::remove_file(built.dir.join("config.json")).unwrap();
    app.publish("org/noconfig", &built.dir, RepoOptions::default());

    let (status, body) = app.register_hub("org/noconfig", "Q4").await;

    assert_error(status, &body, 400, "UNSUPPORTED_MODEL");
}

#[tokio::test]
async fn a_failing_hub_is_unavailable_and_opens_the_breaker() {
    let app = spawn_app().await;
    app.publish("org/tiny", &tiny_repo(), RepoOptions::default());
    app.hub.fail_next("org/tiny", 503, 100);

    let mut last = (0, json!(null));
    for _ in 0..4 {
        last = app.register_hub("org/tiny", "Q4").await;
    }

    let error = assert_error(last.0, &last.1, 503, "HUB_UNAVAILABLE");
    assert_eq!(error["details"]["breaker"], "open");
    let (_, health) = app.get("/api/health").await;
    assert_eq!(health["data"]["hub"]["circuit_breaker"]["state"], "open");
}

#[tokio::test]
async fn a_hub_token_is_never_returned() {
    let app = spawn_app().await;
    app.publish("org/tiny", &tiny_repo(), RepoOptions::default());
    app.hub.add_token("hf_visible_never");
    let (_, body) = app
        .post(
            "/api/models",
            json!({"source": "huggingface", "repo_id": "org/tiny", "hf_token": "hf_visible_never"}),
        )
        .await;
    assert!(!body.to_string().contains("hf_visible_never"));
    let sealed: Option<String> = sqlx::query_scalar("SELECT sealed_token FROM models")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(sealed.unwrap().starts_with("v1:"));
}

/// A tmpfs of `size` mounted for the test's life (the tests run as root on these machines).
struct SmallDisk(tempfile::TempDir);

impl SmallDisk {
    fn mount(size: &str) -> SmallDisk {
        let dir = tempfile::tempdir().unwrap();
        let status = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .status()
            .expect("mount runs");
        assert!(status.success(), "mounting a small tmpfs needs root");
        SmallDisk(dir)
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(self.0.path()).status();
    }
}

#[tokio::test]
async fn a_download_larger_than_the_free_disk_is_refused_with_both_sizes() {
    let disk = SmallDisk::mount("64k");
    let cache = disk.0.path().to_path_buf();
    let app = crate::common::spawn_app_with(|c| c.common.model_cache_dir = cache).await;
    app.publish("org/tiny", &tiny_repo(), RepoOptions::default());

    let (status, body) = app.register_hub("org/tiny", "Q4").await;

    let error = assert_error(status, &body, 507, "INSUFFICIENT_DISK");
    assert!(error["details"]["required_mb"].is_i64());
    // 64 KiB free: every `*_mb` figure rounds up, so it shows as 1 MiB.
    assert_eq!(error["details"]["available_mb"], 1);
    let (_, list) = app.get("/api/models").await;
    assert_eq!(list["data"], json!([]));
}
