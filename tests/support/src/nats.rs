//! A NATS server of a test's own, on a free port, that the test may stop and start again: the
//! shared one on 4222 serves every parallel test, so no test may restart that one.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BINARY: &str = "/usr/sbin/nats-server";

/// A running `nats-server -js`; killed when dropped.
pub struct NatsServer {
    port: u16,
    store: tempfile::TempDir,
    child: Option<Child>,
}

impl NatsServer {
    /// Starts a server on a free port and waits until it accepts connections.
    pub async fn start() -> NatsServer {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let mut server = NatsServer {
            port,
            store: tempfile::tempdir().expect("a JetStream store"),
            child: None,
        };
        server.spawn().await;
        server
    }

    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// Kills the server (as a crash would) and starts it again on the same port.
    pub async fn restart(&mut self, down_for: Duration) {
        self.stop();
        tokio::time::sleep(down_for).await;
        self.spawn().await;
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    async fn spawn(&mut self) {
        let store: PathBuf = self.store.path().to_path_buf();
        let child = Command::new(BINARY)
            .args(["-js", "-a", "127.0.0.1", "-p", &self.port.to_string(), "-sd"])
            .arg(store)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{BINARY} did not start: {e}"));
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while async_nats::connect(self.url()).await.is_err() {
            assert!(Instant::now() < deadline, "nats-server on {} never came up", self.port);
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        self.stop();
    }
}
