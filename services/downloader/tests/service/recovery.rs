//! Postgres is the truth: a Redis that lost its data (it keeps nothing on disk here) strands no
//! download. The gateway pushes again every `downloading` record with no job and no worker.

use std::time::Duration;

use millm_contract::model::ModelStatus;
use millm_test_support::RepoOptions;

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
