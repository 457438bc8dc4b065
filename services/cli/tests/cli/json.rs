//! `--json` prints the API's `data`: what a script reads is what the API answered.

use millm_test_support::RepoOptions;

use crate::common::{Env, copy_repo, tiny_repo};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_output_parses_and_is_the_apis_data() {
    // Arrange
    let env = Env::start(Some("json-key")).await;
    env.hub
        .add_repo("org/tiny", &tiny_repo(), RepoOptions::default())
        .expect("served");
    let folder = copy_repo(&tiny_repo(), &env.path("folder"));

    // Act
    let add = env
        .millm(&["add", folder.to_str().unwrap(), "--quant", "Q8", "--json"])
        .await;
    let ls = env.millm(&["ls", "--json"]).await;
    let id = add.json()["id"].to_string();
    let show = env.millm(&["show", &id, "--json"]).await;
    let ps = env.millm(&["ps", "--json"]).await;
    let health = env.millm(&["health", "--json"]).await;
    let preview = env.millm(&["preview", "org/tiny", "--json"]).await;

    // Assert
    for run in [&add, &ls, &show, &ps, &health, &preview] {
        assert_eq!(run.code, 0, "{run}");
    }
    let record = env.api(&format!("/api/models/{id}")).await;
    assert_eq!(add.json(), record);
    assert_eq!(add.json()["quantization"], "Q8");
    assert_eq!(show.json(), record);
    assert_eq!(ls.json(), env.api("/api/models").await);
    assert_eq!(ps.json()["devices"], env.api("/api/system/gpu").await["devices"]);
    let api_health = env.api("/api/health").await;
    assert_eq!(health.json()["dependencies"], api_health["dependencies"]);
    assert_eq!(health.json()["version"], api_health["version"]);
    let p = preview.json();
    assert_eq!(p["name"], "tiny");
    assert_eq!(p["is_gated"], false);
    assert!(p["estimated_sizes"]["Q4"]["memory_mb"].is_i64(), "{p}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_api_key_is_refused_with_exit_1_and_never_printed() {
    // Arrange
    let env = Env::start(Some("the-right-key")).await;

    // Act: --api-key overrides MILLM_API_KEY.
    let wrong = env.millm(&["ls", "--api-key", "a-wrong-key"]).await;
    let right = env.millm(&["ls", "--json"]).await;

    // Assert
    assert_eq!(wrong.code, 1, "{wrong}");
    assert!(wrong.stderr.contains("UNAUTHORIZED"), "{wrong}");
    assert!(
        !wrong.stderr.contains("a-wrong-key") && !wrong.stdout.contains("a-wrong-key"),
        "{wrong}"
    );
    assert_eq!(right.code, 0, "{right}");
    assert_eq!(right.json(), serde_json::json!([]));
}
