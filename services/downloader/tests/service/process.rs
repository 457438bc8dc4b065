//! Downloader processes started from the built binary, with the test environment's settings.

use std::process::Stdio;
use std::time::Duration;

use tokio::process::{Child, Command};

use millm_test_support::env::service_env;

use crate::common::TestEnv;

pub struct DownloaderBuilder<'a> {
    pub(crate) env: &'a TestEnv,
    pub(crate) vars: Vec<(String, String)>,
}

impl DownloaderBuilder<'_> {
    pub fn var(mut self, name: &str, value: impl ToString) -> Self {
        self.vars.push((name.to_owned(), value.to_string()));
        self
    }

    /// Starts `millm-downloader` with the environment's settings, 1 MiB chunks, quick liveness.
    pub fn spawn(self) -> Downloader {
        let env = self.env;
        let mut command = Command::new(env!("CARGO_BIN_EXE_millm-downloader"));
        command
            .env_remove("HF_TOKEN")
            .envs(service_env(&env.common))
            .env("HF_ENDPOINT", env.hub.url())
            .env("WORKER_KEEPALIVE_SECS", "1")
            .env("ORPHAN_REQUEUE_SECS", "3")
            .env("SHUTDOWN_TIMEOUT_SECS", "10")
            .env("DOWNLOAD_CHUNK_MB", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .kill_on_drop(true);
        for (name, value) in &self.vars {
            command.env(name, value);
        }
        let child = command.spawn().expect("spawn millm-downloader");
        Downloader { child }
    }
}

/// A running downloader process; killed when dropped.
pub struct Downloader {
    child: Child,
}

impl Downloader {
    pub fn pid(&self) -> u32 {
        self.child.id().expect("process still running")
    }

    pub async fn kill9(&mut self) {
        self.child.kill().await.expect("kill -9");
    }

    pub fn sigterm(&self) {
        let status = std::process::Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status()
            .expect("kill -TERM");
        assert!(status.success());
    }

    /// Waits for the process to exit; `None` if it still runs after `within`.
    pub async fn exited(&mut self, within: Duration) -> Option<std::process::ExitStatus> {
        tokio::time::timeout(within, self.child.wait())
            .await
            .ok()
            .map(|r| r.expect("wait"))
    }
}
