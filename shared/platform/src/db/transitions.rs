//! Guarded state changes on a record: each names the state it leaves, so a stale actor
//! (a replayed job, a second process) changes nothing and learns so from `None`.

use millm_contract::model::{ErrorStage, ModelStatus};
use sqlx::{PgExecutor, PgPool};
use uuid::Uuid;

use super::DbError;
use super::models::{COLUMNS, ModelFacts, ModelRecord, one};

/// A failed download goes back to `downloading` for a retry.
pub async fn restart_download(pool: &PgPool, id: i64) -> Result<Option<ModelRecord>, DbError> {
    let sql = format!(
        "UPDATE models SET status = 'downloading', error_message = NULL, error_stage = NULL, \
         download_progress = 0, updated_at = now() \
         WHERE id = $1 AND status = 'error' AND source = 'huggingface' RETURNING {COLUMNS}"
    );
    one(pool, sql, |q| q.bind(id)).await
}

/// Saved at most every couple of seconds; the gateway's live value comes from events.
pub async fn save_download_progress(pool: &PgPool, id: i64, percent: f64) -> Result<bool, DbError> {
    let done = sqlx::query(
        "UPDATE models SET download_progress = $2, updated_at = now() \
         WHERE id = $1 AND status = 'downloading'",
    )
    .bind(id)
    .bind(percent)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// `downloading → ready`, with what the files told us.
pub async fn complete_download(
    pool: &PgPool,
    id: i64,
    revision: &str,
    cache_path: &str,
    facts: ModelFacts,
) -> Result<Option<ModelRecord>, DbError> {
    let sql = format!(
        "UPDATE models SET status = 'ready', revision = $2, cache_path = $3, params = $4, \
         architecture = $5, disk_size_mb = $6, estimated_memory_mb = $7, config_json = $8, \
         download_progress = NULL, error_message = NULL, error_stage = NULL, updated_at = now() \
         WHERE id = $1 AND status = 'downloading' RETURNING {COLUMNS}"
    );
    one(pool, sql, |q| {
        q.bind(id)
            .bind(revision.to_owned())
            .bind(cache_path.to_owned())
            .bind(facts.params)
            .bind(facts.architecture)
            .bind(facts.disk_size_mb)
            .bind(facts.estimated_memory_mb)
            .bind(facts.config_json)
    })
    .await
}

/// `from → to` with an error message and stage, e.g. `downloading → error` or `loading → ready`.
pub async fn fail(
    exec: impl PgExecutor<'_>,
    id: i64,
    from: ModelStatus,
    to: ModelStatus,
    stage: ErrorStage,
    message: &str,
) -> Result<Option<ModelRecord>, DbError> {
    let sql = format!(
        "UPDATE models SET status = $3, error_stage = $4, error_message = $5, load_id = NULL, \
         memory_used_mb = NULL, loaded_at = NULL, updated_at = now() \
         WHERE id = $1 AND status = $2 RETURNING {COLUMNS}"
    );
    one(exec, sql, |q| {
        q.bind(id)
            .bind(from.as_str())
            .bind(to.as_str())
            .bind(stage.as_str())
            .bind(message.to_owned())
    })
    .await
}

/// Why a load could not begin.
#[derive(Debug, Clone, PartialEq)]
pub enum BeginLoad {
    Started(Box<ModelRecord>),
    NotFound,
    /// The record (or another one) is in a state that forbids a load now.
    Refused {
        status: ModelStatus,
        other_loading: Option<i64>,
    },
}

/// `ready → loading` with a fresh `load_id`, unless another load runs. One transaction under
/// an advisory lock, so two concurrent loads cannot both pass the check.
pub async fn begin_load(pool: &PgPool, id: i64, load_id: Uuid) -> Result<BeginLoad, DbError> {
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('millm.load'))")
        .execute(&mut *tx)
        .await?;
    let Some(current) = super::get(&mut *tx, id).await? else {
        return Ok(BeginLoad::NotFound);
    };
    let other: Option<i64> = sqlx::query_scalar("SELECT id FROM models WHERE status = 'loading' AND id <> $1 LIMIT 1")
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
    let status = current.model.status;
    if !current.model.may_load() || other.is_some() {
        return Ok(BeginLoad::Refused {
            status,
            other_loading: other,
        });
    }
    let sql = format!(
        "UPDATE models SET status = 'loading', load_id = $2, updated_at = now() \
         WHERE id = $1 RETURNING {COLUMNS}"
    );
    let started = one(&mut *tx, sql, |q| q.bind(id).bind(load_id)).await?;
    tx.commit().await?;
    started
        .map(|r| BeginLoad::Started(Box::new(r)))
        .ok_or_else(|| DbError::Corrupt("load update lost".into()))
}

/// `loading → loaded` for the job that owns `load_id`.
pub async fn finish_load(
    pool: &PgPool,
    id: i64,
    load_id: Uuid,
    memory_used_mb: i64,
) -> Result<Option<ModelRecord>, DbError> {
    let sql = format!(
        "UPDATE models SET status = 'loaded', memory_used_mb = $3, loaded_at = now(), \
         error_message = NULL, error_stage = NULL, updated_at = now() \
         WHERE id = $1 AND status = 'loading' AND load_id = $2 RETURNING {COLUMNS}"
    );
    one(pool, sql, |q| q.bind(id).bind(load_id).bind(memory_used_mb)).await
}

/// Whether a load job is still the one the record waits for.
pub async fn load_is_current(pool: &PgPool, id: i64, load_id: Uuid) -> Result<bool, DbError> {
    Ok(
        sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM models WHERE id = $1 AND status = 'loading' AND load_id = $2)",
        )
        .bind(id)
        .bind(load_id)
        .fetch_one(pool)
        .await?,
    )
}

/// `loaded`/`loading → ready`, memory released.
pub async fn mark_unloaded(pool: &PgPool, id: i64) -> Result<Option<ModelRecord>, DbError> {
    let sql = format!(
        "UPDATE models SET status = 'ready', memory_used_mb = NULL, loaded_at = NULL, \
         load_id = NULL, updated_at = now() \
         WHERE id = $1 AND status IN ('loaded', 'loading') RETURNING {COLUMNS}"
    );
    one(pool, sql, |q| q.bind(id)).await
}

/// Records `loading`/`loaded` that the live worker does not hold go back to `ready`,
/// keeping `message` as the explanation. A `loading` record younger than `grace` is left
/// alone: its job may not have reached the worker yet. Returns the ids that changed.
pub async fn release_unheld(
    pool: &PgPool,
    held: &[i64],
    grace: std::time::Duration,
    message: &str,
) -> Result<Vec<i64>, DbError> {
    Ok(sqlx::query_scalar(
        "UPDATE models SET status = 'ready', memory_used_mb = NULL, loaded_at = NULL, \
         load_id = NULL, error_stage = 'load', error_message = $2, updated_at = now() \
         WHERE NOT (id = ANY($1)) AND (status = 'loaded' \
         OR (status = 'loading' AND updated_at < now() - make_interval(secs => $3))) RETURNING id",
    )
    .bind(held.to_vec())
    .bind(message)
    .bind(grace.as_secs_f64())
    .fetch_all(pool)
    .await?)
}
