//! Resuming: after a cancel, after a crash that saved no final state, from a partial file left by
//! Python's huggingface_hub, and refusing a partial file whose state describes another version.

use std::time::{Duration, Instant};

use crate::helpers::{REPO, Setup, engine, payload, quick_config};
use millm_downloader::transfer::{FetchOutcome, MIB, ProgressCounter, TransferError};
use tokio_util::sync::CancellationToken;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_fetch_resumes_from_the_bytes_on_disk() {
    // Arrange: a slow hub, so the first run is cut off part way.
    let bytes = payload(16 * MIB as usize, 4);
    let setup = Setup::serving(&[("model.safetensors", &bytes)]).await;
    setup.hub.set_rate_limit(REPO, Some(8 * MIB));
    let spec = setup.spec("model.safetensors", &bytes);
    let engine = engine(quick_config());
    let progress = ProgressCounter::new();
    let cancel = CancellationToken::new();
    let first = {
        let (engine, spec, progress, cancel) = (engine.clone(), spec.clone(), progress.clone(), cancel.clone());
        tokio::spawn(async move { engine.fetch(&spec, &progress, &cancel).await })
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while progress.get() < 5 * MIB && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    cancel.cancel();
    let first = first.await.expect("join");
    let on_disk_at_cancel = progress.get();

    // Act
    setup.hub.set_rate_limit(REPO, None);
    setup.hub.reset_counters();
    let second_progress = ProgressCounter::new();
    let outcome = engine
        .fetch(&spec, &second_progress, &CancellationToken::new())
        .await
        .expect("resume");

    // Assert
    assert!(matches!(first, Err(TransferError::Cancelled)), "first run: {first:?}");
    assert!(on_disk_at_cancel >= 5 * MIB && on_disk_at_cancel < bytes.len() as u64);
    let FetchOutcome::Downloaded(stats) = outcome else {
        panic!("expected a download, got {outcome:?}")
    };
    assert!(
        stats.bytes_resumed >= on_disk_at_cancel - 4 * MIB,
        "resumed {} of {on_disk_at_cancel}",
        stats.bytes_resumed
    );
    let served = setup.hub.bytes_served(REPO, "model.safetensors");
    let missing = bytes.len() as u64 - stats.bytes_resumed;
    assert_eq!(served, missing, "only the missing bytes are fetched again");
    assert!(
        served <= bytes.len() as u64 - on_disk_at_cancel + 4 * MIB,
        "at most one chunk per range in flight twice"
    );
    assert_eq!(
        second_progress.get(),
        bytes.len() as u64,
        "resumed bytes count toward progress"
    );
    assert_eq!(std::fs::read(&spec.dest_blob).expect("blob"), bytes);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_partial_file_of_another_version_is_not_trusted() {
    // Arrange: a partial file and a state describing a different expected hash.
    let bytes = payload(3 * MIB as usize, 5);
    let setup = Setup::serving(&[("model.safetensors", &bytes)]).await;
    let spec = setup.spec("model.safetensors", &bytes);
    std::fs::create_dir_all(spec.dest_blob.parent().expect("parent")).expect("blobs");
    std::fs::write(spec.incomplete_path(), vec![0xAA; bytes.len()]).expect("partial");
    let state = format!(
        r#"{{"version":1,"size":{},"chunk_bytes":{},"expected":"sha256:{}","done":[0,1,2]}}"#,
        bytes.len(),
        MIB,
        "0".repeat(64)
    );
    std::fs::write(spec.state_path(), state).expect("state");

    // Act
    let outcome = engine(quick_config())
        .fetch(&spec, &ProgressCounter::new(), &CancellationToken::new())
        .await;

    // Assert
    assert!(matches!(outcome, Ok(FetchOutcome::Downloaded(_))), "{outcome:?}");
    assert_eq!(std::fs::read(&spec.dest_blob).expect("blob"), bytes);
    assert_eq!(setup.hub.bytes_served(REPO, "model.safetensors"), bytes.len() as u64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fetch_killed_without_cleanup_resumes_from_its_last_saved_state() {
    // Arrange: abort the task outright, as a crash would, so no final state is written.
    let bytes = payload(16 * MIB as usize, 9);
    let setup = Setup::serving(&[("model.safetensors", &bytes)]).await;
    setup.hub.set_rate_limit(REPO, Some(8 * MIB));
    let spec = setup.spec("model.safetensors", &bytes);
    let engine = engine(quick_config());
    let progress = ProgressCounter::new();
    let killed = {
        let (engine, spec, progress) = (engine.clone(), spec.clone(), progress.clone());
        tokio::spawn(async move { engine.fetch(&spec, &progress, &CancellationToken::new()).await })
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while progress.get() < 6 * MIB && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    killed.abort();
    let _ = killed.await;
    let on_disk_at_kill = progress.get();

    // Act
    setup.hub.set_rate_limit(REPO, None);
    setup.hub.reset_counters();
    let outcome = engine
        .fetch(&spec, &ProgressCounter::new(), &CancellationToken::new())
        .await;

    // Assert
    assert!(matches!(outcome, Ok(FetchOutcome::Downloaded(_))), "{outcome:?}");
    let served = setup.hub.bytes_served(REPO, "model.safetensors");
    let ranges_in_flight = quick_config().max_parallel_ranges as u64;
    assert!(
        served <= bytes.len() as u64 - on_disk_at_kill + ranges_in_flight * MIB,
        "served {served} after {on_disk_at_kill} were on disk"
    );
    assert_eq!(std::fs::read(&spec.dest_blob).expect("blob"), bytes);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partial_file_left_by_python_huggingface_hub_is_continued() {
    // Arrange: Python writes `<blob>.incomplete` sequentially and keeps no state file.
    let bytes = payload(5 * MIB as usize, 10);
    let setup = Setup::serving(&[("model.safetensors", &bytes)]).await;
    let spec = setup.spec("model.safetensors", &bytes);
    let prefix = 3 * MIB as usize + 100;
    std::fs::create_dir_all(spec.dest_blob.parent().expect("parent")).expect("blobs");
    std::fs::write(spec.incomplete_path(), &bytes[..prefix]).expect("python partial");

    // Act
    let outcome = engine(quick_config())
        .fetch(&spec, &ProgressCounter::new(), &CancellationToken::new())
        .await;

    // Assert
    let Ok(FetchOutcome::Downloaded(stats)) = outcome else {
        panic!("expected a download, got {outcome:?}")
    };
    assert_eq!(stats.bytes_resumed, prefix as u64);
    assert_eq!(
        setup.hub.bytes_served(REPO, "model.safetensors"),
        (bytes.len() - prefix) as u64
    );
    assert_eq!(std::fs::read(&spec.dest_blob).expect("blob"), bytes);
}
