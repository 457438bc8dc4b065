//! The test environment: a fresh database and namespace (`millm_test_support::env`), the
//! gateway and (when asked) the downloader in-process, GPU workers spawned from their binary,
//! and `millm` itself run as a child process with a clean environment.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use millm_contract::config::{QueueWorkerConfig, Secret};
use millm_downloader::{DownloadSettings, DownloaderConfig};
use millm_gateway::GatewayConfig;
use millm_test_support::env::KEY_HEX;
use millm_test_support::{FakeHub, LlamaShape, RepoBuilder, cached_repo};
use serde_json::Value;

pub struct Env {
    pub address: String,
    pub hub: FakeHub,
    pub config: GatewayConfig,
    pub dirs: tempfile::TempDir,
    pub api_key: Option<String>,
    http: reqwest::Client,
}

/// What one run of `millm` gave back.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", self.stdout))
    }
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// A tiny Llama (some 330 KB of files), built once per target directory.
pub fn tiny_repo() -> PathBuf {
    cached_repo("cli-tiny", |dir| {
        RepoBuilder::new(dir).llama(LlamaShape::tiny()).shards(2)
    })
    .expect("tiny repo")
}

impl Env {
    /// The gateway and the fake hub; `api_key` makes every /api route ask for it.
    pub async fn start(api_key: Option<&str>) -> Env {
        let hub = FakeHub::start().await;
        let dirs = tempfile::tempdir().expect("temp dir");
        let mut config = millm_test_support::gateway::test_config(&dirs.path().join("cache"), &hub.url()).await;
        config.http.millm_api_key = api_key.map(Secret::new);
        let address = millm_test_support::gateway::start(&config).await.address;
        Env {
            address,
            hub,
            config,
            dirs,
            api_key: api_key.map(str::to_owned),
            http: reqwest::Client::new(),
        }
    }

    /// A downloader in this process, for this test's namespace, with 1 MiB chunks.
    pub async fn start_downloader(&self) {
        let config = DownloaderConfig {
            common: self.config.common.clone(),
            hub: self.config.hub.clone(),
            queue: QueueWorkerConfig {
                worker_keepalive_secs: millm_contract::config::Seconds::from_secs(1),
                orphan_requeue_secs: millm_contract::config::Seconds::from_secs(3),
            },
            settings: DownloadSettings {
                download_chunk_mb: 1,
                ..DownloadSettings::default()
            },
        };
        let app = millm_downloader::Application::build(config)
            .await
            .expect("downloader builds");
        tokio::spawn(app.run_until_stopped(std::future::pending()));
    }

    /// The GPU worker's binary on the CPU; killed when the returned child is dropped.
    pub fn spawn_gpu_worker(&self) -> tokio::process::Child {
        let binary = millm_test_support::workspace::target_dir().join("debug/millm-gpu-worker");
        assert!(
            binary.is_file(),
            "{} is missing: build it first with `cargo build -p millm-gpu-worker --bins`",
            binary.display()
        );
        let log_path = self.worker_log();
        std::fs::create_dir_all(log_path.parent().expect("log dir")).expect("log dir");
        eprintln!("the GPU worker logs to {}", log_path.display());
        let log = std::fs::File::create(&log_path).expect("log file");
        let common = &self.config.common;
        tokio::process::Command::new(binary)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("DATABASE_URL", &common.database_url)
            .env("REDIS_URL", &common.redis_url)
            .env("NATS_URL", &common.nats_url)
            .env("MILLM_NAMESPACE", &common.millm_namespace)
            .env("MILLM_SECRET_KEY", KEY_HEX)
            .env("MODEL_CACHE_DIR", &common.model_cache_dir)
            .env("DEVICE", "cpu")
            .env("HEARTBEAT_SECS", "1")
            .env("WORKER_KEEPALIVE_SECS", "1")
            .env("ORPHAN_REQUEUE_SECS", "3")
            .env("GRACEFUL_UNLOAD_TIMEOUT", "2")
            .env("SHUTDOWN_TIMEOUT_SECS", "5")
            .env("LOG_FORMAT", "console")
            .env("LOG_LEVEL", "warn")
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log file"))
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .expect("spawn millm-gpu-worker")
    }

