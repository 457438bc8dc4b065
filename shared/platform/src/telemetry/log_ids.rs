//! JSON log lines that name their trace: the standard JSON line, with the `trace_id` and
//! `span_id` of the span the event belongs to, so a log search finds every line of one action
//! across the services.

use opentelemetry::trace::TraceContextExt;
use tracing::{Event, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

/// Wraps a JSON event formatter.
pub struct WithTraceIds<F>(pub F);

impl<S, N, F> FormatEvent<S, N> for WithTraceIds<F>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
    F: FormatEvent<S, N>,
{
    fn format_event(&self, ctx: &FmtContext<'_, S, N>, mut writer: Writer<'_>, event: &Event<'_>) -> std::fmt::Result {
        let mut line = String::new();
        self.0.format_event(ctx, Writer::new(&mut line), event)?;
        let span = event.parent().cloned().or_else(|| ctx.lookup_current().map(|s| s.id()));
        let context = span.and_then(|id| {
            tracing::dispatcher::get_default(|dispatch| tracing_opentelemetry::get_otel_context(&id, dispatch))
        });
        let ids = context
            .map(|c| c.span().span_context().clone())
            .filter(|c| c.is_valid());
        let Some(ids) = ids else {
            return writer.write_str(&line);
        };
        match serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(line.trim_end()) {
            Ok(mut object) => {
                object.insert("trace_id".into(), ids.trace_id().to_string().into());
                object.insert("span_id".into(), ids.span_id().to_string().into());
                writeln!(writer, "{}", serde_json::Value::Object(object))
            }
            Err(_) => writer.write_str(&line),
        }
    }
}
