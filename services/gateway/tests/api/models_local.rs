//! Registering local folders: validation, what is learnt, and that the folder is never touched.

use serde_json::json;

use crate::common::{assert_error, spawn_app, spawn_app_with, tiny_repo_copy};

#[tokio::test]
async fn a_local_folder_is_registered_ready_with_its_facts() {
    let app = spawn_app().await;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tiny_repo_copy(tmp.path());

    let (status, body) = app
        .post(
            "/api/models",
            json!({"source": "local", "local_path": dir, "quantization": "Q8"}),
        )
        .await;

    assert_eq!(status, 202, "{body}");
    let m = &body["data"];
    assert_eq!(body["success"], true);
    assert_eq!(m["status"], "ready");
    assert_eq!(m["source"], "local");
    assert_eq!(m["name"], "model");
    assert_eq!(m["quantization"], "Q8");
    assert_eq!(m["architecture"], "LlamaForCausalLM");
    assert_eq!(m["local_path"], dir.canonicalize().unwrap().to_string_lossy().as_ref());
    assert!(m["params"].as_str().unwrap().ends_with('K') || m["params"].as_str().unwrap().ends_with('M'));
    assert!(m["estimated_memory_mb"].as_i64().is_some());
    assert!(m["disk_size_mb"].as_i64().is_some());
    assert_eq!(m["download_progress"], serde_json::Value::Null);
    let stored: serde_json::Value = sqlx::query_scalar("SELECT config_json FROM models WHERE id = $1")
        .bind(m["id"].as_i64().unwrap())
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(stored["model_type"], "llama");
    let (status, one) = app.get(&format!("/api/models/{}", m["id"])).await;
    assert_eq!(status, 200);
    assert_eq!(one["data"], *m);
    let (_, list) = app.get("/api/models").await;
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn the_same_folder_twice_is_already_existing_with_its_id() {
    let app = spawn_app().await;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tiny_repo_copy(tmp.path());
    let (_, first) = app
        .post("/api/models", json!({"source": "local", "local_path": dir}))
        .await;

    let (status, body) = app
        .post(
            "/api/models",
            json!({"source": "local", "local_path": format!("{}/", dir.display())}),
        )
        .await;

    let error = assert_error(status, &body, 409, "MODEL_ALREADY_EXISTS");
    assert_eq!(error["details"]["existing_model_id"], first["data"]["id"]);
}

#[tokio::test]
async fn bad_local_paths_are_refused_with_their_reason() {
    let app = spawn_app().await;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tiny_repo_copy(tmp.path());
    let no_config = tmp.path().join("no-config");
    std::fs::create_dir(&no_config).unwrap();
    std::fs::copy(
        dir.join("model-00001-of-00002.safetensors"),
        no_config.join("model.safetensors"),
    )
    .unwrap();
    let no_weights = tmp.path().join("no-weights");
    std::fs::create_dir(&no_weights).unwrap();
    std::fs::copy(dir.join("config.json"), no_weights.join("config.json")).unwrap();

    let (status, body) = app
        .post("/api/models", json!({"source": "local", "local_path": "relative/dir"}))
        .await;
    assert_eq!(
        assert_error(status, &body, 422, "VALIDATION_ERROR")["details"]["field"],
        "local_path"
    );
    for (path, reason) in [
        (tmp.path().join("missing"), "does not exist"),
        (dir.join("config.json"), "not a directory"),
        (no_config.clone(), "config.json"),
        (no_weights.clone(), "safetensors"),
    ] {
        let (status, body) = app
            .post("/api/models", json!({"source": "local", "local_path": path}))
            .await;
        let error = assert_error(status, &body, 400, "INVALID_LOCAL_PATH");
        assert!(error["details"]["reason"].as_str().unwrap().contains(reason), "{error}");
    }
    let (_, list) = app.get("/api/models").await;
    assert_eq!(list["data"], json!([]));
}

#[tokio::test]
async fn a_path_outside_the_allowed_roots_is_refused_even_through_a_symlink() {
    let allowed = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let roots = millm_gateway::config::LocalRoots(vec![allowed.path().to_path_buf()]);
    let app = spawn_app_with(|c| c.http.local_model_roots = roots).await;
    let inside = tiny_repo_copy(allowed.path());
    let elsewhere = tiny_repo_copy(outside.path());
    let link = allowed.path().join("sneaky");
    std::os::unix::fs::symlink(&elsewhere, &link).unwrap();

    let (status, body) = app
        .post("/api/models", json!({"source": "local", "local_path": elsewhere}))
        .await;
    assert_error(status, &body, 400, "INVALID_LOCAL_PATH");
    let (status, body) = app
        .post("/api/models", json!({"source": "local", "local_path": link}))
        .await;
    assert_error(status, &body, 400, "INVALID_LOCAL_PATH");
    let (status, body) = app
        .post(
            "/api/models",
            json!({"source": "local", "local_path": format!("{}/../{}", inside.display(), "model")}),
        )
        .await;
    assert_eq!(status, 202, "{body}");
}

#[tokio::test]
async fn an_unsupported_architecture_or_remote_code_is_refused() {
    let app = spawn_app().await;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tiny_repo_copy(tmp.path());
    let mut config: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("config.json")).unwrap()).unwrap();
    config["architectures"] = json!(["BertModel"]);
    std::fs::write(dir.join("config.json"), config.to_string()).unwrap();

    let (status, body) = app
        .post("/api/models", json!({"source": "local", "local_path": dir}))
        .await;
    let error = assert_error(status, &body, 400, "UNSUPPORTED_MODEL");
    assert_eq!(error["details"]["architecture"], "BertModel");

    config["architectures"] = json!(["LlamaForCausalLM"]);
    config["auto_map"] = json!({"AutoModelForCausalLM": "modeling_x.Model"});
    std::fs::write(dir.join("config.json"), config.to_string()).unwrap();
    let (status, body) = app
        .post("/api/models", json!({"source": "local", "local_path": dir}))
        .await;
    assert_error(status, &body, 400, "UNSUPPORTED_MODEL");
}

#[tokio::test]
async fn deleting_a_local_model_leaves_its_folder_untouched() {
    let app = spawn_app().await;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tiny_repo_copy(tmp.path());
    let before: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    let (_, body) = app
        .post(
            "/api/models",
            json!({"source": "local", "local_path": dir, "custom_name": "mine"}),
        )
        .await;
    assert_eq!(body["data"]["name"], "mine");

    let (status, deleted) = app.delete(&format!("/api/models/{}", body["data"]["id"])).await;

    assert_eq!(status, 200);
    assert_eq!(deleted, json!({"success": true, "data": null, "error": null}));
    let after: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(before.len(), after.len());
    let (status, _) = app.get(&format!("/api/models/{}", body["data"]["id"])).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_custom_name_must_be_reasonable() {
    let app = spawn_app().await;
    let (status, body) = app
        .post(
            "/api/models",
            json!({"source": "local", "local_path": "/x", "custom_name": "n".repeat(101)}),
        )
        .await;
    assert_eq!(
        assert_error(status, &body, 422, "VALIDATION_ERROR")["details"]["field"],
        "custom_name"
    );
    let (status, body) = app
        .post(
            "/api/models",
            json!({"source": "local", "local_path": "/x", "custom_name": "  "}),
        )
        .await;
    assert_error(status, &body, 422, "VALIDATION_ERROR");
}
