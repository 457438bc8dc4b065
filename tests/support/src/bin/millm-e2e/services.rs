//! The three services as child processes of the launcher, started from the workspace's built binaries and configured
//! through the environment as in production (the same approach as the benchmarks' `services.rs`).
//!
//! Children get a cleared environment plus the variables below, so a developer's `.env` or shell (a real
//! `HF_ENDPOINT`, `LOCAL_MODEL_ROOTS`, `MILLM_API_KEY`) can never leak into a test run. Each service appends to a log
//! file of its own, so a restarted gateway's lines follow its first life's.

use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::time::{Duration, Instant};

use millm_test_support::env::KEY_HEX;
use serde_json::Value;
use tokio::process::{Child, Command};

/// What every child of one run shares.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `target/debug` or `target/release`.
    pub bin_dir: PathBuf,
    pub database_url: String,
    pub namespace: String,
    pub cache_dir: PathBuf,
    pub hub_url: String,
    pub ui_dir: PathBuf,
    pub memory_limit_mb: u64,
    pub logs_dir: PathBuf,
    pub log_level: String,
}

/// A running service; killed if dropped without [`Service::stop`].
#[derive(Debug)]
pub struct Service {
    pub name: &'static str,
    pub log: PathBuf,
    child: Child,
}

/// A port that was free a moment ago. Services bind it themselves, so there is a small window in which another
/// process could take it; on a test machine that is rare enough not to matter.
pub fn free_port() -> Result<u16, String> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .map_err(|e| format!("no free port: {e}"))
}

impl Settings {
    fn common(&self) -> Vec<(&'static str, String)> {
        vec![
            ("DATABASE_URL", self.database_url.clone()),
            ("REDIS_URL", "redis://127.0.0.1:6379".into()),
            ("NATS_URL", "nats://127.0.0.1:4222".into()),
            ("MILLM_NAMESPACE", self.namespace.clone()),
            ("MODEL_CACHE_DIR", self.cache_dir.display().to_string()),
            ("MILLM_SECRET_KEY", KEY_HEX.into()),
            ("HEARTBEAT_SECS", "1".into()),
            ("SHUTDOWN_TIMEOUT_SECS", "5".into()),
            ("LOG_LEVEL", self.log_level.clone()),
            ("LOG_FORMAT", "console".into()),
        ]
    }

    /// The gateway on `port`; with `api_key`, every `/api` route but health asks for it.
    pub fn gateway(&self, port: u16, api_key: Option<&str>) -> Result<Service, String> {
        let mut env = vec![
            ("HOST", "127.0.0.1".to_owned()),
            ("PORT", port.to_string()),
            ("HF_ENDPOINT", self.hub_url.clone()),
            ("MILLM_UI_DIR", self.ui_dir.display().to_string()),
            ("GRACEFUL_UNLOAD_TIMEOUT", "2".into()),
        ];
        let name = match api_key {
            Some(key) => {
                env.push(("MILLM_API_KEY", key.to_owned()));
                "gateway-keyed"
            }
            None => "gateway",
        };
        self.spawn("millm-gateway", name, &env)
    }

    pub fn downloader(&self) -> Result<Service, String> {
        let env = [
            ("HF_ENDPOINT", self.hub_url.clone()),
            ("MAX_DOWNLOAD_WORKERS", "4".into()),
            ("WORKER_KEEPALIVE_SECS", "1".into()),
            ("ORPHAN_REQUEUE_SECS", "3".into()),
        ];
        self.spawn("millm-downloader", "downloader", &env)
    }

    pub fn gpu_worker(&self) -> Result<Service, String> {
        let env = [
            ("DEVICE", "cpu".to_owned()),
            ("DEVICE_MEMORY_LIMIT_MB", self.memory_limit_mb.to_string()),
            ("GRACEFUL_UNLOAD_TIMEOUT", "2".into()),
            ("WORKER_KEEPALIVE_SECS", "1".into()),
            ("ORPHAN_REQUEUE_SECS", "3".into()),
        ];
        self.spawn("millm-gpu-worker", "gpu-worker", &env)
    }

