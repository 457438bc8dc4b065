//! The worker on NATS: heartbeats, and answers to the gateway's status and unload requests.
//!
//! Only the active worker subscribes to the request subjects: NATS hands a request to every subscriber and the first
//! answer wins, so a standby answering too could tell the gateway that nothing is loaded while something is.

use futures::StreamExt;
use millm_contract::error::{ErrorBody, ErrorCode};
use millm_contract::events::{Event, GpuStatus};
use millm_contract::names::WorkerKind;
use millm_contract::workers::{GpuWorkerState, UnloadReply, UnloadRequest};
use millm_platform::metrics::{DEVICE_FREE, DEVICE_TOTAL, DEVICE_USED, MODEL_MEMORY};
use millm_platform::trace;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;
use tracing::Instrument;

use super::Ctx;
use super::ServiceError;
use super::owner::OwnerHandle;

/// A snapshot of the worker, read off the async threads (NVML and sysinfo block).
pub async fn snapshot(ctx: &Arc<Ctx>) -> Option<GpuWorkerState> {
    let shared = ctx.shared.clone();
    tokio::task::spawn_blocking(move || shared.snapshot()).await.ok()
}

/// Publishes the heartbeat every `HEARTBEAT_SECS` until shutdown; the active worker adds a `system:gpu` event.
pub fn heartbeats(ctx: Arc<Ctx>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let subject = ctx
            .bus
            .names()
            .heartbeat(WorkerKind::GpuWorker, &ctx.shared.identity.id);
        let mut tick = tokio::time::interval(ctx.config.heartbeat());
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = ctx.shutdown.cancelled() => break,
                _ = tick.tick() => {}
                // Becoming active beats at once, so the gateway need not wait a whole interval to see it.
                _ = ctx.became_active.notified() => {}
            }
            beat(&ctx, &subject).await;
        }
    })
}

async fn beat(ctx: &Arc<Ctx>, subject: &str) {
    let Some(state) = snapshot(ctx).await else { return };
    record_memory(&state);
    if let Err(e) = ctx.bus.publish_json(subject.to_owned(), &state).await {
        tracing::warn!(error = %e, "heartbeat not published");
    }
    if state.active {
        ctx.publish(Event::SystemGpu(GpuStatus::of(&state, true))).await;
    }
}

/// The heartbeat's memory figures as gauges (MiB to bytes), by device.
fn record_memory(state: &GpuWorkerState) {
    const MIB: f64 = 1024.0 * 1024.0;
    for device in &state.devices {
        let label = || device.name.clone();
        metrics::gauge!(DEVICE_TOTAL, "device" => label()).set(device.total_mb as f64 * MIB);
        metrics::gauge!(DEVICE_USED, "device" => label()).set(device.used_mb as f64 * MIB);
        metrics::gauge!(DEVICE_FREE, "device" => label()).set(device.free_mb as f64 * MIB);
    }
    metrics::gauge!(MODEL_MEMORY).set(state.loaded_memory_mb.unwrap_or(0) as f64 * MIB);
}

/// Answers `gpu_status()` and `gpu_unload()` requests until shutdown.
pub async fn serve_requests(ctx: Arc<Ctx>, owner: OwnerHandle) -> Result<JoinHandle<()>, ServiceError> {
    let client = ctx.bus.client().clone();
    let names = ctx.bus.names();
    let subscribe = |subject: String| {
        let client = client.clone();
        async move {
            client
                .subscribe(subject)
                .await
                .map_err(|e| ServiceError::Subscribe(e.to_string()))
        }
    };
    let mut status = subscribe(names.gpu_status()).await?;
    let mut unload = subscribe(names.gpu_unload()).await?;
    Ok(tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = ctx.shutdown.cancelled() => break,
                Some(message) = status.next() => {
                    let Some(reply) = message.reply else { continue };
                    if let Some(state) = snapshot(&ctx).await {
                        answer(&ctx, reply, &state).await;
                    }
                }
                Some(message) = unload.next() => {
                    let Some(reply) = message.reply else { continue };
                    // Each unload in its own task: waiting for the owner must not block status answers.
                    let (ctx, owner) = (ctx.clone(), owner.clone());
                    // One span per request, continuing the trace of the gateway's request.
                    let span = tracing::info_span!("unload_request", model.id = tracing::field::Empty);
                    trace::continue_trace(&span, trace::from_headers(message.headers.as_ref()).as_ref());
                    tokio::spawn(async move {
                        let answer_body = match serde_json::from_slice::<UnloadRequest>(&message.payload) {
                            Ok(request) => {
                                tracing::Span::current().record("model.id", request.model_id);
                                on_unload(&ctx, &owner, request.model_id).await
                            }
                            Err(e) => failed(format!("malformed unload request: {e}")),
                        };
                        answer(&ctx, reply, &answer_body).await;
                    }.instrument(span));
                }
                else => break,
            }
        }
    }))
}

async fn answer<T: serde::Serialize>(ctx: &Ctx, reply: async_nats::Subject, body: &T) {
    if let Err(e) = ctx.bus.publish_json(reply.to_string(), body).await {
        tracing::warn!(error = %e, "reply not sent");
    }
}

/// Aborts the load of `model_id` if it runs, then lets the owner unload it once the work in flight has finished,
/// waiting at most `GRACEFUL_UNLOAD_TIMEOUT`.
async fn on_unload(ctx: &Ctx, owner: &OwnerHandle, model_id: i64) -> UnloadReply {
    let aborted = ctx.shared.abort_loading(model_id);
    let grace = ctx.config.graceful_unload();
    match tokio::time::timeout(grace + Duration::from_secs(1), owner.unload(model_id, aborted)).await {
        Ok(Ok(reply)) => {
            tracing::info!(model.id = model_id, ?reply, "unload answered");
            reply
        }
        Ok(Err(e)) => failed(e.to_string()),
        Err(_) => failed(format!(
            "work in flight on the device did not finish within GRACEFUL_UNLOAD_TIMEOUT ({} s); try again",
            grace.as_secs()
        )),
    }
}

fn failed(message: String) -> UnloadReply {
    UnloadReply::Failed {
        error: ErrorBody::new(ErrorCode::InternalError, message),
    }
}
