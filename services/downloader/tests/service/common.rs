//! The test environment: a fresh database and namespace, the gateway in-process, the fake hub,
//! a cache folder, and downloader processes started from the built binary.

use millm_contract::jobs::SealedToken;
use std::path::{Path, PathBuf};
use std::time::Duration;

use millm_contract::config::CommonConfig;
use millm_contract::events::Event;
use millm_contract::jobs::DownloadJob;
use millm_contract::names::Names;
use millm_contract::repo::RepoId;
use millm_gateway::GatewayConfig;
use millm_platform::db::{self, Inserted, ModelFacts, ModelRecord, NewModel, NewRecord};
use millm_platform::queue::{self, Liveness};
use millm_test_support::{FakeHub, RepoOptions};
use serde_json::Value;
use sqlx::PgPool;

pub use millm_test_support::env::KEY_HEX;

pub struct TestEnv {
    pub address: String,
    pub http: reqwest::Client,
    pub pool: PgPool,
    pub hub: FakeHub,
    pub names: Names,
    pub nats: async_nats::Client,
    pub cache: tempfile::TempDir,
    /// What the gateway and the downloaders this environment spawns share.
    pub common: CommonConfig,
}

impl TestEnv {
    pub async fn start() -> TestEnv {
        Self::start_with(|_| {}).await
    }

    /// As [`TestEnv::start`], with the gateway's configuration changed by `tweak` first; the
    /// downloaders this environment spawns follow its database, Redis and NATS.
    pub async fn start_with(tweak: impl FnOnce(&mut GatewayConfig)) -> TestEnv {
        let hub = FakeHub::start().await;
        let cache = tempfile::tempdir().expect("cache dir");
        let mut config = millm_test_support::gateway::test_config(cache.path(), &hub.url()).await;
        // The fault tests make the hub fail on purpose: the breaker must not open on them.
        config.hub.hub_breaker_threshold = std::num::NonZeroU32::new(50).expect("not zero");
        tweak(&mut config);
        let address = millm_test_support::gateway::start(&config).await.address;
        let pool = db::connect(&config.common.database_url, 4).await.expect("pool");
        let nats = async_nats::connect(&config.common.nats_url).await.expect("nats");
        TestEnv {
            address,
            http: reqwest::Client::new(),
            pool,
            hub,
            names: Names::new(config.common.millm_namespace.clone()),
            nats,
            cache,
            common: config.common,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        let r = self.http.get(self.url(path)).send().await.expect("GET");
        (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
    }

    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let r = self.http.post(self.url(path)).json(&body).send().await.expect("POST");
        (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
    }

    /// Serves `dir` as `repo_id`, its LFS files through the CDN redirect as the real hub sends
    /// them; returns the commit.
    pub fn publish(&self, repo_id: &str, dir: &Path, options: RepoOptions) -> String {
        let commit = self.hub.add_repo(repo_id, dir, options).expect("repo served").commit;
        self.hub.serve_via_cdn(repo_id, true);
        commit
    }

    /// `POST /api/models` for a hub repo; returns the new record's id.
    pub async fn request(&self, repo_id: &str, quant: &str, token: Option<&str>) -> i64 {
        let mut body = serde_json::json!({"source": "huggingface", "repo_id": repo_id, "quantization": quant});
        if let Some(token) = token {
            body["hf_token"] = Value::String(token.to_owned());
        }
        let (status, body) = self.post("/api/models", body).await;
        assert_eq!(status, 202, "POST /api/models: {body}");
        body["data"]["id"].as_i64().expect("record id")
    }

    /// A record and its job made without the gateway, for what the gateway refuses up front.
    pub async fn insert_and_push(&self, repo_id: &str, commit: &str, sealed_token: Option<SealedToken>) -> i64 {
        let repo = RepoId::parse(repo_id).expect("a repo id");
        let new = NewModel::Hub {
            record: NewRecord {
                name: repo.name().to_owned(),
                quantization: millm_contract::model::Quantization::Q4,
                trust_remote_code: false,
                facts: ModelFacts::default(),
            },
            repo,
            revision: commit.to_owned(),
            sealed_token: sealed_token.clone(),
        };
        let Inserted::Created(record) = db::insert(&self.pool, new).await.expect("insert") else {
            panic!("duplicate record");
        };
        let conn = queue::connect("redis://127.0.0.1:6379").await.expect("redis");
        let mut storage = queue::download_storage(conn, &self.names, Liveness::default());
        let job = DownloadJob {
            model_id: record.model.id,
            repo_id: repo_id.to_owned(),
            revision: commit.to_owned(),
            sealed_token,
            traceparent: None,
        };
        queue::push_download(&mut storage, job).await.expect("push");
        record.model.id
    }

    pub async fn record(&self, id: i64) -> Option<ModelRecord> {
        db::get(&self.pool, id).await.expect("read record")
    }

    /// Waits until the record leaves `downloading`; panics after `within`.
    pub async fn settled(&self, id: i64, within: Duration) -> ModelRecord {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let record = self.record(id).await.expect("record exists");
            if record.model.status != millm_contract::model::ModelStatus::Downloading {
                return record;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "model {id} still downloading after {within:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Every event published from now on, decoded.
    pub async fn events(&self) -> async_nats::Subscriber {
        self.nats
            .subscribe(self.names.events_wildcard())
            .await
            .expect("subscribe")
    }

    pub fn downloader(&self) -> crate::process::DownloaderBuilder<'_> {
        crate::process::DownloaderBuilder {
            env: self,
            vars: Vec::new(),
        }
    }

    pub fn snapshot(&self, repo_id: &str, commit: &str) -> PathBuf {
        millm_platform::cache::snapshot_dir(self.cache.path(), repo_id, commit).expect("snapshot dir")
    }

    pub fn blobs(&self, repo_id: &str) -> Vec<String> {
        let dir = millm_platform::cache::repo_dir(self.cache.path(), repo_id)
            .expect("repo dir")
            .join("blobs");
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .map(|entries| {
                entries
                    .flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    }
}

/// Decodes the next event of `name` for `model_id`, skipping others; `None` after `wait`.
pub async fn next_event(
    events: &mut async_nats::Subscriber,
    model_id: i64,
    name: &str,
    wait: Duration,
) -> Option<Event> {
    use futures::StreamExt;
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let left = deadline.checked_duration_since(tokio::time::Instant::now())?;
        let message = tokio::time::timeout(left, events.next()).await.ok()??;
        let Ok(event) = serde_json::from_slice::<Event>(&message.payload) else {
            continue;
        };
        if event.name() == name && event.model_id() == Some(model_id) {
            return Some(event);
        }
    }
}

/// Waits for a progress event of `model_id` at `percent` or more; panics after `wait`.
pub async fn progress_reaches(events: &mut async_nats::Subscriber, model_id: i64, percent: f64, wait: Duration) {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        match next_event(events, model_id, "model:download:progress", left).await {
            Some(Event::DownloadProgress(p)) if p.progress >= percent => return,
            Some(_) => continue,
            None => panic!("model {model_id} did not reach {percent} % within {wait:?}"),
        }
    }
}
