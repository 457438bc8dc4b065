//! `spawn_app`: the gateway in-process on port 0, against the real Postgres, Redis and NATS,
//! with a fresh database, its own namespace, its own cache folder and a fake hub.

use millm_contract::config::Secret;
use millm_contract::names::Names;
use millm_gateway::GatewayConfig;
pub use millm_test_support::gateway::test_config;
use millm_test_support::{FakeHub, LlamaShape, RepoBuilder, RepoOptions, cached_repo};
use serde_json::Value;
use sqlx::PgPool;
use std::path::PathBuf;
use std::sync::Once;

pub use millm_test_support::env::{KEY_HEX, PG_BASE, fresh_database, unique_namespace};

pub struct TestApp {
    pub address: String,
    pub http: reqwest::Client,
    pub pool: PgPool,
    pub hub: FakeHub,
    pub names: Names,
    pub nats: async_nats::Client,
    pub cache: tempfile::TempDir,
    pub config: GatewayConfig,
}

fn init_logs() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = tracing_subscriber::fmt()
            .with_env_filter("warn")
            .with_test_writer()
            .try_init();
    });
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

pub async fn spawn_app_with(change: impl FnOnce(&mut GatewayConfig)) -> TestApp {
    init_logs();
    let hub = FakeHub::start().await;
    let cache = tempfile::tempdir().expect("cache dir");
    let mut config = test_config(cache.path(), &hub.url()).await;
    change(&mut config);
    start(config, hub, cache).await
}

pub async fn start(config: GatewayConfig, hub: FakeHub, cache: tempfile::TempDir) -> TestApp {
    let address = millm_test_support::gateway::start(&config).await.address;
    let pool = millm_platform::db::connect(&config.common.database_url, 2)
        .await
        .unwrap();
    let nats = async_nats::connect(&config.common.nats_url).await.unwrap();
    TestApp {
        address,
        http: reqwest::Client::new(),
        pool,
        hub,
        names: Names::new(config.common.millm_namespace.clone()),
        nats,
        cache,
        config,
    }
}

/// A tiny Llama repo on disk, built once per test run.
pub fn tiny_repo() -> PathBuf {
    cached_repo("gateway-tiny", |dir| {
        RepoBuilder::new(dir).llama(LlamaShape::tiny()).shards(2)
    })
    .expect("tiny repo")
}

/// A copy of the tiny repo that a test may change.
pub fn tiny_repo_copy(into: &std::path::Path) -> PathBuf {
    let dir = into.join("model");
    std::fs::create_dir_all(&dir).unwrap();
    for entry in std::fs::read_dir(tiny_repo()).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.join(entry.file_name())).unwrap();
    }
    dir
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        let r = self.http.get(self.url(path)).send().await.unwrap();
        (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
    }

    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let r = self.http.post(self.url(path)).json(&body).send().await.unwrap();
        (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
    }

    pub async fn post_empty(&self, path: &str) -> (u16, Value) {
        let r = self.http.post(self.url(path)).send().await.unwrap();
        (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
    }

    pub async fn delete(&self, path: &str) -> (u16, Value) {
        let r = self.http.delete(self.url(path)).send().await.unwrap();
        (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
    }

    /// Serves the tiny repo (or `dir`) on the fake hub as `repo_id`.
    pub fn publish(&self, repo_id: &str, dir: &std::path::Path, options: RepoOptions) -> String {
        self.hub.add_repo(repo_id, dir, options).expect("repo served").commit
    }

    pub async fn register_hub(&self, repo_id: &str, quant: &str) -> (u16, Value) {
        self.post(
            "/api/models",
            serde_json::json!({"source": "huggingface", "repo_id": repo_id, "quantization": quant}),
        )
        .await
    }

    pub async fn set_status(&self, id: i64, status: &str) {
        sqlx::query("UPDATE models SET status = $2 WHERE id = $1")
            .bind(id)
            .bind(status)
            .execute(&self.pool)
            .await
            .unwrap();
    }
}

/// Asserts the error envelope and returns its `error` object.
pub fn assert_error(status: u16, body: &Value, want_status: u16, want_code: &str) -> Value {
    assert_eq!(status, want_status, "body: {body}");
    assert_eq!(body["success"], false, "body: {body}");
    assert_eq!(body["data"], Value::Null, "body: {body}");
    assert_eq!(body["error"]["code"], want_code, "body: {body}");
    assert!(
        body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()),
        "body: {body}"
    );
    assert!(body["error"]["details"].is_object(), "body: {body}");
    body["error"].clone()
}

#[allow(dead_code)]
pub fn secret(text: &str) -> Secret {
    Secret::new(text)
}
