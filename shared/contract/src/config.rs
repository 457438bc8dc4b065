//! Typed configuration, read once from the environment at start (docs/configuration.md).
//!
//! Each service builds its struct from the parts it reads with [`from_env`]; a missing or bad
//! variable fails fast with an error that names it. Secrets print as `[redacted]`.

use serde::{Deserialize, Deserializer};
use std::num::NonZeroU32;
use std::path::PathBuf;
use std::time::Duration;

/// A value that must never reach a log line.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

/// `MILLM_SECRET_KEY`: 32 bytes given as 64 hex characters.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretKey(pub [u8; 32]);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

impl<'de> Deserialize<'de> for SecretKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        parse_key(text.trim())
            .map(SecretKey)
            .ok_or_else(|| serde::de::Error::custom("MILLM_SECRET_KEY must be 64 hex characters (32 bytes)"))
    }
}

fn parse_key(text: &str) -> Option<[u8; 32]> {
    if text.len() != 64 || !text.is_ascii() {
        return None;
    }
    let mut key = [0u8; 32];
    for (i, byte) in key.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(key)
}

/// A duration given in whole seconds (`HEARTBEAT_SECS=2`), parsed once at start. Zero and
/// anything that is not a whole number are refused, and the error names the variable; code
/// reads a [`Duration`] and never clamps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seconds(Duration);

impl Seconds {
    /// # Panics
    /// On zero: a configured duration is never zero (tests and defaults pass literals).
    pub const fn from_secs(secs: u64) -> Self {
        assert!(secs > 0, "a configured duration is at least one second");
        Self(Duration::from_secs(secs))
    }

    pub const fn get(self) -> Duration {
        self.0
    }
}

impl<'de> Deserialize<'de> for Seconds {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match u64::deserialize(d)? {
            0 => Err(serde::de::Error::custom(
                "must be a whole number of seconds above 0, not 0",
            )),
            secs => Ok(Self(Duration::from_secs(secs))),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Json,
    Console,
}

/// What every service reads.
#[derive(Debug, Clone, Deserialize)]
pub struct CommonConfig {
    #[serde(default = "d::database_url")]
    pub database_url: String,
    #[serde(default = "d::redis_url")]
    pub redis_url: String,
    #[serde(default = "d::nats_url")]
    pub nats_url: String,
    #[serde(default = "d::namespace")]
    pub millm_namespace: String,
    #[serde(default = "d::cache_dir")]
    pub model_cache_dir: PathBuf,
    #[serde(default = "d::log_level")]
    pub log_level: String,
    #[serde(default = "d::log_format")]
    pub log_format: LogFormat,
    pub millm_secret_key: SecretKey,
    #[serde(default = "d::heartbeat_secs")]
    pub heartbeat_secs: Seconds,
    #[serde(default = "d::shutdown_timeout_secs")]
    pub shutdown_timeout_secs: Seconds,
    #[serde(default)]
    pub otel_exporter_otlp_endpoint: Option<String>,
    /// The operations port (`/livez`, `/readyz`, `/metrics`); unset means none, 0 a free port.
    #[serde(default)]
    pub metrics_port: Option<u16>,
}

/// Hub access, read by the gateway and the downloader.
#[derive(Debug, Clone, Deserialize)]
pub struct HubConfig {
    #[serde(default = "d::hf_endpoint")]
    pub hf_endpoint: String,
    #[serde(default)]
    pub hf_token: Option<Secret>,
    #[serde(default = "d::breaker_threshold")]
    /// Failures in a row that open the breaker; at least 1.
    pub hub_breaker_threshold: NonZeroU32,
    #[serde(default = "d::breaker_recovery_secs")]
    pub hub_breaker_recovery_secs: Seconds,
}

/// apalis liveness, read by both workers.
#[derive(Debug, Clone, Deserialize)]
pub struct QueueWorkerConfig {
    #[serde(default = "d::keepalive_secs")]
    pub worker_keepalive_secs: Seconds,
    #[serde(default = "d::orphan_requeue_secs")]
    pub orphan_requeue_secs: Seconds,
}

/// `GRACEFUL_UNLOAD_TIMEOUT`, read by the GPU worker (how long an unload waits for work in
/// flight) and the gateway (which waits 10 s more): one default for both.
pub fn default_graceful_unload_timeout() -> Seconds {
    Seconds::from_secs(30)
}

/// Reads one part of a service's configuration; the error names the variable.
pub fn from_env<T: serde::de::DeserializeOwned>() -> Result<T, ConfigError> {
    from_vars(std::env::vars())
}

/// [`from_env`] over given variables. A variable set to the empty string (or to spaces) counts
/// as unset, as compose and `.env` files write `HF_TOKEN=` for "none": it takes its default,
/// or is reported missing when it is required.
pub fn from_vars<T: serde::de::DeserializeOwned>(
    vars: impl IntoIterator<Item = (String, String)>,
) -> Result<T, ConfigError> {
    let set: Vec<(String, String)> = vars.into_iter().filter(|(_, value)| !value.trim().is_empty()).collect();
    envy::from_iter::<_, T>(set.clone()).map_err(|e| match e {
        envy::Error::MissingValue(field) => {
            ConfigError(format!("missing environment variable {}", field.to_uppercase()))
        }
        // envy names the variable when it fails to parse a number or a flag itself, but not when
        // a type's own rule refuses the value (a zero duration, a short key): then the variable is
        // the one whose removal changes the outcome.
        envy::Error::Custom(message) if message.contains(" provided by ") => {
            ConfigError(format!("bad environment variable: {message}"))
        }
        envy::Error::Custom(message) => match culprit::<T>(&set, &message) {
            Some(name) => ConfigError(format!("bad environment variable {name}: {message}")),
            None => ConfigError(format!("bad environment variable: {message}")),
        },
    })
}

/// The variable whose absence makes `T` parse differently: the one `message` is about.
fn culprit<'a, T: serde::de::DeserializeOwned>(set: &'a [(String, String)], message: &str) -> Option<&'a str> {
    set.iter()
        .find(|(name, _)| {
            let others = set.iter().filter(|(other, _)| other != name).cloned();
            !matches!(envy::from_iter::<_, T>(others), Err(envy::Error::Custom(m)) if m == message)
        })
        .map(|(name, _)| name.as_str())
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

