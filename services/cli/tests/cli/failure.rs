//! A download that fails after it started: `pull` exits 4 with the code, `ls` shows the error,
//! and `retry` brings the model back to ready.

use millm_test_support::RepoOptions;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};

use crate::common::{Env, tiny_repo};

/// The largest `*.safetensors` file of `dir`, and its size.
fn largest_shard(dir: &std::path::Path) -> (String, u64) {
    std::fs::read_dir(dir)
        .expect("repo")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".safetensors"))
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                e.metadata().expect("meta").len(),
            )
        })
        .max_by_key(|(_, size)| *size)
        .expect("a shard")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_download_failing_after_it_started_exits_4_and_retry_brings_it_to_ready() {
    // Arrange: queued first (the gateway's reads would otherwise meet the fault), then a shard
    // corrupted twice, which the downloader gives up on; a pull attached before it starts.
    let env = Env::start(None).await;
    let repo = tiny_repo();
    env.hub
        .add_repo("org/bad", &repo, RepoOptions::default())
        .expect("served");
    let queued = env.millm(&["pull", "org/bad", "--detach", "--json"]).await;
    assert_eq!(queued.code, 0, "{queued}");
    let id = queued.json()["id"].to_string();
    let (shard, size) = largest_shard(&repo);
    env.hub.corrupt_next("org/bad", &shard, size / 3, 2);
    let mut attached = env.spawn_millm(&["pull", "org/bad"]);
    let mut stderr = BufReader::new(attached.stderr.take().expect("stderr"));
    let mut first = String::new();
    stderr.read_line(&mut first).await.expect("stderr");
    assert!(first.contains("already downloading"), "{first}");

    // Act
    env.start_downloader().await;
    let status = attached.wait().await.expect("millm ends");
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).await.expect("stderr");
    let ls = env.millm(&["ls"]).await;
    // Under load the download may fail before both corruptions are met: the retry must be clean.
    env.hub.clear_faults("org/bad");
    let retry = env.millm(&["retry", &id]).await;
    let again = env.millm(&["pull", "org/bad", "--json"]).await;
    let record = env.millm(&["show", &id, "--json"]).await;

    // Assert
    assert_eq!(status.code(), Some(4), "{first}{rest}");
    assert!(rest.contains("DOWNLOAD_FAILED"), "{rest}");
    assert!(ls.stdout.contains("error (download)"), "{ls}");
    assert_eq!(retry.code, 0, "{retry}");
    assert_eq!(again.code, 0, "{again}\nthe record then: {record}");
    assert_eq!(again.json()["status"], "ready", "{again}");
    assert_eq!(again.json()["id"].to_string(), id, "retry keeps the id");
}
