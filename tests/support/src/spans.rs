//! Spans collected in memory, for tests that check that one trace crosses every service of a
//! test process: the process-wide subscriber gets an OpenTelemetry layer whose exporter keeps
//! each finished span.

use std::sync::{Arc, Mutex, OnceLock};

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SdkTracerProvider, SpanData, SpanExporter};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Every span finished so far, in the order they ended.
#[derive(Clone, Debug, Default)]
pub struct Collected(Arc<Mutex<Vec<SpanData>>>);

impl SpanExporter for Collected {
    fn export(&self, batch: Vec<SpanData>) -> impl std::future::Future<Output = OTelSdkResult> + Send {
        self.0.lock().expect("spans").extend(batch);
        std::future::ready(Ok(()))
    }
}

impl Collected {
    /// The trace ids (32 hex) of the finished spans named `name`.
    pub fn trace_ids(&self, name: &str) -> Vec<String> {
        self.0
            .lock()
            .expect("spans")
            .iter()
            .filter(|s| s.name == name)
            .map(|s| s.span_context.trace_id().to_string())
            .collect()
    }
}

/// Installs the collecting subscriber once per process and returns what it collects.
pub fn collect() -> Collected {
    static COLLECTED: OnceLock<(Collected, SdkTracerProvider)> = OnceLock::new();
    COLLECTED
        .get_or_init(|| {
            let collected = Collected::default();
            // The simple processor exports each span as it ends: nothing to flush.
            let provider = SdkTracerProvider::builder()
                .with_simple_exporter(collected.clone())
                .build();
            let tracer = provider.tracer("millm-tests");
            tracing_subscriber::registry()
                .with(tracing_subscriber::EnvFilter::new("info"))
                .with(tracing_opentelemetry::layer().with_tracer(tracer))
                .try_init()
                .expect("the first subscriber of this test process");
            (collected, provider)
        })
        .0
        .clone()
}