    fn spawn(&self, binary: &str, name: &'static str, extra: &[(&str, String)]) -> Result<Service, String> {
        let program = self.bin_dir.join(binary);
        let log = self.logs_dir.join(format!("{name}.log"));
        let out = std::fs::File::options()
            .create(true)
            .append(true)
            .open(&log)
            .map_err(|e| format!("{}: {e}", log.display()))?;
        let err = out.try_clone().map_err(|e| format!("{}: {e}", log.display()))?;
        let mut command = Command::new(&program);
        command.env_clear();
        for key in ["PATH", "HOME", "LD_LIBRARY_PATH", "RUST_BACKTRACE"] {
            if let Some(value) = std::env::var_os(key) {
                command.env(key, value);
            }
        }
        command
            .envs(self.common())
            .envs(extra.iter().map(|(k, v)| (*k, v.as_str())))
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .kill_on_drop(true);
        let child = command
            .spawn()
            .map_err(|e| format!("cannot start {} (build it first): {e}", program.display()))?;
        Ok(Service { name, log, child })
    }
}

impl Service {
    /// The exit status, if the process has ended.
    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// SIGTERM, as an orchestrator stops a service; SIGKILL when it has not exited after `grace`.
    pub async fn stop(&mut self, grace: Duration) {
        if self.exited().is_some() {
            return;
        }
        if let Some(pid) = self.child.id() {
            let _ = std::process::Command::new("kill")
                .args(["-TERM", &pid.to_string()])
                .status();
        }
        if tokio::time::timeout(grace, self.child.wait()).await.is_err() {
            let _ = self.child.start_kill();
            let _ = self.child.wait().await;
        }
    }

    fn died(&mut self) -> Option<String> {
        let status = self.exited()?;
        Some(format!("{} exited ({status}); see {}", self.name, self.log.display()))
    }
}

/// Waits until `base` answers `/api/health` with at least one downloader and one active GPU worker, failing early
/// when one of `watched` exits. Health needs no API key, so this works for the keyed gateway too.
pub async fn wait_healthy(
    http: &reqwest::Client,
    base: &str,
    watched: &mut [&mut Service],
    within: Duration,
) -> Result<(), String> {
    let deadline = Instant::now() + within;
    loop {
        if let Some(death) = watched.iter_mut().find_map(|service| service.died()) {
            return Err(death);
        }
        let last = match health(http, base).await {
            Ok(body) if is_ready(&body) => return Ok(()),
            Ok(body) => body.to_string(),
            Err(error) => error,
        };
        if Instant::now() > deadline {
            return Err(format!("{base}/api/health never showed live workers; last: {last}"));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn health(http: &reqwest::Client, base: &str) -> Result<Value, String> {
    let response = http
        .get(format!("{base}/api/health"))
        .timeout(Duration::from_secs(3))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    response.json().await.map_err(|e| e.to_string())
}

fn is_ready(body: &Value) -> bool {
    let workers = &body["data"]["workers"];
    let downloader = workers["downloader"].as_array().is_some_and(|list| !list.is_empty());
    let gpu = workers["gpu_worker"]
        .as_array()
        .is_some_and(|list| list.iter().any(|w| w["active"] == true));
    body["data"]["status"] == "ok" && downloader && gpu
}

/// The binary directory for a cargo profile.
pub fn bin_dir(target: &Path, profile: &str) -> Result<PathBuf, String> {
    let dir = target.join(profile);
    let missing: Vec<_> = ["millm-gateway", "millm-downloader", "millm-gpu-worker"]
        .into_iter()
        .filter(|bin| !dir.join(bin).is_file())
        .collect();
    if missing.is_empty() {
        return Ok(dir);
    }
    let flag = if profile == "release" { " --release" } else { "" };
    Err(format!(
        "missing {} in {}: build them with `cargo build{flag} -p millm-gateway -p millm-downloader -p millm-gpu-worker --bins`",
        missing.join(", "),
        dir.display()
    ))
}
