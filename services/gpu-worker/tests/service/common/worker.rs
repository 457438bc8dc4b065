//! GPU worker processes spawned from the real binary for a test's namespace, with the test defaults (CPU, 1 s
//! heartbeats, short orphan and shutdown times); each one logs to a file under the target's tmp dir.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use millm_test_support::env::service_env;

use super::Gateway;

/// A worker process; killed (SIGKILL) when dropped. Its log is under the target's tmp dir (path printed at start).
pub struct Worker {
    pub child: Child,
    /// Where its stdout and stderr go.
    pub log: PathBuf,
}

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Worker {
    /// SIGTERM, as an orchestrator stops it; returns whether it exited successfully within `within`.
    pub fn terminate(&mut self, within: Duration) -> bool {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .is_ok_and(|s| s.success());
        let deadline = Instant::now() + within;
        while sent && Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.success();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    }

    /// Whether its log has a line containing every one of `words` yet.
    pub fn logged(&self, words: &[&str]) -> bool {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .any(|line| words.iter().all(|w| line.contains(w)))
    }

    /// `kill -9`: no clean shutdown, no unload.
    pub fn kill(&mut self) {
        self.child.kill().expect("kill the worker");
        let _ = self.child.wait();
    }
}

impl Gateway {
    /// Starts a worker process for this namespace, with `extra` variables on top of the test defaults.
    pub fn spawn_worker(&self, extra: &[(&str, &str)]) -> Worker {
        let logs = Path::new(env!("CARGO_TARGET_TMPDIR")).join("gpu-worker-logs");
        std::fs::create_dir_all(&logs).expect("log dir");
        let log = logs.join(format!(
            "{}-{}.log",
            self.names.namespace(),
            uuid::Uuid::new_v4().simple()
        ));
        let out = std::fs::File::create(&log).expect("log file");
        let err = out.try_clone().expect("log file");
        let common = &self.config.common;
        let mut command = Command::new(env!("CARGO_BIN_EXE_millm-gpu-worker"));
        command
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .envs(service_env(common))
            .env("DEVICE", "cpu")
            .env("WORKER_KEEPALIVE_SECS", "1")
            .env("ORPHAN_REQUEUE_SECS", "3")
            .env("GRACEFUL_UNLOAD_TIMEOUT", "2")
            .env("LOG_LEVEL", "info")
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err);
        for (key, value) in extra {
            command.env(key, value);
        }
        let child = command.spawn().expect("spawn millm-gpu-worker");
        eprintln!("worker {} logs to {}", child.id(), log.display());
        Worker { child, log }
    }

    /// Starts a worker and waits until the gateway sees it active.
    pub async fn start_worker(&self, extra: &[(&str, &str)]) -> (Worker, Value) {
        let worker = self.spawn_worker(extra);
        let gpu = self
            .wait_gpu(Duration::from_secs(60), |g| g["worker"]["id"].is_string())
            .await;
        (worker, gpu)
    }
}
