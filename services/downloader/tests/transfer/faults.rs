//! The transfer engine on a misbehaving hub: dropped connections, corrupted bytes, transient
//! statuses with their three attempts, and refusals that are final at once.

use crate::helpers::{REPO, Setup, engine, payload, quick_config};
use millm_downloader::transfer::{EngineConfig, FetchOutcome, MIB, ProgressCounter, TransferError};
use tokio_util::sync::CancellationToken;

/// One range per file, so every request of the file is one attempt of the same range.
fn single_range_config() -> EngineConfig {
    EngineConfig {
        chunk_bytes: 64 * MIB,
        ..quick_config()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_dropped_mid_file_is_resumed_where_it_stopped_and_verified() {
    // Arrange
    let bytes = payload(4 * MIB as usize, 11);
    let setup = Setup::serving(&[("model.safetensors", &bytes)]).await;
    setup.hub.drop_after(REPO, "model.safetensors", 1536 * 1024, 1);
    let spec = setup.spec("model.safetensors", &bytes);

    // Act
    let outcome = engine(single_range_config())
        .fetch(&spec, &ProgressCounter::new(), &CancellationToken::new())
        .await;

    // Assert
    assert!(matches!(outcome, Ok(FetchOutcome::Downloaded(_))), "{outcome:?}");
    assert_eq!(std::fs::read(&spec.dest_blob).expect("blob"), bytes);
    // The file's one resolve (a HEAD that finds it served directly), then two range requests.
    assert_eq!(setup.hub.request_count(REPO, "model.safetensors"), 3);
    let served = setup.hub.bytes_served(REPO, "model.safetensors");
    assert!(
        served < bytes.len() as u64 + 256 * 1024,
        "the retry fetched only the rest, served {served}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupted_byte_is_detected_and_the_file_fetched_once_more() {
    // Arrange
    let bytes = payload(5 * MIB as usize, 12);
    let setup = Setup::serving(&[("model.safetensors", &bytes)]).await;
    setup.hub.corrupt_next(REPO, "model.safetensors", 3 * MIB + 17, 1);
    let spec = setup.spec("model.safetensors", &bytes);
    let progress = ProgressCounter::new();

    // Act
    let outcome = engine(quick_config())
        .fetch(&spec, &progress, &CancellationToken::new())
        .await;

    // Assert
    assert!(matches!(outcome, Ok(FetchOutcome::Downloaded(_))), "{outcome:?}");
    assert_eq!(std::fs::read(&spec.dest_blob).expect("blob"), bytes);
    assert_eq!(
        setup.hub.bytes_served(REPO, "model.safetensors"),
        2 * bytes.len() as u64
    );
    assert_eq!(
        progress.get(),
        bytes.len() as u64,
        "refetched bytes are not counted twice"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_persistent_corruption_fails_with_corrupt_naming_the_file() {
    // Arrange
    let bytes = payload(2 * MIB as usize, 13);
    let setup = Setup::serving(&[("model.safetensors", &bytes)]).await;
    setup.hub.corrupt_next(REPO, "model.safetensors", 99, 10);
    let spec = setup.spec("model.safetensors", &bytes);

    // Act
    let outcome = engine(quick_config())
        .fetch(&spec, &ProgressCounter::new(), &CancellationToken::new())
        .await;

    // Assert
    match outcome {
        Err(TransferError::Corrupt { file }) => assert_eq!(file, "model.safetensors"),
        other => panic!("expected Corrupt, got {other:?}"),
    }
    assert_eq!(
        setup.hub.bytes_served(REPO, "model.safetensors"),
        2 * bytes.len() as u64,
        "exactly one refetch"
    );
    assert!(!spec.dest_blob.exists() && !spec.incomplete_path().exists() && !spec.state_path().exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_503_answers_are_retried_and_the_fetch_succeeds() {
    // Arrange
    let bytes = payload(MIB as usize, 14);
    let setup = Setup::serving(&[("model.safetensors", &bytes)]).await;
    setup.hub.fail_next(REPO, 503, 2);
    let spec = setup.spec("model.safetensors", &bytes);

    // Act
    let outcome = engine(single_range_config())
        .fetch(&spec, &ProgressCounter::new(), &CancellationToken::new())
        .await;

    // Assert
    assert!(matches!(outcome, Ok(FetchOutcome::Downloaded(_))), "{outcome:?}");
    // The resolve meets the first 503 (and falls back to the resolve URL), a range the second.
    assert_eq!(setup.hub.request_count(REPO, "model.safetensors"), 3);
    assert_eq!(std::fs::read(&spec.dest_blob).expect("blob"), bytes);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hub_that_keeps_answering_503_or_429_fails_after_three_attempts() {
    for status in [503u16, 429] {
        // Arrange
        let bytes = payload(MIB as usize, 15);
        let setup = Setup::serving(&[("model.safetensors", &bytes)]).await;
        setup.hub.fail_next(REPO, status, 100);
        let spec = setup.spec("model.safetensors", &bytes);

        // Act
        let outcome = engine(single_range_config())
            .fetch(&spec, &ProgressCounter::new(), &CancellationToken::new())
            .await;

        // Assert
        match outcome {
            Err(TransferError::Failed { file, reason }) => {
                assert_eq!(file, "model.safetensors");
                assert!(reason.contains(&status.to_string()), "{reason}");
            }
            other => panic!("expected Failed for {status}, got {other:?}"),
        }
        assert_eq!(
            setup.hub.request_count(REPO, "model.safetensors"),
            1 + 3,
            "the resolve, then three attempts for {status}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hub_refusals_are_final_at_once() {
    for status in [404u16, 401, 403] {
        // Arrange
        let bytes = payload(MIB as usize, 16);
        let setup = Setup::serving(&[("model.safetensors", &bytes)]).await;
        setup.hub.fail_next(REPO, status, 100);
        let spec = setup.spec("model.safetensors", &bytes);

        // Act
        let outcome = engine(quick_config())
            .fetch(&spec, &ProgressCounter::new(), &CancellationToken::new())
            .await;

        // Assert
        assert!(
            matches!(outcome, Err(TransferError::Refused { status: s, .. }) if s == status),
            "{status}: {outcome:?}"
        );
        assert_eq!(
            setup.hub.request_count(REPO, "model.safetensors"),
            1 + 1,
            "the resolve, then one range request and no retry after {status}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_file_is_refused_with_the_hubs_error_code() {
    // Arrange
    let bytes = payload(1000, 17);
    let setup = Setup::serving(&[("model.safetensors", &bytes)]).await;
    let spec = millm_downloader::transfer::FileSpec {
        name: "missing.safetensors".into(),
        url: setup.url("missing.safetensors"),
        ..setup.spec("model.safetensors", &bytes)
    };

    // Act
    let outcome = engine(quick_config())
        .fetch(&spec, &ProgressCounter::new(), &CancellationToken::new())
        .await;

    // Assert
    match outcome {
        Err(TransferError::Refused {
            file,
            status,
            error_code,
            ..
        }) => {
            assert_eq!((file.as_str(), status), ("missing.safetensors", 404));
            assert_eq!(error_code.as_deref(), Some("EntryNotFound"));
        }
        other => panic!("expected Refused, got {other:?}"),
    }
}

/// A bare HTTP/1.1 server that answers every request with the whole file and status 200,
/// ignoring `Range`, as some mirrors and proxies do.
async fn serve_ignoring_ranges(bytes: Vec<u8>) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let bytes = std::sync::Arc::new(bytes);
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let bytes = bytes.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let header = format!(
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    bytes.len()
                );
                // The client hangs up once it has its range; a write error then is expected.
                let _ = socket.write_all(header.as_bytes()).await;
                let _ = socket.write_all(&bytes).await;
            });
        }
    });
    format!("http://{addr}/org/plain/resolve/main/model.safetensors")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_ignores_range_requests_still_yields_the_right_file() {
    // Arrange
    let bytes = payload(3 * MIB as usize + 5, 18);
    let setup = Setup::serving(&[("unused.bin", b"x")]).await;
    let spec = millm_downloader::transfer::FileSpec {
        url: serve_ignoring_ranges(bytes.clone()).await,
        ..setup.spec("model.safetensors", &bytes)
    };

    // Act
    let outcome = engine(quick_config())
        .fetch(&spec, &ProgressCounter::new(), &CancellationToken::new())
        .await;

    // Assert
    let Ok(FetchOutcome::Downloaded(stats)) = outcome else {
        panic!("expected a download, got {outcome:?}")
    };
    assert_eq!(
        stats.bytes_transferred,
        bytes.len() as u64,
        "bytes outside each range are skipped"
    );
    assert_eq!(std::fs::read(&spec.dest_blob).expect("blob"), bytes);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hub_that_cannot_be_reached_fails_after_three_attempts() {
    // Arrange: a port that was free a moment ago, so connecting is refused.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let bytes = payload(1000, 19);
    let setup = Setup::serving(&[("unused.bin", b"x")]).await;
    let spec = millm_downloader::transfer::FileSpec {
        url: format!("http://127.0.0.1:{port}/org/gone/resolve/main/model.safetensors"),
        ..setup.spec("model.safetensors", &bytes)
    };

    // Act
    let outcome = engine(quick_config())
        .fetch(&spec, &ProgressCounter::new(), &CancellationToken::new())
        .await;

    // Assert
    match outcome {
        Err(TransferError::Failed { file, reason }) => {
            assert_eq!(file, "model.safetensors");
            assert!(reason.contains("after 3 attempts"), "{reason}");
        }
        other => panic!("expected Failed, got {other:?}"),
    }
}
