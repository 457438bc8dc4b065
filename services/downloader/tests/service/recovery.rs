//! Postgres is the truth: a Redis that lost its data (it keeps nothing on disk here) strands no
//! download. The gateway pushes again every `downloading` record with no job and no worker.

use std::time::Duration;

use millm_contract::model::ModelStatus;
use millm_gateway::domain::reconcile::RECONCILE_EVERY;
use millm_platform::db::{Lease, LeaseKey};
use millm_test_support::RepoOptions;
use millm_test_support::nats::NatsServer;
use millm_test_support::socket::listen;

use crate::common::{TestEnv, progress_reaches};
use crate::repos::{big_repo, tiny_repo};

/// The bound: within 60 s of Redis losing its keys, the download is worked again.
const BOUND: Duration = Duration::from_secs(60);
const RATE: u64 = 2 * 1024 * 1024;

/// What `FLUSHALL` would do to this test's namespace, without touching parallel tests' keys.
async fn lose_redis_keys(env: &TestEnv) -> usize {
    let client = redis::Client::open("redis://127.0.0.1:6379").unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{}:*", env.names.download_queue()))
        .query_async(&mut conn)
        .await
        .unwrap();
    if !keys.is_empty() {
        let _: () = redis::cmd("DEL").arg(&keys).query_async(&mut conn).await.unwrap();
    }
    keys.len()
}

#[tokio::test]
async fn a_queued_download_whose_job_redis_lost_is_pushed_again_and_finishes() {
    // Arrange: the job is queued while no downloader runs, then Redis loses it.
    let env = TestEnv::start().await;
    env.publish("org/queued", &tiny_repo(), RepoOptions::default());
    let id = env.request("org/queued", "Q4", None).await;
    assert!(lose_redis_keys(&env).await > 0, "the job was in Redis");

    // Act
    let _downloader = env.downloader().spawn();
    let record = env.settled(id, BOUND).await;

    // Assert
    assert_eq!(record.model.status, ModelStatus::Ready, "{:?}", record.model);
}

#[tokio::test]
async fn a_running_download_whose_job_redis_lost_still_finishes() {
    // Arrange
    let env = TestEnv::start().await;
    env.publish("org/running", &big_repo(), RepoOptions::default());
    env.hub.set_rate_limit("org/running", Some(RATE));
    let _downloader = env.downloader().spawn();
    let mut events = env.events().await;
    let id = env.request("org/running", "Q4", None).await;
    progress_reaches(&mut events, id, 10.0, BOUND).await;

    // Act
    lose_redis_keys(&env).await;
    env.hub.set_rate_limit("org/running", None);
    let record = env.settled(id, BOUND).await;

    // Assert
    assert_eq!(record.model.status, ModelStatus::Ready, "{:?}", record.model);
}

#[tokio::test]
async fn a_file_left_fully_written_but_never_verified_is_checked_and_moved_into_place() {
    // Arrange: what a job stopped between its last byte and its hash check leaves behind: the
    // whole partial file, and a resume state that says every chunk is on disk.
    let env = TestEnv::start().await;
    let repo = tiny_repo();
    let commit = env.publish("org/unverified", &repo, RepoOptions::default());
    let config = std::fs::read(repo.join("config.json")).expect("config.json");
    let etag = millm_test_support::git_blob_sha1(&config);
    let blob = millm_platform::cache::blob_path(env.cache.path(), "org/unverified", &etag).expect("blob path");
    std::fs::create_dir_all(blob.parent().expect("blobs")).expect("blobs dir");
    std::fs::write(blob.with_extension("incomplete"), &config).expect("partial file");
    let state = serde_json::json!({"version": 1, "size": config.len(), "chunk_bytes": 1024 * 1024,
        "expected": format!("git-sha1:{etag}"), "done": [0], "partial": []});
    std::fs::write(blob.with_extension("incomplete.state"), state.to_string()).expect("state");
    let _downloader = env.downloader().spawn();

    // Act
    let id = env.request("org/unverified", "Q4", None).await;
    let record = env.settled(id, BOUND).await;

    // Assert
    assert_eq!(record.model.status, ModelStatus::Ready, "{:?}", record.model);
    let linked = env.snapshot("org/unverified", &commit).join("config.json");
    assert_eq!(std::fs::read(linked).expect("config.json in the snapshot"), config);
    assert!(
        !blob.with_extension("incomplete").exists(),
        "the partial file became the blob"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_download_survives_a_nats_restart_and_the_relay_resumes_without_a_gateway_restart() {
    // Arrange: a NATS of this test's own, a throttled download under way, a browser's socket.
    let mut nats = NatsServer::start().await;
    let url = nats.url();
    let env = TestEnv::start_with(|config| config.common.nats_url = url).await;
    env.publish("org/nats", &big_repo(), RepoOptions::default());
    env.hub.set_rate_limit("org/nats", Some(RATE));
    let _downloader = env.downloader().spawn();
    let mut events = env.events().await;
    let mut socket = listen(&env.address, None).await;
    let id = env.request("org/nats", "Q4", None).await;
    progress_reaches(&mut events, id, 10.0, BOUND).await;

    // Act: NATS goes away mid-download and comes back; the clients reconnect by themselves.
    nats.restart(Duration::from_secs(1)).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    env.hub.set_rate_limit("org/nats", None);
    let record = env.settled(id, BOUND).await;

    // Assert: the download finished, and the gateway still relays its events to the socket.
    assert_eq!(record.model.status, ModelStatus::Ready, "{:?}", record.model);
    let complete = socket
        .next_named("model:download:complete", Duration::from_secs(30))
        .await;
    assert_eq!(complete.expect("the relay resumed")["model_id"], id);
}

/// The ids of the downloads that have a job in Redis now.
async fn pending(env: &TestEnv) -> std::collections::HashSet<i64> {
    let mut conn = millm_platform::queue::connect("redis://127.0.0.1:6379")
        .await
        .expect("redis");
    millm_platform::queue::pending_downloads(&mut conn, &env.names)
        .await
        .expect("pending downloads")
}

#[tokio::test]
async fn the_periodic_reconcile_runs_only_on_the_gateway_that_holds_its_lease() {
    // Arrange: a queued download whose job Redis lost, and the reconcile lease held elsewhere,
    // as another gateway replica would hold it.
    let env = TestEnv::start().await;
    env.publish("org/replicas", &tiny_repo(), RepoOptions::default());
    let id = env.request("org/replicas", "Q4", None).await;
    let key = LeaseKey::Reconcile(env.names.namespace().to_owned());
    let other_replica = Lease::try_acquire(&env.pool, key).await.expect("lease").expect("free");
    lose_redis_keys(&env).await;

    // Act
    tokio::time::sleep(RECONCILE_EVERY + Duration::from_secs(2)).await;
    let while_held = pending(&env).await;
    other_replica.release().await;
    let deadline = tokio::time::Instant::now() + RECONCILE_EVERY + Duration::from_secs(5);
    let mut after = pending(&env).await;
    while !after.contains(&id) && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(250)).await;
        after = pending(&env).await;
    }

    // Assert
    assert!(!while_held.contains(&id), "a gateway without the lease pushed the job");
    assert!(after.contains(&id), "the lease's next holder pushed it again");
}
