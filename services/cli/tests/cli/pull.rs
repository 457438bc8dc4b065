//! `millm pull` end to end: progress lines, the ready record, refusals, and what `rm` keeps.

use millm_test_support::RepoOptions;

use crate::common::{Env, dir_bytes, tiny_repo};

/// The percents of `label: NN.N% …` lines on stderr, in order.
fn percents(stderr: &str, label: &str) -> Vec<f64> {
    stderr
        .lines()
        .filter_map(|line| line.strip_prefix(&format!("{label}: ")))
        .filter_map(|rest| rest.trim_start().split('%').next()?.parse().ok())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pull_prints_rising_progress_lines_that_end_at_100_and_leaves_the_model_ready() {
    // Arrange: a keyed gateway, a downloader, and a repo served slowly enough (about 3 s) for
    // several once-a-second lines.
    let env = Env::start(Some("cli-secret-key")).await;
    env.start_downloader().await;
    let repo = tiny_repo();
    env.hub
        .add_repo("org/tiny", &repo, RepoOptions::default())
        .expect("served");
    // Its LFS files through the CDN redirect, as the real hub sends them.
    env.hub.serve_via_cdn("org/tiny", true);
    env.hub.set_rate_limit("org/tiny", Some(dir_bytes(&repo) / 3));

    // Act
    let run = env.millm(&["pull", "org/tiny"]).await;

    // Assert
    assert_eq!(run.code, 0, "{run}");
    let seen = percents(&run.stderr, "tiny");
    assert!(seen.len() >= 2, "expected progress lines before the end: {run}");
    assert!(seen.windows(2).all(|w| w[0] <= w[1]), "progress went back: {seen:?}");
    assert_eq!(seen.last(), Some(&100.0), "{run}");
    assert!(run.stdout.contains("is ready"), "{run}");
    assert!(!run.stdout.contains("cli-secret-key") && !run.stderr.contains("cli-secret-key"));
    let models = env.api("/api/models").await;
    assert_eq!(models[0]["status"], "ready", "{models}");
    assert_eq!(models[0]["repo_id"], "org/tiny");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pull_of_a_gated_repo_without_a_token_exits_1_and_names_the_code() {
    // Arrange
    let env = Env::start(None).await;
    let gated = RepoOptions {
        gated: true,
        allowed_tokens: vec!["hf_granted".into()],
        ..RepoOptions::default()
    };
    env.hub.add_repo("org/gated", &tiny_repo(), gated).expect("served");
    env.hub.serve_via_cdn("org/gated", true);

    // Act
    let run = env.millm(&["pull", "org/gated"]).await;

    // Assert
    assert_eq!(run.code, 1, "{run}");
    assert!(run.stderr.contains("GATED_MODEL_NO_TOKEN"), "{run}");
    assert!(
        run.stderr.contains("--token-file"),
        "the hint names the way to pass a token: {run}"
    );
    assert_eq!(env.api("/api/models").await, serde_json::json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rm_keeps_the_files_another_record_of_the_repo_uses_and_removes_the_last_ones() {
    // Arrange: the Q4 and Q8 records of one repo share one download.
    let env = Env::start(None).await;
    env.start_downloader().await;
    env.hub
        .add_repo("org/shared", &tiny_repo(), RepoOptions::default())
        .expect("served");
    let q4 = env.millm(&["pull", "org/shared", "--json"]).await;
    assert_eq!(q4.code, 0, "{q4}");
    let q8 = env.millm(&["pull", "org/shared", "--quant", "q8", "--json"]).await;
    assert_eq!(q8.code, 0, "{q8}");
    let (q4_id, q8_id) = (q4.json()["id"].to_string(), q8.json()["id"].to_string());

    // Act
    let first = env.millm(&["rm", &q4_id, "-y"]).await;
    let last = env.millm(&["rm", &q8_id, "-y"]).await;

    // Assert
    assert_eq!(first.code, 0, "{first}");
    assert!(
        first.stdout.contains(&format!("are kept: #{q8_id} (Q8) use them")),
        "{first}"
    );
    assert_eq!(last.code, 0, "{last}");
    assert!(last.stdout.contains("are removed from the cache"), "{last}");
    assert_eq!(env.api("/api/models").await, serde_json::json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn detach_and_ctrl_c_without_a_terminal_leave_the_download_running_on_the_server() {
    use tokio::io::{AsyncBufReadExt, BufReader};

    // Arrange: a download slow enough (about 30 s) to outlast the test.
    let env = Env::start(None).await;
    env.start_downloader().await;
    let repo = tiny_repo();
    env.hub
        .add_repo("org/slow", &repo, RepoOptions::default())
        .expect("served");
    env.hub.set_rate_limit("org/slow", Some(dir_bytes(&repo) / 30));

    // Act: queue it and return; then attach to it, and press Ctrl-C once it shows progress.
    let detached = env.millm(&["pull", "org/slow", "--detach", "--json"]).await;
    let mut attached = env.spawn_millm(&["pull", "org/slow"]);
    let mut stderr = BufReader::new(attached.stderr.take().expect("stderr")).lines();
    let mut before = Vec::new();
    while let Some(line) = stderr.next_line().await.expect("stderr line") {
        let progress = line.starts_with("slow: ");
        before.push(line);
        if progress {
            break;
        }
    }
    let pid = attached.id().expect("running").to_string();
    let sent = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .expect("kill");
    let status = tokio::time::timeout(std::time::Duration::from_secs(10), attached.wait())
        .await
        .expect("millm exits after Ctrl-C")
        .expect("wait");
    let mut after = Vec::new();
    while let Some(line) = stderr.next_line().await.expect("stderr line") {
        after.push(line);
    }

    // Assert
    assert_eq!(detached.code, 0, "{detached}");
    assert_eq!(detached.json()["status"], "downloading", "{detached}");
    assert!(sent.success());
    assert!(before.iter().any(|l| l.contains("already downloading")), "{before:?}");
    assert_eq!(status.code(), Some(0), "{before:?} {after:?}");
    assert!(
        after.iter().any(|l| l.contains("Left running on the server")),
        "{after:?}"
    );
    let id = detached.json()["id"].as_i64().expect("id");
    assert_eq!(env.api(&format!("/api/models/{id}")).await["status"], "downloading");
}
