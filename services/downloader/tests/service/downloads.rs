//! Downloads that work: byte for byte with progress, one copy per revision, gated access.

use std::time::Duration;

use millm_contract::events::Event;
use millm_contract::model::ModelStatus;
use millm_platform::seal::Sealer;
use millm_test_support::RepoOptions;

use crate::common::{TestEnv, next_event};
use crate::repos::{largest_shard, repo_files, tiny_repo};
use millm_test_support::socket::listen;

const LONG: Duration = Duration::from_secs(60);

#[tokio::test]
async fn a_sharded_download_arrives_byte_for_byte_with_monotone_progress_and_every_field_filled() {
    let env = TestEnv::start().await;
    let source = tiny_repo();
    let commit = env.publish("org/tiny", &source, RepoOptions::default());
    let total: u64 = repo_files(&source).iter().map(|(_, size)| size).sum();
    // Slow enough for several progress ticks.
    env.hub.set_rate_limit("org/tiny", Some(total / 2));
    let mut socket = listen(&env.address, None).await;
    let id = env.request("org/tiny", "Q4", None).await;
    // The gateway reads config.json and the shard headers at POST; count only the downloader.
    env.hub.reset_counters();
    let _downloader = env.downloader().spawn();
    let mut percents = Vec::new();
    while let Some(event) = socket.next_named("model:download:progress", LONG).await {
        assert_eq!(event["model_id"], id);
        let percent = event["progress"].as_f64().expect("progress");
        assert!(
            event["bytes_downloaded"].as_u64() <= event["total_bytes"].as_u64(),
            "{event}"
        );
        assert_eq!(event["total_bytes"].as_u64(), Some(total), "{event}");
        for key in ["speed_mbps", "files_done", "files_total", "eta_seconds"] {
            assert!(event.get(key).is_some(), "{key} missing from {event}");
        }
        percents.push(percent);
        if percent >= 100.0 {
            break;
        }
    }
    assert!(percents.len() >= 3, "a start, ticks and an end: {percents:?}");
    assert!(percents.windows(2).all(|w| w[0] <= w[1]), "monotone: {percents:?}");
    assert_eq!(percents.last(), Some(&100.0));
    let complete = socket
        .next_named("model:download:complete", LONG)
        .await
        .expect("complete event");
    assert_eq!(complete["model"]["status"], "ready");

    let record = env.settled(id, LONG).await;
    let model = &record.model;
    assert_eq!(model.status, ModelStatus::Ready, "{model:?}");
    assert_eq!(model.revision.as_deref(), Some(commit.as_str()));
    assert_eq!(model.architecture.as_deref(), Some("LlamaForCausalLM"));
    assert!(model.params.is_some() && model.disk_size_mb.is_some() && model.estimated_memory_mb.is_some());
    assert!(record.config_json.is_some());
    assert_eq!(record.cache_path, format!("models--org--tiny/snapshots/{commit}"));
    assert_eq!(model.download_progress, None);

    let snapshot = env.snapshot("org/tiny", &commit);
    for (name, size) in repo_files(&source) {
        if !millm_contract::files::is_fetched_file(&name) {
            assert!(!snapshot.join(&name).exists(), "{name} is not a model file");
            continue;
        }
        let got = std::fs::read(snapshot.join(&name)).expect("snapshot file");
        assert!(
            got == std::fs::read(source.join(&name)).expect("source file"),
            "{name} differs"
        );
        assert_eq!(env.hub.bytes_served("org/tiny", &name), size, "{name} fetched once");
    }
}

#[tokio::test]
async fn q4_and_q8_of_one_repo_share_one_copy_and_a_third_record_fetches_nothing() {
    let env = TestEnv::start().await;
    let source = tiny_repo();
    let commit = env.publish("org/shared", &source, RepoOptions::default());
    let q4 = env.request("org/shared", "Q4", None).await;
    let q8 = env.request("org/shared", "Q8", None).await;
    // The gateway reads config.json and the shard headers at POST; count only the downloader.
    env.hub.reset_counters();
    let _downloader = env.downloader().spawn();
    assert_eq!(env.settled(q4, LONG).await.model.status, ModelStatus::Ready);
    assert_eq!(env.settled(q8, LONG).await.model.status, ModelStatus::Ready);
    let (shard, size) = largest_shard(&source);
    assert_eq!(env.hub.bytes_served("org/shared", &shard), size, "one copy fetched");
    let fetched = repo_files(&source)
        .iter()
        .filter(|(name, _)| millm_contract::files::is_fetched_file(name))
        .count();
    assert_eq!(env.blobs("org/shared").len(), fetched, "one blob per file");

    let fp16 = env.request("org/shared", "FP16", None).await;
    env.hub.reset_counters();
    assert_eq!(env.settled(fp16, LONG).await.model.status, ModelStatus::Ready);
    for (name, _) in repo_files(&source) {
        assert_eq!(env.hub.bytes_served("org/shared", &name), 0, "{name} fetched again");
    }
    assert!(env.snapshot("org/shared", &commit).join(&shard).exists());
}

