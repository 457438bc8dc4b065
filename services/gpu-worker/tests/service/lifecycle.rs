//! Load, switch, unload, abort, a replayed job, and the memory limit, through the gateway's routes and the worker's
//! events.

use millm_contract::jobs::LoadJob;
use millm_contract::workers::{UnloadReply, UnloadRequest};
use millm_platform::queue::{self, Liveness};
use std::time::Duration;

use crate::common::{collect_until, gateway, is_event, medium_repo, small_repo, tiny_repo};

const LOAD: Duration = Duration::from_secs(60);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_model_loads_switches_unloads_and_a_replayed_job_changes_nothing() {
    let gw = gateway().await;
    let (_worker, _) = gw.start_worker(&[]).await;
    let small = gw.register(&gw.copy_repo(&small_repo(), "small"), "Q4").await;
    let tiny = gw.register(&gw.copy_repo(&tiny_repo(), "tiny"), "Q8").await;
    let mut events = gw.events().await;

    // Load: 202 with the record loading, then loaded with measured memory, shown by /api/system/gpu.
    let (status, body) = gw.load(small, false).await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["data"]["status"], "loading");
    let seen = collect_until(&mut events, LOAD, |e| is_event(e, "model:load:complete", small)).await;
    let stages: Vec<&str> = seen
        .iter()
        .filter(|e| is_event(e, "model:load:progress", small))
        .filter_map(|e| e["data"]["stage"].as_str())
        .collect();
    for stage in ["reading", "quantizing", "verifying"] {
        assert!(stages.contains(&stage), "no {stage} progress in {stages:?}");
    }
    let complete = seen.last().expect("complete");
    assert!(
        complete["data"]["memory_used_mb"].as_i64().is_some_and(|mb| mb > 0),
        "{complete}"
    );
    let loaded = gw.wait_status(small, "loaded", LOAD).await;
    assert!(loaded["memory_used_mb"].as_i64().is_some_and(|mb| mb > 0), "{loaded}");
    let gpu = gw.wait_gpu(LOAD, |g| g["loaded_model_id"] == small).await;
    assert_eq!(gpu["device"], "cpu");

    // A replayed job (same load_id) after the load finished is a no-op.
    let record = millm_platform::db::get(&gw.pool, small)
        .await
        .expect("db")
        .expect("record");
    let job = LoadJob {
        model_id: small,
        load_id: record.load_id.expect("load_id"),
        traceparent: None,
    };
    let redis = queue::connect(&gw.config.common.redis_url).await.expect("redis");
    let mut storage = queue::load_storage(redis, &gw.names, Liveness::default());
    queue::push_load(&mut storage, job).await.expect("push");
    tokio::time::sleep(Duration::from_secs(3)).await;
    let after = gw.model(small).await;
    assert_eq!(after["status"], "loaded");
    assert_eq!(after["loaded_at"], loaded["loaded_at"], "the replay reloaded the model");
    while let Ok(Some(message)) =
        tokio::time::timeout(Duration::from_millis(200), futures::StreamExt::next(&mut events)).await
    {
        let event: serde_json::Value = serde_json::from_slice(&message.payload).expect("json");
        assert!(event["event"] == "system:gpu", "the replay published {event}");
    }

    // Switch: loading another model unloads the first one.
    let (status, body) = gw.load(tiny, false).await;
    assert_eq!(status, 202, "{body}");
    let seen = collect_until(&mut events, LOAD, |e| is_event(e, "model:load:complete", tiny)).await;
    assert!(
        seen.iter().any(|e| is_event(e, "model:unload:complete", small)),
        "{seen:?}"
    );
    assert_eq!(gw.model(small).await["status"], "ready");
    gw.wait_status(tiny, "loaded", LOAD).await;
    gw.wait_gpu(LOAD, |g| g["loaded_model_id"] == tiny).await;

    // Unload through the route: 200 with the record ready.
    let (status, body) = gw.post(&format!("/api/models/{tiny}/unload"), None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["status"], "ready");
    assert_eq!(body["data"]["memory_used_mb"], serde_json::Value::Null);
    gw.wait_gpu(LOAD, |g| g["loaded_model_id"].is_null()).await;

    // The memory an unload releases is measured: ask the worker directly, as the gateway does.
    let (status, _) = gw.load(small, false).await;
    assert_eq!(status, 202);
    gw.wait_status(small, "loaded", LOAD).await;
    let request = serde_json::to_vec(&UnloadRequest { model_id: small }).expect("json");
    let reply = gw
        .nats
        .request(gw.names.gpu_unload(), request.into())
        .await
        .expect("unload reply");
    match serde_json::from_slice::<UnloadReply>(&reply.payload).expect("reply") {
        UnloadReply::Unloaded { memory_released_mb } => {
            assert!(memory_released_mb > 0, "released {memory_released_mb}")
        }
        other => panic!("expected Unloaded, got {other:?}"),
    }
    assert_eq!(gw.model(small).await["status"], "ready");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unloading_a_loading_model_aborts_its_load() {
    let gw = gateway().await;
    let (_worker, _) = gw.start_worker(&[]).await;
    let id = gw.register(&gw.copy_repo(&medium_repo(), "medium"), "Q4").await;
    let mut events = gw.events().await;
    let (status, body) = gw.load(id, false).await;
    assert_eq!(status, 202, "{body}");
    collect_until(&mut events, LOAD, |e| {
        is_event(e, "model:load:progress", id) && e["data"]["stage"] == "quantizing"
    })
    .await;

    let (status, body) = gw.post(&format!("/api/models/{id}/unload"), None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["status"], "ready");
    let seen = collect_until(&mut events, LOAD, |e| is_event(e, "model:unload:complete", id)).await;
    assert!(
        !seen.iter().any(|e| is_event(e, "model:load:complete", id)),
        "the load finished: {seen:?}"
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    let record = gw.model(id).await;
    assert_eq!(record["status"], "ready", "{record}");
    assert_eq!(
        record["error_message"],
        serde_json::Value::Null,
        "an abort is no failure: {record}"
    );
    gw.wait_gpu(LOAD, |g| g["loaded_model_id"].is_null()).await;
}

/// `DEVICE_MEMORY_LIMIT_MB`: the gateway's 507, `force` past it, and the worker's own refusal of an allocation past
/// the limit, after which the record is back to `ready` and the worker keeps serving.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn force_passes_a_507_and_an_allocation_past_the_limit_goes_back_to_ready() {
    let gw = gateway().await;
    // The small model's estimate (about 5 MiB) exceeds 2 MiB; the tiny one's weights fit.
    let (_worker, gpu) = gw.start_worker(&[("DEVICE_MEMORY_LIMIT_MB", "2")]).await;
    assert!(
        gpu["devices"][0]["total_mb"].as_i64().is_some_and(|mb| mb <= 2),
        "{gpu}"
    );
    let small = gw.register(&gw.copy_repo(&small_repo(), "small"), "Q4").await;
    let tiny = gw.register(&gw.copy_repo(&tiny_repo(), "tiny"), "Q4").await;

    let (status, body) = gw.load(small, false).await;
    assert_eq!(status, 507, "{body}");
    assert_eq!(body["error"]["code"], "INSUFFICIENT_MEMORY");

    let mut events = gw.events().await;
    let (status, body) = gw.load(small, true).await;
    assert_eq!(status, 202, "{body}");
    let seen = collect_until(&mut events, LOAD, |e| is_event(e, "model:load:error", small)).await;
    let error = &seen.last().expect("error")["data"]["error"];
    assert_eq!(error["code"], "INSUFFICIENT_MEMORY", "{error}");
    let record = gw.wait_status(small, "ready", LOAD).await;
    assert_eq!(record["error_stage"], "load", "{record}");
    let message = record["error_message"].as_str().expect("message");
    assert!(message.contains("DEVICE_MEMORY_LIMIT_MB"), "{message}");

    // The worker keeps serving: a model that fits loads.
    let (status, body) = gw.load(tiny, false).await;
    assert_eq!(status, 202, "{body}");
    gw.wait_status(tiny, "loaded", LOAD).await;
    gw.wait_gpu(LOAD, |g| g["loaded_model_id"] == tiny).await;
}