    /// The API's `data` for `path`, read directly (with the key, when there is one).
    pub async fn api(&self, path: &str) -> Value {
        let mut request = self.http.get(format!("{}{path}", self.address));
        if let Some(key) = &self.api_key {
            request = request.bearer_auth(key);
        }
        let body: Value = request.send().await.expect("GET").json().await.expect("JSON");
        assert_eq!(body["success"], true, "{path}: {body}");
        body["data"].clone()
    }

    /// Waits until `/api/health` lists an active GPU worker; fails at once, with its log, if the
    /// worker exits (a binary older than the migrations stops with "migration failed").
    pub async fn wait_for_gpu_worker(&self, worker: &mut tokio::process::Child, within: Duration) {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            if let Ok(Some(status)) = worker.try_wait() {
                let log = std::fs::read_to_string(self.worker_log()).unwrap_or_default();
                panic!(
                    "the GPU worker exited ({status}); rebuild it with `cargo build -p millm-gpu-worker --bins` \
                     if it is stale. Its log:\n{log}"
                );
            }
            let health = self.api("/api/health").await;
            let workers = health["workers"]["gpu_worker"].as_array().cloned().unwrap_or_default();
            if workers.iter().any(|w| w["active"] == true) {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "no GPU worker came up: {health}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Under the target's tmp dir, not the test's folder, so that it outlives a failed test.
    fn worker_log(&self) -> PathBuf {
        Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join("cli-gpu-worker-logs")
            .join(format!("{}.log", self.config.common.millm_namespace))
    }

    /// Runs `millm args…` against this gateway, with the key in `MILLM_API_KEY` when there is one.
    pub async fn millm(&self, args: &[&str]) -> Run {
        let mut vars = vec![("MILLM_URL", self.address.as_str())];
        if let Some(key) = &self.api_key {
            vars.push(("MILLM_API_KEY", key.as_str()));
        }
        millm(args, &vars).await
    }

    /// `millm args…` against this gateway, started and left running, stderr piped.
    pub fn spawn_millm(&self, args: &[&str]) -> tokio::process::Child {
        command(args, &[("MILLM_URL", self.address.as_str())])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("millm starts")
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dirs.path().join(name)
    }
}

/// The binary with none of the caller's MILLM_*, HF_TOKEN or NO_COLOR, plus `vars`.
pub fn command(args: &[&str], vars: &[(&str, &str)]) -> tokio::process::Command {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_millm"));
    for name in ["MILLM_URL", "MILLM_API_KEY", "HF_TOKEN", "NO_COLOR"] {
        command.env_remove(name);
    }
    command
        .args(args)
        .envs(vars.iter().copied())
        .stdin(Stdio::null())
        .kill_on_drop(true);
    command
}

/// Runs the binary (see [`command`]) to its end.
pub async fn millm(args: &[&str], vars: &[(&str, &str)]) -> Run {
    let mut command = command(args, vars);
    let output = tokio::time::timeout(Duration::from_secs(60), command.output())
        .await
        .unwrap_or_else(|_| panic!("millm {args:?} ran over 60 s"))
        .expect("millm runs");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// A copy of `repo` under `into`, so that a test can register it as a folder of its own.
pub fn copy_repo(repo: &Path, into: &Path) -> PathBuf {
    std::fs::create_dir_all(into).expect("copy dir");
    for entry in std::fs::read_dir(repo).expect("repo") {
        let entry = entry.expect("entry");
        std::fs::copy(entry.path(), into.join(entry.file_name())).expect("copy");
    }
    into.to_path_buf()
}

/// The total size of the files in `dir`.
pub fn dir_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .expect("dir")
        .flatten()
        .filter_map(|e| e.metadata().ok())
        .map(|m| m.len())
        .sum()
}
