//! Several processes on one queue: every job done once.

use std::time::Duration;

use millm_contract::model::ModelStatus;
use millm_test_support::RepoOptions;

use crate::common::TestEnv;
use crate::repos::{repo_files, tiny_repo};

#[tokio::test]
async fn two_downloaders_share_six_jobs_and_each_is_done_once() {
    let env = TestEnv::start().await;
    let source = tiny_repo();
    let repos: Vec<String> = (0..6).map(|i| format!("org/scale-{i}")).collect();
    for repo in &repos {
        env.publish(repo, &source, RepoOptions::default());
        env.hub.set_rate_limit(repo, Some(200_000));
    }
    let mut ids = Vec::new();
    for repo in &repos {
        ids.push(env.request(repo, "Q4", None).await);
    }
    // The gateway reads config.json and the shard headers at POST; count only the downloader.
    env.hub.reset_counters();
    let _one = env.downloader().spawn();
    let _two = env.downloader().spawn();
    for id in ids {
        assert_eq!(
            env.settled(id, Duration::from_secs(90)).await.model.status,
            ModelStatus::Ready
        );
    }
    for repo in &repos {
        for (name, size) in repo_files(&source) {
            if millm_contract::files::is_fetched_file(&name) {
                assert_eq!(env.hub.bytes_served(repo, &name), size, "{repo}/{name} fetched once");
            }
        }
    }
}