#[tokio::test]
async fn a_gated_repo_needs_a_token_that_the_hub_accepts() {
    let env = TestEnv::start().await;
    let options = RepoOptions {
        gated: true,
        allowed_tokens: vec!["hf_good".into()],
        ..RepoOptions::default()
    };
    let commit = env.publish("org/gated", &tiny_repo(), options);
    env.hub.add_token("hf_good");
    let sealer = Sealer::new(&millm_test_support::env::secret_key());
    let _downloader = env.downloader().spawn();
    let mut events = env.events().await;

    let no_token = env.insert_and_push("org/gated", &commit, None).await;
    let error = next_event(&mut events, no_token, "model:download:error", LONG).await;
    let Some(Event::DownloadError(error)) = error else {
        panic!("no error event")
    };
    assert_eq!(error.error.code.as_str(), "GATED_MODEL_NO_TOKEN");
    let record = env.settled(no_token, LONG).await;
    assert_eq!(record.model.status, ModelStatus::Error);
    assert!(record.model.error_message.is_some());
    sqlx::query("DELETE FROM models WHERE id = $1")
        .bind(no_token)
        .execute(&env.pool)
        .await
        .expect("delete");

    let bad = sealer.seal(&millm_contract::config::Secret::new("hf_bad"));
    let bad_token = env.insert_and_push("org/gated", &commit, Some(bad)).await;
    let error = next_event(&mut events, bad_token, "model:download:error", LONG).await;
    let Some(Event::DownloadError(error)) = error else {
        panic!("no error event")
    };
    assert_eq!(error.error.code.as_str(), "INVALID_HF_TOKEN");
    sqlx::query("DELETE FROM models WHERE id = $1")
        .bind(bad_token)
        .execute(&env.pool)
        .await
        .expect("delete");

    let good = env.request("org/gated", "Q4", Some("hf_good")).await;
    assert_eq!(env.settled(good, LONG).await.model.status, ModelStatus::Ready);
}

#[tokio::test]
async fn the_servers_hf_token_is_used_when_the_job_brings_none() {
    let env = TestEnv::start().await;
    let options = RepoOptions {
        gated: true,
        allowed_tokens: vec!["hf_server".into()],
        ..RepoOptions::default()
    };
    let commit = env.publish("org/gated", &tiny_repo(), options);
    env.hub.add_token("hf_server");
    let _downloader = env.downloader().var("HF_TOKEN", "hf_server").spawn();
    let id = env.insert_and_push("org/gated", &commit, None).await;
    assert_eq!(env.settled(id, LONG).await.model.status, ModelStatus::Ready);
}

#[tokio::test]
async fn a_cache_made_by_python_huggingface_hub_is_reused_without_fetching_a_byte() {
    let env = TestEnv::start().await;
    let source = tiny_repo();
    let commit = env.publish("org/python", &source, RepoOptions::default());
    let python = millm_test_support::python::interpreter().expect("the project's Python (.venv)");
    let script = "import sys\nfrom huggingface_hub import snapshot_download\n\
        snapshot_download('org/python', cache_dir=sys.argv[1], allow_patterns=['*.json', '*.safetensors'])";
    let status = std::process::Command::new(python)
        .args(["-c", script])
        .arg(env.cache.path())
        .env("HF_ENDPOINT", env.hub.url())
        .env("HF_HUB_DISABLE_XET", "1")
        .env("HF_HUB_DISABLE_TELEMETRY", "1")
        .env("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        .stdout(std::process::Stdio::null())
        .env_remove("HF_TOKEN")
        .status()
        .expect("run python");
    assert!(status.success(), "snapshot_download failed: {status}");

    let id = env.request("org/python", "Q4", None).await;
    env.hub.reset_counters();
    let _downloader = env.downloader().spawn();
    let record = env.settled(id, LONG).await;
    assert_eq!(record.model.status, ModelStatus::Ready, "{:?}", record.model);
    for (name, _) in repo_files(&source) {
        assert_eq!(env.hub.bytes_served("org/python", &name), 0, "{name} fetched again");
    }
    assert_eq!(record.cache_path, format!("models--org--python/snapshots/{commit}"));
}

#[tokio::test]
async fn two_repos_holding_the_same_files_download_side_by_side() {
    // Arrange: identical files in two repos, each capped so that one alone takes about ten seconds.
    let env = TestEnv::start().await;
    let source = crate::repos::big_repo();
    env.publish("org/copy-a", &source, RepoOptions::default());
    env.publish("org/copy-b", &source, RepoOptions::default());
    for repo in ["org/copy-a", "org/copy-b"] {
        env.hub.set_rate_limit(repo, Some(1024 * 1024));
    }
    let _downloader = env.downloader().spawn();
    let mut events = env.events().await;

    // Act
    let a = env.request("org/copy-a", "Q4", None).await;
    let b = env.request("org/copy-b", "Q4", None).await;
    crate::common::progress_reaches(&mut events, b, 20.0, LONG).await;

    // Assert: had b waited for a's blobs, a would be done by now.
    let first = env.record(a).await.expect("record");
    assert_eq!(first.model.status, ModelStatus::Downloading, "b waited for a");
    assert_eq!(env.settled(a, LONG).await.model.status, ModelStatus::Ready);
    assert_eq!(env.settled(b, LONG).await.model.status, ModelStatus::Ready);
}
