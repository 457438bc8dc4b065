//! The transfer engine on a healthy hub: parallel ranges, several files, verification, the
//! bandwidth limit, cancel, and blobs already in the cache.

use std::time::{Duration, Instant};

use crate::helpers::{REPO, Setup, engine, git_sha1_hex, payload, quick_config};
use futures::FutureExt;
use millm_downloader::transfer::{Expected, FetchOutcome, FileSpec, MIB, ProgressCounter, TransferError, fan_out};
use tokio_util::sync::CancellationToken;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_multi_chunk_file_is_fetched_byte_for_byte_and_its_sha256_verified() {
    // Arrange
    let bytes = payload(9 * MIB as usize + 12_345, 1);
    let setup = Setup::serving(&[("model.safetensors", &bytes)]).await;
    let spec = setup.spec("model.safetensors", &bytes);
    let progress = ProgressCounter::new();

    // Act
    let outcome = engine(quick_config())
        .fetch(&spec, &progress, &CancellationToken::new())
        .await
        .expect("fetch");

    // Assert
    let FetchOutcome::Downloaded(stats) = outcome else {
        panic!("expected a download, got {outcome:?}")
    };
    assert_eq!(stats.bytes_transferred, bytes.len() as u64);
    assert_eq!(std::fs::read(&spec.dest_blob).expect("blob"), bytes);
    assert_eq!(progress.get(), bytes.len() as u64);
    assert_eq!(setup.hub.bytes_served(REPO, "model.safetensors"), bytes.len() as u64);
    assert!(
        setup.hub.request_count(REPO, "model.safetensors") >= 10,
        "one request per 1 MiB chunk"
    );
    assert!(!spec.incomplete_path().exists() && !spec.state_path().exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_with_only_its_size_to_check_is_fetched_whole_without_a_hash() {
    // Arrange: the hasher only follows such a file's prefix (for the early writeback).
    let bytes = payload(5 * MIB as usize + 777, 9);
    let setup = Setup::serving(&[("weights.bin", &bytes)]).await;
    let spec = FileSpec {
        expected: Expected::SizeOnly,
        ..setup.spec("weights.bin", &bytes)
    };
    let progress = ProgressCounter::new();

    // Act
    let outcome = engine(quick_config())
        .fetch(&spec, &progress, &CancellationToken::new())
        .await
        .expect("fetch");

    // Assert
    assert!(matches!(outcome, FetchOutcome::Downloaded(_)), "{outcome:?}");
    assert_eq!(std::fs::read(&spec.dest_blob).expect("blob"), bytes);
    assert_eq!(progress.get(), bytes.len() as u64);
    assert!(!spec.incomplete_path().exists() && !spec.state_path().exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_files_are_fetched_at_once_including_git_hashed_small_files() {
    // Arrange
    let big = payload(3 * MIB as usize, 2);
    let other = payload(2 * MIB as usize + 1, 3);
    let config = br#"{"architectures": ["LlamaForCausalLM"]}"#.to_vec();
    let setup = Setup::serving(&[
        ("a.safetensors", &big),
        ("sub/b.safetensors", &other),
        ("config.json", &config),
    ])
    .await;
    let git = git_sha1_hex(&config);
    let specs = [
        setup.spec("a.safetensors", &big),
        setup.spec("sub/b.safetensors", &other),
        FileSpec {
            expected: Expected::GitSha1(git.clone()),
            dest_blob: setup.blob(&git),
            ..setup.spec("config.json", &config)
        },
    ];
    let progress = ProgressCounter::new();

    // Act
    let engine = engine(quick_config());
    let (engine, progress_ref) = (&engine, &progress);
    fan_out(
        specs.iter().collect(),
        |spec| spec.size,
        3,
        &CancellationToken::new(),
        |spec, cancel| async move { engine.fetch(spec, progress_ref, &cancel).await.map(drop) }.boxed(),
    )
    .await
    .expect("fetch every file");

    // Assert
    for (spec, bytes) in specs.iter().zip([&big, &other, &config]) {
        assert_eq!(&std::fs::read(&spec.dest_blob).expect("blob"), bytes, "{}", spec.name);
    }
    assert_eq!(progress.get(), (big.len() + other.len() + config.len()) as u64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_stops_a_running_fetch_within_two_seconds_and_keeps_the_partial_file() {
    // Arrange
    let bytes = payload(32 * MIB as usize, 6);
    let setup = Setup::serving(&[("model.safetensors", &bytes)]).await;
    setup.hub.set_rate_limit(REPO, Some(2 * MIB));
    let spec = setup.spec("model.safetensors", &bytes);
    let cancel = CancellationToken::new();
    let running = {
        let (engine, spec, cancel) = (engine(quick_config()), spec.clone(), cancel.clone());
        tokio::spawn(async move { engine.fetch(&spec, &ProgressCounter::new(), &cancel).await })
    };
    tokio::time::sleep(Duration::from_millis(500)).await;

    // Act
    let asked = Instant::now();
    cancel.cancel();
    let result = tokio::time::timeout(Duration::from_secs(5), running).await;
    let took = asked.elapsed();

    // Assert
    let result = result.expect("stopped").expect("join");
    assert!(matches!(result, Err(TransferError::Cancelled)), "{result:?}");
    assert!(took < Duration::from_secs(2), "took {took:?}");
    assert!(spec.incomplete_path().exists() && spec.state_path().exists());
    assert!(!spec.dest_blob.exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blob_already_in_the_cache_is_present_without_any_request() {
    // Arrange
    let bytes = payload(2 * MIB as usize, 7);
    let setup = Setup::serving(&[("model.safetensors", &bytes)]).await;
    let spec = setup.spec("model.safetensors", &bytes);
    std::fs::create_dir_all(spec.dest_blob.parent().expect("parent")).expect("blobs");
    std::fs::write(&spec.dest_blob, &bytes).expect("blob");
    let progress = ProgressCounter::new();

    // Act
    let outcome = engine(quick_config())
        .fetch(&spec, &progress, &CancellationToken::new())
        .await;

    // Assert
    assert_eq!(outcome.expect("fetch"), FetchOutcome::AlreadyPresent);
    assert_eq!(setup.hub.request_count(REPO, "model.safetensors"), 0);
    assert_eq!(setup.hub.bytes_served(REPO, "model.safetensors"), 0);
    assert_eq!(progress.get(), bytes.len() as u64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bandwidth_limit_caps_the_transfer_rate() {
    // Arrange: 4 MiB at 8 MiB/s takes about half a second (minus the bucket's quarter-second burst).
    let bytes = payload(4 * MIB as usize, 8);
    let setup = Setup::serving(&[("model.safetensors", &bytes)]).await;
    let spec = setup.spec("model.safetensors", &bytes);
    let limited = engine(millm_downloader::transfer::EngineConfig {
        max_bandwidth_mib_s: 8.0,
        ..quick_config()
    });

    // Act
    let started = Instant::now();
    let outcome = limited
        .fetch(&spec, &ProgressCounter::new(), &CancellationToken::new())
        .await;
    let took = started.elapsed();

    // Assert
    assert!(matches!(outcome, Ok(FetchOutcome::Downloaded(_))), "{outcome:?}");
    assert!(took >= Duration::from_millis(200), "took {took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_behind_the_cdn_is_resolved_once_and_its_chunks_go_straight_to_the_cdn() {
    // Arrange: a token-holding client, as for a gated repo; the CDN refuses any request with one.
    let bytes = payload(9 * MIB as usize + 4_321, 11);
    let setup = Setup::serving(&[("model.safetensors", &bytes)]).await;
    setup.hub.serve_via_cdn(REPO, true);
    setup.hub.add_token("hf_reader");
    let spec = FileSpec {
        token: Some(millm_contract::config::Secret::new("hf_reader")),
        ..setup.spec("model.safetensors", &bytes)
    };

    // Act
    engine(quick_config())
        .fetch(&spec, &ProgressCounter::new(), &CancellationToken::new())
        .await
        .expect("fetch");

    // Assert
    assert_eq!(std::fs::read(&spec.dest_blob).expect("blob"), bytes);
    assert_eq!(
        setup.hub.request_count(REPO, "model.safetensors"),
        1,
        "one hub round trip"
    );
    assert!(
        setup.hub.cdn_request_count(REPO, "model.safetensors") >= 10,
        "one CDN request per 1 MiB chunk"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_cdn_url_is_resolved_again_and_the_file_completes() {
    // Arrange: URLs that expire within a second, and a transfer that takes about two.
    let bytes = payload(6 * MIB as usize, 12);
    let setup = Setup::serving(&[("model.safetensors", &bytes)]).await;
    setup.hub.serve_via_cdn(REPO, true);
    setup.hub.set_cdn_url_ttl(Duration::ZERO);
    setup.hub.set_rate_limit(REPO, Some(3 * MIB));
    let spec = setup.spec("model.safetensors", &bytes);

    // Act
    engine(quick_config())
        .fetch(&spec, &ProgressCounter::new(), &CancellationToken::new())
        .await
        .expect("fetch");

    // Assert
    assert_eq!(std::fs::read(&spec.dest_blob).expect("blob"), bytes);
    assert!(
        setup.hub.request_count(REPO, "model.safetensors") >= 2,
        "resolved again after the URL expired"
    );
}
