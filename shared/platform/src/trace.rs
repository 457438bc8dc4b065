//! Trace context across the queue and NATS: the current span's W3C `traceparent`, put into a
//! job or a message's headers, and taken out again as the parent of the span that handles it.
//!
//! Every service installs the OpenTelemetry layer (`telemetry::init`), exporting or not, so
//! spans always have a context to carry; a process without it (a test) carries nothing.

use std::collections::HashMap;

use millm_contract::trace::{TRACEPARENT, Traceparent};
use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::TraceContextExt;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use tracing_opentelemetry::OpenTelemetrySpanExt;

/// The current span's `traceparent`, if it belongs to a trace.
pub fn current() -> Option<Traceparent> {
    let context = tracing::Span::current().context();
    if !context.span().span_context().is_valid() {
        return None;
    }
    let mut carrier = HashMap::new();
    TraceContextPropagator::new().inject_context(&context, &mut carrier);
    carrier.remove(TRACEPARENT).and_then(|t| Traceparent::parse(&t).ok())
}

/// Makes `span` a child of `parent`, when there is one.
pub fn continue_trace(span: &tracing::Span, parent: Option<&Traceparent>) {
    let Some(parent) = parent else { return };
    let carrier = HashMap::from([(TRACEPARENT.to_owned(), parent.as_str().to_owned())]);
    let context = TraceContextPropagator::new().extract(&carrier);
    // Only fails when the span is disabled (filtered out), and then there is nothing to continue.
    let _ = span.set_parent(context);
}

/// NATS headers carrying the current span's `traceparent`, when it has one.
pub fn headers() -> async_nats::HeaderMap {
    let mut headers = async_nats::HeaderMap::new();
    if let Some(parent) = current() {
        headers.insert(TRACEPARENT, parent.as_str());
    }
    headers
}

/// The `traceparent` a NATS message carries, if any.
pub fn from_headers(headers: Option<&async_nats::HeaderMap>) -> Option<Traceparent> {
    let value = headers?.get(TRACEPARENT)?;
    Traceparent::parse(value.as_str()).ok()
}
