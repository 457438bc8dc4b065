//! A local model through its whole life with the GPU worker on the CPU: add, load, ps,
//! unload, rm; and the refusals a person meets on the way.

use std::time::Duration;

use crate::common::{Env, copy_repo, tiny_repo};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_model_is_loaded_shown_by_ps_unloaded_and_removed_with_its_folder_kept() {
    // Arrange: the worker starts first, since libtorch takes a moment to come up.
    let env = Env::start(None).await;
    let mut worker = env.spawn_gpu_worker();
    let folder = copy_repo(&tiny_repo(), &env.path("tiny-folder"));
    let add = env
        .millm(&["add", folder.to_str().unwrap(), "--name", "tiny-local"])
        .await;
    assert_eq!(add.code, 0, "{add}");
    env.wait_for_gpu_worker(&mut worker, Duration::from_secs(30)).await;

    // Act
    let load = env.millm(&["load", "tiny-local"]).await;
    let ps = env.millm(&["ps"]).await;
    let unload = env.millm(&["unload"]).await;
    let ps_after = env.millm(&["ps"]).await;
    let rm = env.millm(&["rm", "tiny-local", "-y"]).await;

    // Assert
    assert_eq!(load.code, 0, "{load}");
    assert!(load.stdout.contains("is loaded"), "{load}");
    assert!(
        load.stderr.lines().last().is_some_and(|l| l.contains("100.0%")),
        "{load}"
    );
    assert_eq!(ps.code, 0, "{ps}");
    assert!(ps.stdout.contains("tiny-local") && ps.stdout.contains("loaded"), "{ps}");
    assert!(ps.stdout.contains("cpu"), "ps shows the device: {ps}");
    assert_eq!(unload.code, 0, "{unload}");
    assert!(unload.stdout.contains("ready"), "{unload}");
    assert!(ps_after.stdout.contains("No model is loaded."), "{ps_after}");
    assert_eq!(rm.code, 0, "{rm}");
    assert!(rm.stdout.contains("is kept"), "{rm}");
    assert!(
        folder.join("config.json").is_file(),
        "rm must never touch a local folder"
    );
    assert_eq!(env.api("/api/models").await, serde_json::json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_that_two_models_share_are_refused_and_rm_without_a_terminal_asks_for_y() {
    // Arrange: two folders registered under one name.
    let env = Env::start(None).await;
    for folder in ["a", "b"] {
        let dir = copy_repo(&tiny_repo(), &env.path(folder));
        let add = env.millm(&["add", dir.to_str().unwrap(), "--name", "twin"]).await;
        assert_eq!(add.code, 0, "{add}");
    }

    // Act
    let show = env.millm(&["show", "twin"]).await;
    let missing = env.millm(&["show", "nobody"]).await;
    let rm = env.millm(&["rm", "twin"]).await;
    let unload = env.millm(&["unload"]).await;

    // Assert
    assert_eq!(show.code, 2, "{show}");
    assert_eq!(
        show.stderr.matches("\n  #").count(),
        2,
        "both records are listed: {show}"
    );
    assert_eq!(missing.code, 1, "{missing}");
    assert!(missing.stderr.contains("MODEL_NOT_FOUND"), "{missing}");
    assert_eq!(rm.code, 2, "a name two models share cannot be deleted: {rm}");
    assert_eq!(unload.code, 1, "{unload}");
    assert!(unload.stderr.contains("MODEL_NOT_LOADED"), "{unload}");
    assert_eq!(env.api("/api/models").await.as_array().map(Vec::len), Some(2));
}
