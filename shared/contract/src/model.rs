//! The Model record as every service and client sees it, and its small enums.
//!
//! Postgres stores these as text; the platform crate maps rows to [`Model`], the gateway
//! serialises it as the contract's JSON shape, and events embed it unchanged.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name {
            $(#[serde(rename = $text)] $variant),+
        }

        // By hand: the derive does not see a `rename` whose value is a macro fragment, and
        // would document the Rust variant names instead of the wire names.
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .enum_values(Some([$($text),+]))
                    .into()
            }
        }

        impl ToSchema for $name {}

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    other => Err(format!(
                        "'{other}' is not one of {}",
                        [$($text),+].join(", ")
                    )),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

text_enum!(
    /// Where a model's files come from.
    ModelSource { Huggingface => "huggingface", Local => "local" }
);

text_enum!(
    /// How the worker stores linear weights once loaded.
    Quantization { Q4 => "Q4", Q8 => "Q8", Fp16 => "FP16" }
);

text_enum!(
    /// The record's life cycle: `downloading → ready → loading → loaded → ready`, and `error`.
    ModelStatus {
        Downloading => "downloading",
        Ready => "ready",
        Loading => "loading",
        Loaded => "loaded",
        Error => "error",
    }
);

text_enum!(
    /// Which step produced a record's `error_message`.
    ErrorStage { Download => "download", Load => "load" }
);

/// The contract's Model shape: every route that returns a model returns this.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Model {
    pub id: i64,
    pub name: String,
    pub source: ModelSource,
    #[schema(required = true)]
    pub repo_id: Option<String>,
    #[schema(required = true)]
    pub local_path: Option<String>,
    #[schema(required = true)]
    pub revision: Option<String>,
    #[schema(required = true)]
    pub params: Option<String>,
    #[schema(required = true)]
    pub architecture: Option<String>,
    pub quantization: Quantization,
    #[schema(required = true)]
    pub disk_size_mb: Option<i64>,
    #[schema(required = true)]
    pub estimated_memory_mb: Option<i64>,
    #[schema(required = true)]
    pub memory_used_mb: Option<i64>,
    pub status: ModelStatus,
    #[schema(required = true)]
    pub download_progress: Option<f64>,
    #[schema(required = true)]
    pub error_message: Option<String>,
    #[schema(required = true)]
    pub error_stage: Option<ErrorStage>,
    pub trust_remote_code: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[schema(required = true)]
    pub loaded_at: Option<DateTime<Utc>>,
}

impl Model {
    /// Whether a load may start from this record: it is `ready`, or its last load failed (a
    /// failed download must be retried first). The load route and the `ready → loading`
    /// transition both ask this.
    pub fn may_load(&self) -> bool {
        match self.status {
            ModelStatus::Ready => true,
            ModelStatus::Error => self.error_stage == Some(ErrorStage::Load),
            _ => false,
        }
    }
}

/// Bytes to whole MiB, the unit of every `*_mb` field, rounded up: a non-empty model never
/// shows 0 MiB, and a figure never claims less than the bytes need. Every service uses this one.
pub fn mib(bytes: u64) -> i64 {
    i64::try_from(bytes.div_ceil(1 << 20)).unwrap_or(i64::MAX)
}

/// The seed's parameter label: billions with one decimal, millions and thousands without.
pub fn format_params(count: u64) -> String {
    let n = count as f64;
    if n >= 1e9 {
        format!("{:.1}B", n / 1e9)
    } else if n >= 1e6 {
        format!("{:.0}M", n / 1e6)
    } else if n >= 1e3 {
        format!("{:.0}K", n / 1e3)
    } else {
        count.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(status: ModelStatus, error_stage: Option<ErrorStage>) -> Model {
        let now = DateTime::<Utc>::UNIX_EPOCH;
        Model {
            id: 1,
            name: "m".into(),
            source: ModelSource::Huggingface,
            repo_id: Some("org/m".into()),
            local_path: None,
            revision: None,
            params: None,
            architecture: None,
            quantization: Quantization::Q4,
            disk_size_mb: None,
            estimated_memory_mb: None,
            memory_used_mb: None,
            status,
            download_progress: None,
            error_message: None,
            error_stage,
            trust_remote_code: false,
            created_at: now,
            updated_at: now,
            loaded_at: None,
        }
    }

    #[test]
    fn only_a_ready_record_or_one_whose_load_failed_may_load() {
        assert!(record(ModelStatus::Ready, None).may_load());
        assert!(record(ModelStatus::Error, Some(ErrorStage::Load)).may_load());
        assert!(!record(ModelStatus::Error, Some(ErrorStage::Download)).may_load());
        for status in [ModelStatus::Downloading, ModelStatus::Loading, ModelStatus::Loaded] {
            assert!(!record(status, None).may_load(), "{status}");
        }
    }

    #[test]
    fn params_are_labelled_like_the_seed() {
        assert_eq!(format_params(2_500_000_000), "2.5B");
        assert_eq!(format_params(350_000_000), "350M");
        assert_eq!(format_params(140_000), "140K");
        assert_eq!(format_params(999), "999");
    }

    #[test]
    fn enums_are_documented_by_their_wire_names() {
        let schema = serde_json::to_value(<Quantization as utoipa::PartialSchema>::schema()).unwrap();
        assert_eq!(schema["enum"], serde_json::json!(["Q4", "Q8", "FP16"]));
        let schema = serde_json::to_value(<ModelSource as utoipa::PartialSchema>::schema()).unwrap();
        assert_eq!(schema["enum"], serde_json::json!(["huggingface", "local"]));
    }

    #[test]
    fn enums_parse_only_their_wire_names() {
        assert_eq!("FP16".parse::<Quantization>(), Ok(Quantization::Fp16));
        assert!("fp16".parse::<Quantization>().is_err());
        assert_eq!("loaded".parse::<ModelStatus>(), Ok(ModelStatus::Loaded));
    }

    #[test]
    fn mib_rounds_up_to_the_next_mebibyte() {
        assert_eq!(mib(0), 0);
        assert_eq!(mib(1), 1);
        assert_eq!(mib(1 << 20), 1);
        assert_eq!(mib((1 << 20) + 1), 2);
        assert_eq!(mib(u64::MAX), i64::try_from(u64::MAX.div_ceil(1 << 20)).unwrap());
    }
}