/// Defaults, as docs/configuration.md lists them.
mod d {
    use super::*;
    pub fn database_url() -> String {
        "postgres://postgres@127.0.0.1:5432/millm".into()
    }
    pub fn redis_url() -> String {
        "redis://127.0.0.1:6379".into()
    }
    pub fn nats_url() -> String {
        "nats://127.0.0.1:4222".into()
    }
    pub fn namespace() -> String {
        "millm".into()
    }
    pub fn cache_dir() -> PathBuf {
        PathBuf::from("./data/models")
    }
    pub fn log_level() -> String {
        "info".into()
    }
    pub fn log_format() -> LogFormat {
        LogFormat::Json
    }
    pub fn heartbeat_secs() -> Seconds {
        Seconds::from_secs(2)
    }
    pub fn shutdown_timeout_secs() -> Seconds {
        Seconds::from_secs(20)
    }
    pub fn hf_endpoint() -> String {
        "https://huggingface.co".into()
    }
    pub fn breaker_threshold() -> NonZeroU32 {
        NonZeroU32::new(5).expect("5 is not zero")
    }
    pub fn breaker_recovery_secs() -> Seconds {
        Seconds::from_secs(30)
    }
    pub fn keepalive_secs() -> Seconds {
        Seconds::from_secs(5)
    }
    pub fn orphan_requeue_secs() -> Seconds {
        Seconds::from_secs(30)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_key_needs_64_hex_characters() {
        assert!(parse_key(&"ab".repeat(32)).is_some());
        assert!(parse_key(&"ab".repeat(31)).is_none());
        assert!(parse_key(&"zz".repeat(32)).is_none());
    }

    fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn an_empty_optional_variable_counts_as_unset() {
        let hub: HubConfig = from_vars(vars(&[("HF_TOKEN", ""), ("HF_ENDPOINT", " ")])).unwrap();
        assert!(hub.hf_token.is_none());
        assert_eq!(hub.hf_endpoint, "https://huggingface.co");
        let common: CommonConfig = from_vars(vars(&[
            ("MILLM_SECRET_KEY", &"ab".repeat(32)),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", ""),
        ]))
        .unwrap();
        assert!(common.otel_exporter_otlp_endpoint.is_none());
    }

    #[test]
    fn an_empty_required_variable_is_reported_missing_by_name() {
        let error = from_vars::<CommonConfig>(vars(&[("MILLM_SECRET_KEY", "")])).unwrap_err();
        assert_eq!(error.0, "missing environment variable MILLM_SECRET_KEY");
    }

    #[test]
    fn durations_are_whole_seconds_above_zero_and_a_bad_one_names_its_variable() {
        let queue: QueueWorkerConfig = from_vars(vars(&[("WORKER_KEEPALIVE_SECS", "7")])).unwrap();
        assert_eq!(queue.worker_keepalive_secs.get(), Duration::from_secs(7));
        assert_eq!(queue.orphan_requeue_secs.get(), Duration::from_secs(30));
        for bad in ["0", "abc", "1.5", "-3"] {
            let error = from_vars::<QueueWorkerConfig>(vars(&[("ORPHAN_REQUEUE_SECS", bad)])).unwrap_err();
            assert!(error.0.contains("ORPHAN_REQUEUE_SECS"), "{bad}: {}", error.0);
        }
    }

    #[test]
    fn secrets_never_print() {
        let s = Secret::new("hf_abc");
        assert_eq!(format!("{s:?}"), "[redacted]");
        assert_eq!(format!("{:?}", SecretKey([1; 32])), "[redacted]");
    }
}
