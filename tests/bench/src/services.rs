//! miLLM's services as separate processes, configured through the environment as in production.

use millm_test_support::env::{KEY_HEX, fresh_database, unique_namespace};
use millm_test_support::socket::Listener;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;
use tokio::process::{Child, Command};

pub struct Services {
    pub base: String,
    /// One client for every call: building a `reqwest::Client` loads the TLS root store, tens of
    /// milliseconds that would otherwise be timed as the API's.
    pub http: reqwest::Client,
    pub namespace: String,
    pub cache: PathBuf,
    children: Vec<Child>,
}

fn release_bin(name: &str) -> PathBuf {
    millm_test_support::workspace::target_dir().join("release").join(name)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(18000)
}

impl Services {
    /// Starts the gateway and `downloaders` downloader processes; waits for /api/health.
    pub async fn start(hub_url: &str, cache: &Path, downloaders: usize, extra: &[(&str, String)]) -> Services {
        Self::launch(hub_url, cache, &[("millm-downloader", downloaders)], extra).await
    }

    /// Starts the gateway and one GPU worker; waits until the worker reports in.
    pub async fn start_with_gpu_worker(hub_url: &str, cache: &Path, extra: &[(&str, String)]) -> Services {
        Self::launch(hub_url, cache, &[("millm-gpu-worker", 1)], extra).await
    }

    async fn launch(hub_url: &str, cache: &Path, workers: &[(&str, usize)], extra: &[(&str, String)]) -> Services {
        let database_url = fresh_database().await;
        let namespace = unique_namespace();
        let port = free_port();
        let env: Vec<(String, String)> = [
            ("DATABASE_URL", database_url),
            ("MILLM_NAMESPACE", namespace.clone()),
            ("MODEL_CACHE_DIR", cache.display().to_string()),
            ("HF_ENDPOINT", hub_url.to_owned()),
            ("MILLM_SECRET_KEY", KEY_HEX.to_owned()),
            ("HOST", "127.0.0.1".to_owned()),
            ("PORT", port.to_string()),
            // `BENCH_LOG_LEVEL=info` shows the services' spans with their durations, to see where time goes.
            (
                "LOG_LEVEL",
                std::env::var("BENCH_LOG_LEVEL").unwrap_or_else(|_| "warn".to_owned()),
            ),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .chain(extra.iter().map(|(k, v)| ((*k).to_owned(), v.clone())))
        .collect();
        let spawn = |name: &str| {
            Command::new(release_bin(name))
                .envs(env.iter().cloned())
                .stdout(Stdio::inherit())
                .stderr(Stdio::inherit())
                .kill_on_drop(true)
                .spawn()
                .unwrap_or_else(|e| panic!("{name} starts (build it with --release first): {e}"))
        };
        let mut children = vec![spawn("millm-gateway")];
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        for _ in 0..200 {
            if http.get(format!("{base}/api/health")).send().await.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        for (binary, count) in workers {
            for _ in 0..*count {
                children.push(spawn(binary));
            }
        }
        let services = Services {
            base,
            http,
            namespace,
            cache: cache.to_path_buf(),
            children,
        };
        for (binary, count) in workers {
            let kind = if *binary == "millm-gpu-worker" {
                "gpu_worker"
            } else {
                "downloader"
            };
            services.wait_for_workers(kind, *count).await;
        }
        services
    }

    async fn wait_for_workers(&self, kind: &str, n: usize) {
        for _ in 0..200 {
            let health: serde_json::Value = self
                .http
                .get(format!("{}/api/health", self.base))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            if health["data"]["workers"][kind].as_array().map_or(0, Vec::len) >= n {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("{kind} workers did not report in");
    }

    pub async fn stop(mut self) {
        for child in &mut self.children {
            let _ = child.start_kill();
            let _ = child.wait().await;
        }
    }
}

impl Services {
    /// `POST /api/models` for a hub repo at Q4; the new record's id.
    pub async fn create(&self, repo_id: &str) -> i64 {
        let body: serde_json::Value = self
            .http
            .post(format!("{}/api/models", self.base))
            .json(&serde_json::json!({"source": "huggingface", "repo_id": repo_id, "quantization": "Q4"}))
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .unwrap_or_else(|e| panic!("POST /api/models failed: {e}"))
            .json()
            .await
            .expect("enveloped answer");
        body["data"]["id"]
            .as_i64()
            .unwrap_or_else(|| panic!("POST answered {body}"))
    }

    /// A Socket.IO client on `/progress`, connected and joined before it is returned.
    pub async fn events(&self) -> Listener {
        let listener = millm_test_support::socket::listen(&self.base, None).await;
        // The namespace join completes after `connect` returns; events sent before it would be missed.
        tokio::time::sleep(Duration::from_millis(300)).await;
        listener
    }

    /// `GET /api/models/{id}`, the whole envelope.
    pub async fn model(&self, id: i64) -> serde_json::Value {
        self.http
            .get(format!("{}/api/models/{id}", self.base))
            .send()
            .await
            .expect("GET answers")
            .json()
            .await
            .expect("enveloped answer")
    }
}
