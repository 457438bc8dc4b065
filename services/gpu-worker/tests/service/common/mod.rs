//! The gateway in-process (fresh database, own namespace) and GPU workers spawned from the real binary, against
//! the real Postgres, Redis and NATS; plus the tiny model repos and small polling helpers.

use millm_contract::names::Names;
use millm_gateway::GatewayConfig;
use millm_test_support::{LlamaShape, RepoBuilder, cached_repo};
use serde_json::{Value, json};
use sqlx::PgPool;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

mod worker;

pub struct Gateway {
    pub address: String,
    pub http: reqwest::Client,
    pub pool: PgPool,
    pub names: Names,
    pub nats: async_nats::Client,
    pub config: GatewayConfig,
    pub dirs: tempfile::TempDir,
}

pub async fn gateway() -> Gateway {
    let dirs = tempfile::tempdir().expect("temp dir");
    // The hub is unused: every model here is registered from a local folder.
    let config = millm_test_support::gateway::test_config(&dirs.path().join("cache"), "http://127.0.0.1:9").await;
    let address = millm_test_support::gateway::start(&config).await.address;
    let pool = millm_platform::db::connect(&config.common.database_url, 2)
        .await
        .expect("pool");
    let nats = async_nats::connect(&config.common.nats_url).await.expect("nats");
    Gateway {
        address,
        http: reqwest::Client::new(),
        pool,
        names: Names::new(config.common.millm_namespace.clone()),
        nats,
        config,
        dirs,
    }
}

/// A tiny Llama (about 156 k parameters): weights well under 1 MiB.
pub fn tiny_repo() -> PathBuf {
    cached_repo("gpu-service-tiny", |dir| {
        RepoBuilder::new(dir).llama(LlamaShape::tiny()).shards(2)
    })
    .expect("tiny repo")
}

/// A small Llama (about 3.5 M parameters, some 5 MiB of weights at Q4): large enough that its memory shows.
pub fn small_repo() -> PathBuf {
    let shape = LlamaShape::small();
    cached_repo("gpu-service-small", |dir| RepoBuilder::new(dir).llama(shape).shards(2)).expect("small repo")
}

/// A medium Llama (about 20 M parameters, 40 MB of bf16): its load lasts long enough to be interrupted.
pub fn medium_repo() -> PathBuf {
    let shape = LlamaShape {
        hidden: 512,
        intermediate: 1376,
        layers: 4,
        heads: 8,
        kv_heads: 4,
        vocab: 8192,
    };
    cached_repo("gpu-service-medium", |dir| RepoBuilder::new(dir).llama(shape).shards(2)).expect("medium repo")
}

impl Gateway {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        let r = self.http.get(self.url(path)).send().await.expect("GET");
        (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
    }

    pub async fn post(&self, path: &str, body: Option<Value>) -> (u16, Value) {
        let request = self.http.post(self.url(path));
        let request = match body {
            Some(body) => request.json(&body),
            None => request,
        };
        let r = request.send().await.expect("POST");
        (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
    }

    /// A fresh copy of `repo` under this test's folder, so that it can be edited and registered on its own.
    pub fn copy_repo(&self, repo: &Path, name: &str) -> PathBuf {
        let dir = self.dirs.path().join(name);
        std::fs::create_dir_all(&dir).expect("copy dir");
        for entry in std::fs::read_dir(repo).expect("repo") {
            let entry = entry.expect("entry");
            std::fs::copy(entry.path(), dir.join(entry.file_name())).expect("copy");
        }
        dir
    }

    /// Registers a local folder; the record is `ready` at once.
    pub async fn register(&self, dir: &Path, quant: &str) -> i64 {
        let body = json!({"source": "local", "local_path": dir, "quantization": quant});
        let (status, body) = self.post("/api/models", Some(body)).await;
        assert_eq!(status, 202, "register: {body}");
        body["data"]["id"].as_i64().expect("id")
    }

    pub async fn model(&self, id: i64) -> Value {
        let (status, body) = self.get(&format!("/api/models/{id}")).await;
        assert_eq!(status, 200, "{body}");
        body["data"].clone()
    }

    pub async fn load(&self, id: i64, force: bool) -> (u16, Value) {
        let body = force.then(|| json!({"force": true}));
        self.post(&format!("/api/models/{id}/load"), body).await
    }

    /// Waits until the record has `status`, and returns it.
    pub async fn wait_status(&self, id: i64, status: &str, within: Duration) -> Value {
        let deadline = Instant::now() + within;
        loop {
            let model = self.model(id).await;
            if model["status"] == status {
                return model;
            }
            assert!(Instant::now() < deadline, "model {id} never became {status}: {model}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until `/api/system/gpu` shows a live worker for which `check` holds, and returns the body.
    pub async fn wait_gpu(&self, within: Duration, check: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + within;
        loop {
            let (_, body) = self.get("/api/system/gpu").await;
            let gpu = body["data"].clone();
            if gpu["worker"]["alive"] == true && check(&gpu) {
                return gpu;
            }
            assert!(Instant::now() < deadline, "the GPU worker never matched: {gpu}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Every event published in this namespace from now on.
    pub async fn events(&self) -> async_nats::Subscriber {
        let subscriber = self
            .nats
            .subscribe(self.names.events_wildcard())
            .await
            .expect("subscribe");
        self.nats.flush().await.expect("flush");
        subscriber
    }
}

/// Collects events (as `{"event", "data"}` JSON) until `done` holds for one of them, or `within` passes.
pub async fn collect_until(
    events: &mut async_nats::Subscriber,
    within: Duration,
    done: impl Fn(&Value) -> bool,
) -> Vec<Value> {
    use futures::StreamExt;
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + within;
    while let Ok(Some(message)) = tokio::time::timeout_at(deadline, events.next()).await {
        let Ok(event) = serde_json::from_slice::<Value>(&message.payload) else {
            continue;
        };
        let stop = done(&event);
        seen.push(event);
        if stop {
            return seen;
        }
    }
    panic!("the awaited event never came; saw {seen:?}");
}

pub fn is_event(event: &Value, name: &str, model_id: i64) -> bool {
    event["event"] == name && event["data"]["model_id"] == model_id
}
