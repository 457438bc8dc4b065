//! Truth across worker lives: a killed worker's model goes back to `ready`, a restarted worker holds nothing (new
//! instance id), `AUTO_LOAD_MODEL` loads without any API call, and a second worker stands by.

use futures::StreamExt;
use millm_contract::workers::GpuWorkerState;
use std::time::Duration;

use crate::common::{gateway, tiny_repo};

const LOAD: Duration = Duration::from_secs(60);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_worker_releases_its_model_and_a_restarted_one_holds_nothing() {
    let gw = gateway().await;
    let (mut worker, gpu) = gw.start_worker(&[]).await;
    let first = gpu["worker"]["instance"].clone();
    let id = gw.register(&gw.copy_repo(&tiny_repo(), "tiny"), "Q4").await;
    assert_eq!(gw.load(id, false).await.0, 202);
    gw.wait_status(id, "loaded", LOAD).await;

    worker.kill();
    // Lost after 3 heartbeats of 1 s; the gateway checks once a second.
    let record = gw.wait_status(id, "ready", Duration::from_secs(8)).await;
    assert!(
        record["error_message"]
            .as_str()
            .is_some_and(|m| m.contains("heartbeat")),
        "{record}"
    );

    let _again = gw.spawn_worker(&[]);
    let gpu = gw
        .wait_gpu(LOAD, |g| {
            g["worker"]["instance"] != first && g["worker"]["instance"].is_string()
        })
        .await;
    assert_eq!(gpu["loaded_model_id"], serde_json::Value::Null, "{gpu}");
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(gw.model(id).await["status"], "ready");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auto_load_model_loads_at_start_without_an_api_call() {
    let gw = gateway().await;
    let id = gw.register(&gw.copy_repo(&tiny_repo(), "tiny"), "Q8").await;
    let (_worker, _) = gw.start_worker(&[("AUTO_LOAD_MODEL", &id.to_string())]).await;
    let record = gw.wait_status(id, "loaded", LOAD).await;
    assert!(record["memory_used_mb"].is_i64(), "{record}");
    gw.wait_gpu(LOAD, |g| g["loaded_model_id"] == id).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_worker_stands_by_takes_no_jobs_and_takes_over_when_the_first_dies() {
    let gw = gateway().await;
    let (mut first, gpu) = gw.start_worker(&[]).await;
    let first_id = gpu["worker"]["id"].as_str().expect("id").to_owned();
    let mut beats = gw
        .nats
        .subscribe(format!("{}.heartbeat.gpu_worker.>", gw.names.namespace()))
        .await
        .expect("sub");
    let second = gw.spawn_worker(&[]);
    let standby = next_beat(&mut beats, |b| b.id != first_id).await;
    assert!(!standby.active, "{standby:?}");

    let id = gw.register(&gw.copy_repo(&tiny_repo(), "tiny"), "Q4").await;
    assert_eq!(gw.load(id, false).await.0, 202);
    gw.wait_status(id, "loaded", LOAD).await;
    let held = next_beat(&mut beats, |b| b.id == first_id && b.loaded_model_id == Some(id)).await;
    assert!(held.active);
    let idle = next_beat(&mut beats, |b| b.id == standby.id).await;
    assert_eq!(
        (idle.active, idle.loaded_model_id, idle.loading_model_id),
        (false, None, None)
    );

    first.kill();
    let took_over = next_beat(&mut beats, |b| b.id == standby.id && b.active).await;
    assert_eq!(took_over.loaded_model_id, None);
    assert_eq!(took_over.instance, standby.instance);
    drop(second);
}

async fn next_beat(beats: &mut async_nats::Subscriber, matches: impl Fn(&GpuWorkerState) -> bool) -> GpuWorkerState {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while let Ok(Some(message)) = tokio::time::timeout_at(deadline, beats.next()).await {
        if let Ok(beat) = serde_json::from_slice::<GpuWorkerState>(&message.payload)
            && matches(&beat)
        {
            return beat;
        }
    }
    panic!("no matching heartbeat within 30 s");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_worker_gives_its_model_back_and_exits_in_time() {
    let gw = gateway().await;
    let (mut worker, _) = gw.start_worker(&[]).await;
    let id = gw.register(&gw.copy_repo(&tiny_repo(), "tiny"), "Q4").await;
    let mut events = gw.events().await;
    assert_eq!(gw.load(id, false).await.0, 202);
    gw.wait_status(id, "loaded", LOAD).await;

    // SHUTDOWN_TIMEOUT_SECS is 5 in the tests.
    assert!(
        worker.terminate(Duration::from_secs(6)),
        "the worker did not exit cleanly in time"
    );
    crate::common::collect_until(&mut events, Duration::from_secs(5), |e| {
        crate::common::is_event(e, "model:unload:complete", id)
    })
    .await;
    let record = gw.model(id).await;
    assert_eq!(record["status"], "ready", "{record}");
    assert_eq!(record["error_message"], serde_json::Value::Null, "{record}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateway_started_later_asks_the_worker_and_keeps_its_loaded_model() {
    let gw = gateway().await;
    let (_worker, _) = gw.start_worker(&[]).await;
    let id = gw.register(&gw.copy_repo(&tiny_repo(), "tiny"), "Q4").await;
    assert_eq!(gw.load(id, false).await.0, 202);
    gw.wait_status(id, "loaded", LOAD).await;

    // A second gateway reconciles at start from the worker's answer on `gpu_status()`.
    let again = millm_gateway::Application::build(gw.config.clone())
        .await
        .expect("second gateway");
    let worker = again
        .state()
        .workers
        .active_gpu()
        .expect("the status answer reached the new gateway");
    assert_eq!(worker.loaded_model_id, Some(id), "{worker:?}");
    assert_eq!(gw.model(id).await["status"], "loaded");
}

/// What a Redis that lost its data does to a running worker: its queue worker is no longer registered, and the next
/// poll fails.
async fn lose_load_queue_keys(gw: &crate::common::Gateway) -> usize {
    let client = redis::Client::open(gw.config.common.redis_url.as_str()).expect("redis url");
    let mut conn = client.get_multiplexed_async_connection().await.expect("redis");
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{}:*", gw.names.load_queue()))
        .query_async(&mut conn)
        .await
        .expect("KEYS");
    if !keys.is_empty() {
        let _: () = redis::cmd("DEL").arg(&keys).query_async(&mut conn).await.expect("DEL");
    }
    keys.len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_load_queue_worker_that_fails_is_started_again_and_the_next_load_runs() {
    // Arrange: the queue worker's registration is lost, so its next poll fails.
    let gw = gateway().await;
    let (mut worker, _) = gw.start_worker(&[]).await;
    let id = gw.register(&gw.copy_repo(&tiny_repo(), "tiny"), "Q4").await;
    assert!(
        lose_load_queue_keys(&gw).await > 0,
        "the worker was registered in Redis"
    );
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while !worker.logged(&["load queue worker", "starting it again"]) {
        assert!(
            std::time::Instant::now() < deadline,
            "the queue worker never failed: {}",
            worker.log.display()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Act
    let (status, body) = gw.load(id, false).await;

    // Assert: the same process took the job.
    assert_eq!(status, 202, "{body}");
    let record = gw.wait_status(id, "loaded", LOAD).await;
    assert!(record["memory_used_mb"].is_i64(), "{record}");
    assert!(
        worker.child.try_wait().expect("worker status").is_none(),
        "the worker is still running"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_load_whose_job_redis_lost_goes_back_to_ready_with_a_message_within_a_minute() {
    // Arrange: the worker's queue registration is lost, so for a second it takes no job; a load
    // is queued in that second, and Redis loses it too.
    let gw = gateway().await;
    let (worker, _) = gw.start_worker(&[]).await;
    let id = gw.register(&gw.copy_repo(&tiny_repo(), "tiny"), "Q4").await;
    lose_load_queue_keys(&gw).await;
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while !worker.logged(&["load queue worker", "starting it again"]) {
        assert!(std::time::Instant::now() < deadline, "the queue worker never failed");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (status, body) = gw.load(id, false).await;
    assert_eq!(status, 202, "{body}");
    assert!(lose_load_queue_keys(&gw).await > 0, "the load job was in Redis");

    // Act
    let record = gw.wait_status(id, "ready", Duration::from_secs(60)).await;

    // Assert
    let message = record["error_message"].as_str().unwrap_or_default();
    assert!(message.contains("load it again"), "{record}");
}
