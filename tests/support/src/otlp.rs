//! An OTLP/gRPC trace receiver, the collector's part in tests that spawn miLLM's services as
//! binaries: each service exports its spans here, over the wire, exactly as to a collector in
//! production, and a test asks which spans of which service carried a trace. [`TracedGateway`]
//! is the set-up such a test starts from: a receiver, and a gateway in the test process exporting
//! to it through the services' own `telemetry::init`.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use millm_gateway::GatewayConfig;
use millm_platform::telemetry::{self, Telemetry};

use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{TraceService, TraceServiceServer};
use opentelemetry_proto::tonic::collector::trace::v1::{ExportTraceServiceRequest, ExportTraceServiceResponse};
use opentelemetry_proto::tonic::common::v1::any_value::Value;
use opentelemetry_proto::tonic::resource::v1::Resource;

/// One span as it arrived: the exporting service's `service.name`, the span's name and trace id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceivedSpan {
    pub service: String,
    pub name: String,
    /// 32 lowercase hex digits, as in a `traceparent`.
    pub trace_id: String,
}

/// A running receiver; it serves until the test's runtime ends.
#[derive(Clone, Debug)]
pub struct Receiver {
    /// `http://127.0.0.1:{port}`, the value for `OTEL_EXPORTER_OTLP_ENDPOINT`.
    pub endpoint: String,
    sink: Sink,
}

/// Every span received so far, shared by the server and the test.
#[derive(Clone, Debug, Default)]
struct Sink(Arc<Mutex<Vec<ReceivedSpan>>>);

fn service_name(resource: Option<&Resource>) -> String {
    resource
        .into_iter()
        .flat_map(|r| &r.attributes)
        .find(|kv| kv.key == "service.name")
        .and_then(|kv| kv.value.as_ref()?.value.as_ref())
        .map_or_else(String::new, |value| match value {
            Value::StringValue(name) => name.clone(),
            other => format!("{other:?}"),
        })
}

#[tonic::async_trait]
impl TraceService for Sink {
    async fn export(
        &self,
        request: tonic::Request<ExportTraceServiceRequest>,
    ) -> Result<tonic::Response<ExportTraceServiceResponse>, tonic::Status> {
        let received = request
            .into_inner()
            .resource_spans
            .into_iter()
            .flat_map(|resource_spans| {
                let service = service_name(resource_spans.resource.as_ref());
                resource_spans
                    .scope_spans
                    .into_iter()
                    .flat_map(|scope| scope.spans)
                    .map(move |span| ReceivedSpan {
                        service: service.clone(),
                        name: span.name,
                        trace_id: hex::encode(span.trace_id),
                    })
            });
        self.0.lock().expect("received spans").extend(received);
        Ok(tonic::Response::new(ExportTraceServiceResponse {
            partial_success: None,
        }))
    }
}

impl Receiver {
    /// Listens on a free loopback port and serves in the background of the current runtime.
    ///
    /// # Panics
    /// When no port can be bound: the test cannot run.
    pub async fn start() -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a free port");
        let endpoint = format!("http://{}", listener.local_addr().expect("bound"));
        let sink = Sink::default();
        let server = tonic::transport::Server::builder().serve_with_incoming(
            TraceServiceServer::new(sink.clone()),
            tonic::transport::server::TcpIncoming::from(listener),
        );
        tokio::spawn(async move {
            if let Err(error) = server.await {
                eprintln!("the OTLP receiver stopped: {error}");
            }
        });
        Receiver { endpoint, sink }
    }

    /// Every span received so far.
    pub fn spans(&self) -> Vec<ReceivedSpan> {
        self.sink.0.lock().expect("received spans").clone()
    }

    /// Waits up to `within` for `trace_id` to have a span of each `(service, name)`; what it still
    /// lacks then (empty once all arrived).
    pub async fn missing<'a>(
        &self,
        trace_id: &str,
        expected: &[(&'a str, &'a str)],
        within: Duration,
    ) -> Vec<(&'a str, &'a str)> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let spans = self.spans();
            let missing: Vec<(&str, &str)> = expected
                .iter()
                .filter(|(service, name)| {
                    !spans
                        .iter()
                        .any(|s| s.trace_id == trace_id && s.service == *service && s.name == *name)
                })
                .copied()
                .collect();
            if missing.is_empty() || tokio::time::Instant::now() > deadline {
                return missing;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// A receiver and a gateway serving in this process that exports its spans to it, at `info` (the
/// production default) for the gateway's own spans. The services' telemetry set-up installs the
/// process-wide subscriber, so a test binary holds one such test.
pub struct TracedGateway {
    pub receiver: Receiver,
    /// The gateway's configuration; spawned workers share its `common` part ([`Self::worker_env`]).
    pub config: GatewayConfig,
    /// `http://127.0.0.1:{port}`.
    pub address: String,
    telemetry: Option<Telemetry>,
}

impl TracedGateway {
    /// # Panics
    /// When the receiver, the telemetry or the gateway cannot start: the test cannot run.
    pub async fn start(cache: &Path, hub_url: &str) -> TracedGateway {
        let receiver = Receiver::start().await;
        let mut config = crate::gateway::test_config(cache, hub_url).await;
        config.common.otel_exporter_otlp_endpoint = Some(receiver.endpoint.clone());
        config.common.log_level = "warn,millm_gateway=info,millm_platform=info".into();
        let telemetry = telemetry::init("millm-gateway", &config.common).expect("telemetry");
        let address = crate::gateway::start(&config).await.address;
        TracedGateway {
            receiver,
            config,
            address,
            telemetry: Some(telemetry),
        }
    }

    /// The environment of a worker binary exporting to the same receiver: the gateway's common
    /// settings at `info`, each batch of spans sent within a tenth of a second (the SDK's default
    /// is five), and one-second liveness.
    pub fn worker_env(&self) -> Vec<(&'static str, String)> {
        let mut vars = crate::env::service_env(&self.config.common);
        // The gateway's filter names its own crates only.
        vars.retain(|(name, _)| *name != "LOG_LEVEL");
        vars.extend([
            ("LOG_LEVEL", "info".to_owned()),
            ("OTEL_BSP_SCHEDULE_DELAY", "100".to_owned()),
            ("WORKER_KEEPALIVE_SECS", "1".to_owned()),
            ("ORPHAN_REQUEUE_SECS", "3".to_owned()),
        ]);
        vars
    }

    /// Flushes and stops the gateway's exporter, so every span it ended has reached the receiver.
    pub fn flush(&mut self) {
        self.telemetry.take();
    }
}
