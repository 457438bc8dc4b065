//! Isolation for tests that share one Postgres, Redis and NATS: each test gets a database and a
//! `MILLM_NAMESPACE` of its own, so parallel tests (and test binaries) never see each other.

use millm_platform::contract::config::{CommonConfig, HubConfig, LogFormat, Seconds, SecretKey};
use std::path::Path;

/// The local Postgres server the tests create their databases on.
pub const PG_BASE: &str = "postgres://postgres@127.0.0.1:5432";

/// Creates a fresh, empty database and returns its URL (migrations are left to the service).
///
/// # Panics
/// When Postgres cannot be reached or refuses to create the database: the test cannot run.
pub async fn fresh_database() -> String {
    let name = format!("millm_test_{}", uuid::Uuid::new_v4().simple());
    let url = format!("{PG_BASE}/{name}");
    if let Err(error) = millm_platform::db::ensure_database(&url).await {
        panic!("cannot create the test database {name}: {error}");
    }
    url
}

/// A namespace no other test uses: a letter and 12 random hex digits.
pub fn unique_namespace() -> String {
    format!("t{}", &uuid::Uuid::new_v4().simple().to_string()[..12])
}

/// The `MILLM_SECRET_KEY` every test uses (tests seal and open tokens with it).
pub const KEY_HEX: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

pub fn secret_key() -> SecretKey {
    let mut key = [0u8; 32];
    for (i, byte) in key.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&KEY_HEX[2 * i..2 * i + 2], 16).expect("KEY_HEX is hex");
    }
    SecretKey(key)
}

/// What every service of one test shares: a fresh database, its own namespace, the local Redis
/// and NATS, `cache` as `MODEL_CACHE_DIR`, one-second heartbeats and a five-second shutdown.
pub async fn common_config(cache: &Path) -> CommonConfig {
    CommonConfig {
        database_url: fresh_database().await,
        redis_url: "redis://127.0.0.1:6379".into(),
        nats_url: "nats://127.0.0.1:4222".into(),
        millm_namespace: unique_namespace(),
        model_cache_dir: cache.to_path_buf(),
        log_level: "warn".into(),
        log_format: LogFormat::Console,
        millm_secret_key: secret_key(),
        heartbeat_secs: Seconds::from_secs(1),
        shutdown_timeout_secs: Seconds::from_secs(5),
        otel_exporter_otlp_endpoint: None,
        metrics_port: None,
    }
}

/// Hub access to `endpoint` with no server-wide token and the default breaker.
pub fn hub_config(endpoint: &str) -> HubConfig {
    HubConfig {
        hf_endpoint: endpoint.to_owned(),
        hf_token: None,
        hub_breaker_threshold: std::num::NonZeroU32::new(5).expect("not zero"),
        hub_breaker_recovery_secs: Seconds::from_secs(30),
    }
}

/// The environment a spawned service process reads to share `common` (made by [`common_config`],
/// so its secret key is [`KEY_HEX`]): a binary configured as the in-process services are.
pub fn service_env(common: &CommonConfig) -> Vec<(&'static str, String)> {
    let format = match common.log_format {
        LogFormat::Json => "json",
        LogFormat::Console => "console",
    };
    let mut vars = vec![
        ("DATABASE_URL", common.database_url.clone()),
        ("REDIS_URL", common.redis_url.clone()),
        ("NATS_URL", common.nats_url.clone()),
        ("MILLM_NAMESPACE", common.millm_namespace.clone()),
        ("MODEL_CACHE_DIR", common.model_cache_dir.display().to_string()),
        ("MILLM_SECRET_KEY", KEY_HEX.to_owned()),
        ("HEARTBEAT_SECS", common.heartbeat_secs.get().as_secs().to_string()),
        (
            "SHUTDOWN_TIMEOUT_SECS",
            common.shutdown_timeout_secs.get().as_secs().to_string(),
        ),
        ("LOG_LEVEL", common.log_level.clone()),
        ("LOG_FORMAT", format.to_owned()),
    ];
    if let Some(endpoint) = &common.otel_exporter_otlp_endpoint {
        vars.push(("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.clone()));
    }
    if let Some(port) = common.metrics_port {
        vars.push(("METRICS_PORT", port.to_string()));
    }
    vars
}
