//! Previewing a hub repo: sizes for Q4, Q8 and FP16, loadability, and gated repos.

use millm_contract::estimator::Estimate;
use millm_contract::events::DeviceMemory;
use millm_contract::model::{Quantization, mib};
use millm_contract::names::WorkerKind;
use millm_contract::workers::GpuWorkerState;
use millm_test_support::RepoOptions;
use serde_json::json;

use crate::common::{assert_error, spawn_app, tiny_repo};

fn local_estimate() -> Estimate {
    let dir = tiny_repo();
    let mut tensors = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "safetensors") {
            let bytes = std::fs::read(&path).unwrap();
            for (name, info) in millm_contract::files::parse_header(&bytes).unwrap() {
                tensors.push((name, info.shape));
            }
        }
    }
    Estimate::from_tensors(tensors.iter().map(|(n, s)| (n.as_str(), s.as_slice())), false)
}

#[tokio::test]
async fn a_preview_counts_tensor_shapes_for_each_level() {
    let app = spawn_app().await;
    let commit = app.publish("org/tiny", &tiny_repo(), RepoOptions::default());

    let (status, body) = app.post("/api/models/preview", json!({"repo_id": "org/tiny"})).await;

    assert_eq!(status, 200, "{body}");
    let p = &body["data"];
    assert_eq!(p["name"], "tiny");
    assert_eq!(p["architecture"], "LlamaForCausalLM");
    assert_eq!(p["loadable"], true);
    assert_eq!(p["unsupported_reason"], serde_json::Value::Null);
    assert_eq!(p["is_gated"], false);
    assert_eq!(p["requires_trust_remote_code"], false);
    assert_eq!(p["revision"], commit);
    assert_eq!(p["estimate_basis"], "tensor_shapes");
    let expected = local_estimate();
    for q in Quantization::ALL {
        assert_eq!(
            p["estimated_sizes"][q.as_str()]["memory_mb"],
            expected.memory_mb(*q),
            "{q}"
        );
    }
    let disk = p["estimated_sizes"]["Q4"]["disk_mb"].clone();
    assert_eq!(p["estimated_sizes"]["FP16"]["disk_mb"], disk);
    assert!(p["estimated_sizes"]["Q4"]["memory_mb"].as_i64() <= p["estimated_sizes"]["FP16"]["memory_mb"].as_i64());
}

#[tokio::test]
async fn a_gated_repo_previews_from_its_model_info_without_a_token() {
    let app = spawn_app().await;
    app.publish(
        "org/gated",
        &tiny_repo(),
        RepoOptions {
            gated: true,
            ..Default::default()
        },
    );

    let (status, body) = app.post("/api/models/preview", json!({"repo_id": "org/gated"})).await;

    assert_eq!(status, 200, "{body}");
    let p = &body["data"];
    assert_eq!(p["is_gated"], true);
    assert_eq!(p["loadable"], serde_json::Value::Null);
    assert_eq!(p["estimate_basis"], "parameter_count");
    assert_eq!(p["architecture"], "LlamaForCausalLM");
    assert_ne!(p["params"], "unknown");
}

#[tokio::test]
async fn an_unsupported_repo_previews_as_not_loadable_with_its_reason() {
    let app = spawn_app().await;
    let tmp = tempfile::tempdir().unwrap();
    let dir = crate::common::tiny_repo_copy(tmp.path());
    let mut config: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("config.json")).unwrap()).unwrap();
    config["architectures"] = json!(["FalconForCausalLM"]);
    std::fs::write(dir.join("config.json"), config.to_string()).unwrap();
    app.publish("org/falcon", &dir, RepoOptions::default());

    let (status, body) = app.post("/api/models/preview", json!({"repo_id": "org/falcon"})).await;

    assert_eq!(status, 200);
    assert_eq!(body["data"]["loadable"], false);
    assert!(body["data"]["unsupported_reason"].as_str().is_some());
}

