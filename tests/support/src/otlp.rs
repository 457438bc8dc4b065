//! An OTLP/gRPC trace receiver, the collector's part in tests that spawn miLLM's services as
//! binaries: each service exports its spans here, over the wire, exactly as to a collector in
//! production, and a test asks which spans of which service carried a trace.

use std::sync::{Arc, Mutex};
use std::time::Duration;

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
    spans: Arc<Mutex<Vec<ReceivedSpan>>>,
}

#[derive(Clone, Debug)]
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
        let spans = Arc::new(Mutex::new(Vec::new()));
        let server = tonic::transport::Server::builder().serve_with_incoming(
            TraceServiceServer::new(Sink(spans.clone())),
            tonic::transport::server::TcpIncoming::from(listener),
        );
        tokio::spawn(async move {
            if let Err(error) = server.await {
                eprintln!("the OTLP receiver stopped: {error}");
            }
        });
        Receiver { endpoint, spans }
    }

    /// Every span received so far.
    pub fn spans(&self) -> Vec<ReceivedSpan> {
        self.spans.lock().expect("received spans").clone()
    }

    /// Waits until `trace_id` has a span of each `(service, name)`; the trace's spans then, or
    /// all received so far after `within`, for the failure message.
    pub async fn trace(&self, trace_id: &str, expected: &[(&str, &str)], within: Duration) -> Vec<ReceivedSpan> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let of_trace: Vec<ReceivedSpan> = self.spans().into_iter().filter(|s| s.trace_id == trace_id).collect();
            let complete = expected
                .iter()
                .all(|(service, name)| of_trace.iter().any(|s| s.service == *service && s.name == *name));
            if complete {
                return of_trace;
            }
            if tokio::time::Instant::now() > deadline {
                return self.spans();
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}
