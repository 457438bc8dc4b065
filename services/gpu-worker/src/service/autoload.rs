//! `AUTO_LOAD_MODEL`: load one model at start, through the same path as `POST /api/models/{id}/load` (the record
//! goes `loading` with a fresh `load_id`, then a load job is queued), and wait up to 120 s for it to be `loaded`.
//!
//! It never stops the worker: when the model cannot be loaded, the log says why.

use millm_contract::jobs::LoadJob;
use millm_contract::model::{ModelStatus, Quantization};
use millm_platform::db::{self, BeginLoad, DbError, ModelRecord};
use millm_platform::queue::{self, Liveness, QueueError};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;
use uuid::Uuid;

use super::Ctx;

const WAIT: Duration = Duration::from_secs(120);

/// Why `AUTO_LOAD_MODEL` was not loaded; logged, never fatal.
#[derive(Debug, thiserror::Error)]
enum AutoLoadError {
    #[error("no model has id {0}")]
    NoId(i64),
    #[error("no model is named '{0}'")]
    NoName(String),
    #[error("{count} models are named '{name}' ({quants:?}); give the id instead")]
    Ambiguous {
        count: usize,
        name: String,
        quants: Vec<Quantization>,
    },
    #[error("model {0} was deleted")]
    Deleted(i64),
    #[error("model {0} is loading already")]
    OtherLoading(i64),
    #[error("model {id} is {status} and cannot be loaded")]
    Refused { id: i64, status: ModelStatus },
    #[error("the load ended with the model {status}: {why}")]
    Ended { status: ModelStatus, why: String },
    #[error("model {0} was not loaded within {secs} s", secs = WAIT.as_secs())]
    TimedOut(i64),
    #[error("Postgres: {0}")]
    Db(#[from] DbError),
    #[error("the load job could not be queued: {0}")]
    Queue(#[from] QueueError),
}

/// Runs the auto-load in the background, when `AUTO_LOAD_MODEL` is set.
pub fn spawn(ctx: Arc<Ctx>) -> Option<tokio::task::JoinHandle<()>> {
    let wanted = ctx.config.settings.auto_load_model.clone()?;
    Some(tokio::spawn(async move {
        tokio::select! {
            _ = ctx.shutdown.cancelled() => {}
            outcome = auto_load(&ctx, &wanted) => match outcome {
                Ok(id) => tracing::info!(model.id = id, "AUTO_LOAD_MODEL loaded"),
                Err(why) => tracing::warn!(auto_load_model = %wanted, %why, "AUTO_LOAD_MODEL was not loaded"),
            },
        }
    }))
}

async fn auto_load(ctx: &Ctx, wanted: &str) -> Result<i64, AutoLoadError> {
    let record = find(ctx, wanted).await?;
    let id = record.model.id;
    if matches!(record.model.status, ModelStatus::Loaded | ModelStatus::Loading) {
        // This process has just started and holds nothing, so such a state is left from before a restart.
        db::mark_unloaded(&ctx.pool, id).await?;
    }
    let load_id = Uuid::new_v4();
    match db::begin_load(&ctx.pool, id, load_id).await? {
        BeginLoad::Started(_) => {}
        BeginLoad::NotFound => return Err(AutoLoadError::Deleted(id)),
        BeginLoad::Refused {
            other_loading: Some(other),
            ..
        } => return Err(AutoLoadError::OtherLoading(other)),
        BeginLoad::Refused { status, .. } => return Err(AutoLoadError::Refused { id, status }),
    }
    let redis = queue::connect(&ctx.config.common.redis_url).await?;
    let mut storage = queue::load_storage(redis, ctx.bus.names(), Liveness::default());
    let job = LoadJob {
        model_id: id,
        load_id,
        traceparent: None,
    };
    if let Err(e) = queue::push_load(&mut storage, job).await {
        let _ = db::mark_unloaded(&ctx.pool, id).await;
        return Err(e.into());
    }
    tracing::info!(model.id = id, "AUTO_LOAD_MODEL: load queued");
    wait_loaded(ctx, id).await
}

/// An id, or a name exactly one record has.
async fn find(ctx: &Ctx, wanted: &str) -> Result<ModelRecord, AutoLoadError> {
    if let Ok(id) = wanted.trim().parse::<i64>() {
        return db::get(&ctx.pool, id).await?.ok_or(AutoLoadError::NoId(id));
    }
    let mut named: Vec<ModelRecord> = db::list(&ctx.pool)
        .await?
        .into_iter()
        .filter(|r| r.model.name == wanted)
        .collect();
    match named.len() {
        1 => Ok(named.remove(0)),
        0 => Err(AutoLoadError::NoName(wanted.to_owned())),
        count => Err(AutoLoadError::Ambiguous {
            count,
            name: wanted.to_owned(),
            quants: named.iter().map(|r| r.model.quantization).collect(),
        }),
    }
}

async fn wait_loaded(ctx: &Ctx, id: i64) -> Result<i64, AutoLoadError> {
    let deadline = Instant::now() + WAIT;
    while Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let Some(record) = db::get(&ctx.pool, id).await? else {
            return Err(AutoLoadError::Deleted(id));
        };
        match record.model.status {
            ModelStatus::Loaded => return Ok(id),
            ModelStatus::Loading => continue,
            status => {
                let why = record.model.error_message.unwrap_or_else(|| "it was unloaded".into());
                return Err(AutoLoadError::Ended { status, why });
            }
        }
    }
    Err(AutoLoadError::TimedOut(id))
}