#[tokio::test]
async fn previewing_a_missing_repo_or_a_bad_id_fails_cleanly() {
    let app = spawn_app().await;
    let (status, body) = app.post("/api/models/preview", json!({"repo_id": "org/none"})).await;
    assert_error(status, &body, 404, "REPO_NOT_FOUND");
    let (status, body) = app.post("/api/models/preview", json!({"repo_id": "../x"})).await;
    assert_error(status, &body, 422, "VALIDATION_ERROR");
    let (status, body) = app.post("/api/models/preview", json!({})).await;
    assert_error(status, &body, 422, "VALIDATION_ERROR");
}

#[tokio::test]
async fn a_preview_without_a_gpu_worker_leaves_memory_unknown_and_measures_free_disk() {
    // Arrange
    let app = spawn_app().await;
    app.publish("org/tiny", &tiny_repo(), RepoOptions::default());

    // Act
    let (status, body) = app.post("/api/models/preview", json!({"repo_id": "org/tiny"})).await;

    // Assert
    assert_eq!(status, 200, "{body}");
    let p = &body["data"];
    assert_eq!(p["available_memory_mb"], serde_json::Value::Null);
    let free_mb = mib(fs4::available_space(app.cache.path()).unwrap());
    let shown = p["available_disk_mb"].as_i64().unwrap();
    assert!((shown - free_mb).abs() < 256, "shown {shown} MiB, free {free_mb} MiB");
    for q in Quantization::ALL {
        let size = &p["estimated_sizes"][q.as_str()];
        assert_eq!(size["fits_memory"], serde_json::Value::Null, "{q}");
        assert_eq!(size["fits_disk"], true, "{q}");
    }
}

/// Publishes a GPU worker's heartbeat until the gateway counts it live.
async fn beat_gpu(app: &crate::common::TestApp, free_mb: i64, loaded_mb: Option<i64>, limit_mb: Option<i64>) {
    let state = GpuWorkerState {
        id: "gpu-test".into(),
        instance: uuid::Uuid::new_v4().to_string(),
        device: "cpu".into(),
        devices: vec![DeviceMemory {
            index: 0,
            name: "cpu".into(),
            total_mb: 4096,
            used_mb: 4096 - free_mb,
            free_mb,
        }],
        loaded_model_id: None,
        loading_model_id: None,
        loaded_memory_mb: loaded_mb,
        memory_limit_mb: limit_mb,
        active: true,
        at: chrono::Utc::now(),
    };
    let subject = app.names.heartbeat(WorkerKind::GpuWorker, "gpu-test");
    for _ in 0..50 {
        app.nats
            .publish(subject.clone(), serde_json::to_vec(&state).unwrap().into())
            .await
            .unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        let (_, gpu) = app.get("/api/system/gpu").await;
        if gpu["data"]["devices"][0]["free_mb"] == free_mb {
            return;
        }
    }
    panic!("the gateway never saw the GPU worker's heartbeat");
}

#[tokio::test]
async fn a_preview_marks_each_level_against_the_memory_a_load_would_have() {
    // Arrange: 1000 MiB free plus a 500 MiB model that a load would replace, capped at 1200.
    let app = spawn_app().await;
    app.publish("org/tiny", &tiny_repo(), RepoOptions::default());
    beat_gpu(&app, 1000, Some(500), Some(1200)).await;

    // Act
    let (status, body) = app.post("/api/models/preview", json!({"repo_id": "org/tiny"})).await;

    // Assert
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["available_memory_mb"], 1200);
    for q in Quantization::ALL {
        assert_eq!(body["data"]["estimated_sizes"][q.as_str()]["fits_memory"], true, "{q}");
    }

    // Arrange: nothing free and nothing loaded.
    beat_gpu(&app, 0, None, None).await;

    // Act
    let (_, body) = app.post("/api/models/preview", json!({"repo_id": "org/tiny"})).await;

    // Assert
    assert_eq!(body["data"]["available_memory_mb"], 0);
    for q in Quantization::ALL {
        assert_eq!(body["data"]["estimated_sizes"][q.as_str()]["fits_memory"], false, "{q}");
    }
}
