//! A hub token never appears in clear: not in the logs (at trace level), not in a `pg_dump`,
//! not in any Redis value.

use millm_test_support::{FakeHub, RepoOptions};
use serde_json::json;
use std::process::Stdio;
use std::time::Duration;

use crate::common::{KEY_HEX, fresh_database, tiny_repo, unique_namespace};

const TOKEN: &str = "hf_SuperSecretToken_7f3a91";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn redis_values(namespace: &str) -> String {
    let client = redis::Client::open("redis://127.0.0.1:6379").unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{namespace}*"))
        .query_async(&mut conn)
        .await
        .unwrap();
    assert!(!keys.is_empty(), "the job is in Redis under the namespace");
    let mut all = String::new();
    for key in keys {
        let kind: String = redis::cmd("TYPE").arg(&key).query_async(&mut conn).await.unwrap();
        let values: Vec<Vec<u8>> = match kind.as_str() {
            "string" => vec![redis::cmd("GET").arg(&key).query_async(&mut conn).await.unwrap()],
            "hash" => redis::cmd("HGETALL").arg(&key).query_async(&mut conn).await.unwrap(),
            "list" => redis::cmd("LRANGE")
                .arg(&key)
                .arg(0)
                .arg(-1)
                .query_async(&mut conn)
                .await
                .unwrap(),
            "set" => redis::cmd("SMEMBERS").arg(&key).query_async(&mut conn).await.unwrap(),
            "zset" => redis::cmd("ZRANGE")
                .arg(&key)
                .arg(0)
                .arg(-1)
                .query_async(&mut conn)
                .await
                .unwrap(),
            _ => Vec::new(),
        };
        for v in values {
            all.push_str(&String::from_utf8_lossy(&v));
            all.push('\n');
        }
    }
    all
}

#[tokio::test]
async fn a_hub_token_is_stored_only_sealed_and_never_logged() {
    // Arrange: the real binary at trace level, a gated repo that accepts the token.
    let hub = FakeHub::start().await;
    hub.publish_gated(TOKEN);
    let cache = tempfile::tempdir().unwrap();
    let database_url = fresh_database().await;
    let namespace = unique_namespace();
    let port = free_port();
    let log_path = cache.path().join("gateway.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_millm-gateway"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", &database_url)
        .env("MILLM_NAMESPACE", &namespace)
        .env("MODEL_CACHE_DIR", cache.path())
        .env("HF_ENDPOINT", hub.url())
        .env("MILLM_SECRET_KEY", KEY_HEX)
        .env("HOST", "127.0.0.1")
        .env("PORT", port.to_string())
        .env("LOG_LEVEL", "trace")
        .env("LOG_FORMAT", "json")
        .stdout(Stdio::from(log.try_clone().unwrap()))
        .stderr(Stdio::from(log))
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let http = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    let mut up = false;
    for _ in 0..100 {
        if http.get(format!("{base}/api/health")).send().await.is_ok() {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        up,
        "the gateway started: {}",
        std::fs::read_to_string(&log_path).unwrap_or_default()
    );

    // Act: use the token on every path that takes one, including failures.
    let with_token = json!({"source": "huggingface", "repo_id": "org/gated", "hf_token": TOKEN});
    let created = http
        .post(format!("{base}/api/models"))
        .json(&with_token)
        .send()
        .await
        .unwrap();
    assert_eq!(created.status().as_u16(), 202);
    http.post(format!("{base}/api/models/preview"))
        .json(&json!({"repo_id": "org/gated", "hf_token": TOKEN}))
        .send()
        .await
        .unwrap();
    http.post(format!("{base}/api/models"))
        .json(&json!({"source": "huggingface", "repo_id": "org/missing", "hf_token": TOKEN}))
        .send()
        .await
        .unwrap();
    http.post(format!("{base}/api/models"))
        .json(&json!({"source": "huggingface", "repo_id": "org/gated", "quantization": "Q5", "hf_token": TOKEN}))
        .send()
        .await
        .unwrap();
    child.start_kill().unwrap();
    let _ = child.wait().await;

    // Assert
    let logs = std::fs::read_to_string(&log_path).unwrap();
    assert!(logs.len() > 1000, "trace logs were written");
    assert!(!logs.contains(TOKEN), "the token is in the logs");
    let dump = std::process::Command::new("pg_dump")
        .arg(&database_url)
        .output()
        .unwrap();
    assert!(dump.status.success(), "{}", String::from_utf8_lossy(&dump.stderr));
    let dump = String::from_utf8_lossy(&dump.stdout);
    assert!(dump.contains("v1:"), "the sealed token is in the dump");
    assert!(!dump.contains(TOKEN), "the token is in the database");
    let values = redis_values(&namespace).await;
    assert!(values.contains("v1:"), "the sealed token is in the job");
    assert!(!values.contains(TOKEN), "the token is in Redis");
}

trait PublishGated {
    fn publish_gated(&self, token: &str);
}

impl PublishGated for FakeHub {
    fn publish_gated(&self, token: &str) {
        let options = RepoOptions {
            gated: true,
            allowed_tokens: vec![token.to_owned()],
            ..Default::default()
        };
        self.add_repo("org/gated", &tiny_repo(), options).unwrap();
    }
}
