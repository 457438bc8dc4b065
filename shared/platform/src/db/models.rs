//! Queries on the `models` table. Each state change is guarded by the state it leaves.

use chrono::{DateTime, Utc};
use millm_contract::jobs::SealedToken;
use millm_contract::model::{ErrorStage, Model, ModelSource, ModelStatus, Quantization};
use millm_contract::repo::RepoId;
use sqlx::{FromRow, PgExecutor, PgPool};
use std::path::{Path, PathBuf};
use uuid::Uuid;

use super::DbError;
use crate::cache;

/// A row: the contract's [`Model`] plus what only the services see.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelRecord {
    pub model: Model,
    /// Relative to `MODEL_CACHE_DIR` for hub models; the absolute folder for local ones.
    pub cache_path: String,
    pub config_json: Option<serde_json::Value>,
    pub sealed_token: Option<SealedToken>,
    pub load_id: Option<Uuid>,
}

impl ModelRecord {
    /// The folder holding the record's files: its snapshot under `cache_dir` for a hub model,
    /// the folder itself for a local one.
    pub fn files_dir(&self, cache_dir: &Path) -> PathBuf {
        match self.model.source {
            ModelSource::Local => PathBuf::from(&self.cache_path),
            ModelSource::Huggingface => cache_dir.join(&self.cache_path),
        }
    }
}

pub(super) const COLUMNS: &str = "id, name, source, repo_id, local_path, revision, params, architecture, \
    quantization, disk_size_mb, estimated_memory_mb, memory_used_mb, status, download_progress, \
    error_message, error_stage, trust_remote_code, created_at, updated_at, loaded_at, cache_path, \
    config_json, sealed_token, load_id";

#[derive(FromRow)]
pub(super) struct Row {
    id: i64,
    name: String,
    source: String,
    repo_id: Option<String>,
    local_path: Option<String>,
    revision: Option<String>,
    params: Option<String>,
    architecture: Option<String>,
    quantization: String,
    disk_size_mb: Option<i64>,
    estimated_memory_mb: Option<i64>,
    memory_used_mb: Option<i64>,
    status: String,
    download_progress: Option<f64>,
    error_message: Option<String>,
    error_stage: Option<String>,
    trust_remote_code: bool,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    loaded_at: Option<DateTime<Utc>>,
    cache_path: String,
    config_json: Option<serde_json::Value>,
    sealed_token: Option<String>,
    load_id: Option<Uuid>,
}

fn parse<T: std::str::FromStr<Err = String>>(text: &str) -> Result<T, DbError> {
    text.parse().map_err(DbError::Corrupt)
}

impl TryFrom<Row> for ModelRecord {
    type Error = DbError;

    fn try_from(r: Row) -> Result<Self, DbError> {
        let status: ModelStatus = parse(&r.status)?;
        let model = Model {
            id: r.id,
            name: r.name,
            source: parse::<ModelSource>(&r.source)?,
            repo_id: r.repo_id,
            local_path: r.local_path,
            revision: r.revision,
            params: r.params,
            architecture: r.architecture,
            quantization: parse::<Quantization>(&r.quantization)?,
            disk_size_mb: r.disk_size_mb,
            estimated_memory_mb: r.estimated_memory_mb,
            memory_used_mb: r.memory_used_mb.filter(|_| status == ModelStatus::Loaded),
            download_progress: r.download_progress.filter(|_| status == ModelStatus::Downloading),
            status,
            error_message: r.error_message,
            error_stage: r.error_stage.as_deref().map(parse::<ErrorStage>).transpose()?,
            trust_remote_code: r.trust_remote_code,
            created_at: r.created_at,
            updated_at: r.updated_at,
            loaded_at: r.loaded_at,
        };
        Ok(ModelRecord {
            model,
            cache_path: r.cache_path,
            config_json: r.config_json,
            sealed_token: r.sealed_token.map(SealedToken::from_sealed),
            load_id: r.load_id,
        })
    }
}

pub(super) async fn one(
    exec: impl PgExecutor<'_>,
    sql: String,
    bind: impl FnOnce(
        sqlx::query::QueryAs<'_, sqlx::Postgres, Row, sqlx::postgres::PgArguments>,
    ) -> sqlx::query::QueryAs<'_, sqlx::Postgres, Row, sqlx::postgres::PgArguments>,
) -> Result<Option<ModelRecord>, DbError> {
    let query = sqlx::query_as::<_, Row>(sqlx::AssertSqlSafe(sql));
    bind(query)
        .fetch_optional(exec)
        .await?
        .map(ModelRecord::try_from)
        .transpose()
}

/// A new record, as its source has it; nothing else can be built. A hub repo starts
/// `downloading` into its snapshot folder; a local folder is `ready` where it is.
#[derive(Debug, Clone)]
pub enum NewModel {
    Hub {
        repo: RepoId,
        /// The commit the download is pinned to.
        revision: String,
        sealed_token: Option<SealedToken>,
        record: NewRecord,
    },
    Local {
        /// The absolute, canonical folder.
        path: String,
        record: NewRecord,
    },
}

/// What every new record has, whatever its source.
#[derive(Debug, Clone)]
pub struct NewRecord {
    pub name: String,
    pub quantization: Quantization,
    pub trust_remote_code: bool,
    pub facts: ModelFacts,
}

/// What is learnt from a model's files.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ModelFacts {
    pub params: Option<String>,
    pub architecture: Option<String>,
    pub disk_size_mb: Option<i64>,
    pub estimated_memory_mb: Option<i64>,
    pub config_json: Option<serde_json::Value>,
}

/// Outcome of an insert that may hit a unique constraint.
pub enum Inserted {
    Created(Box<ModelRecord>),
    Duplicate { existing_model_id: Option<i64> },
}

pub async fn insert(pool: &PgPool, new: NewModel) -> Result<Inserted, DbError> {
    struct Columns {
        source: ModelSource,
        status: ModelStatus,
        repo_id: Option<String>,
        local_path: Option<String>,
        revision: Option<String>,
        sealed_token: Option<SealedToken>,
        cache_path: String,
    }
    let (columns, record) = match new {
        NewModel::Hub {
            repo,
            revision,
            sealed_token,
            record,
        } => {
            let cache_path = cache::snapshot_rel_path(repo.as_str(), &revision)?;
            let columns = Columns {
                source: ModelSource::Huggingface,
                status: ModelStatus::Downloading,
                repo_id: Some(repo.as_str().to_owned()),
                local_path: None,
                revision: Some(revision),
                sealed_token,
                cache_path,
            };
            (columns, record)
        }
        NewModel::Local { path, record } => {
            let columns = Columns {
                source: ModelSource::Local,
                status: ModelStatus::Ready,
                repo_id: None,
                local_path: Some(path.clone()),
                revision: None,
                sealed_token: None,
                cache_path: path,
            };
            (columns, record)
        }
    };
    let sql = format!(
        "INSERT INTO models (name, source, repo_id, local_path, revision, quantization, \
         trust_remote_code, sealed_token, cache_path, status, params, architecture, disk_size_mb, \
         estimated_memory_mb, config_json, download_progress) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15, \
         CASE WHEN $10 = 'downloading' THEN 0 END) RETURNING {COLUMNS}"
    );
    let quant = record.quantization;
    let result = one(pool, sql, |q| {
        q.bind(record.name)
            .bind(columns.source.as_str())
            .bind(columns.repo_id.clone())
            .bind(columns.local_path.clone())
            .bind(columns.revision)
            .bind(quant.as_str())
            .bind(record.trust_remote_code)
            .bind(columns.sealed_token.map(SealedToken::into_string))
            .bind(columns.cache_path)
            .bind(columns.status.as_str())
            .bind(record.facts.params)
            .bind(record.facts.architecture)
            .bind(record.facts.disk_size_mb)
            .bind(record.facts.estimated_memory_mb)
            .bind(record.facts.config_json)
    })
    .await;
    match result {
        Ok(Some(record)) => Ok(Inserted::Created(Box::new(record))),
        Ok(None) => Err(DbError::Corrupt("insert returned no row".into())),
        Err(DbError::Sqlx(sqlx::Error::Database(e))) if e.is_unique_violation() => {
            let existing = match (&columns.repo_id, &columns.local_path) {
                (Some(repo), _) => find_by_repo(pool, repo, quant).await?,
                (None, Some(path)) => find_by_local_path(pool, path).await?,
                _ => None,
            };
            Ok(Inserted::Duplicate {
                existing_model_id: existing,
            })
        }
        Err(e) => Err(e),
    }
}

pub async fn find_by_repo(pool: &PgPool, repo_id: &str, quant: Quantization) -> Result<Option<i64>, DbError> {
    Ok(
        sqlx::query_scalar("SELECT id FROM models WHERE repo_id = $1 AND quantization = $2")
            .bind(repo_id)
            .bind(quant.as_str())
            .fetch_optional(pool)
            .await?,
    )
}

pub async fn find_by_local_path(pool: &PgPool, path: &str) -> Result<Option<i64>, DbError> {
    Ok(sqlx::query_scalar("SELECT id FROM models WHERE local_path = $1")
        .bind(path)
        .fetch_optional(pool)
        .await?)
}

pub async fn get(exec: impl PgExecutor<'_>, id: i64) -> Result<Option<ModelRecord>, DbError> {
    one(exec, format!("SELECT {COLUMNS} FROM models WHERE id = $1"), |q| {
        q.bind(id)
    })
    .await
}

/// All records, newest first (as the seed lists them).
pub async fn list(pool: &PgPool) -> Result<Vec<ModelRecord>, DbError> {
    let sql = format!("SELECT {COLUMNS} FROM models ORDER BY created_at DESC, id DESC");
    sqlx::query_as::<_, Row>(sqlx::AssertSqlSafe(sql))
        .fetch_all(pool)
        .await?
        .into_iter()
        .map(ModelRecord::try_from)
        .collect()
}

pub async fn list_with_status(pool: &PgPool, statuses: &[ModelStatus]) -> Result<Vec<ModelRecord>, DbError> {
    let wanted: Vec<&str> = statuses.iter().map(|s| s.as_str()).collect();
    let sql = format!("SELECT {COLUMNS} FROM models WHERE status = ANY($1) ORDER BY id");
    sqlx::query_as::<_, Row>(sqlx::AssertSqlSafe(sql))
        .bind(wanted)
        .fetch_all(pool)
        .await?
        .into_iter()
        .map(ModelRecord::try_from)
        .collect()
}

/// Deletes a record only while it is in one of `statuses`; returns it when it was deleted.
pub async fn delete_if(
    exec: impl PgExecutor<'_>,
    id: i64,
    statuses: &[ModelStatus],
) -> Result<Option<ModelRecord>, DbError> {
    let wanted: Vec<&str> = statuses.iter().map(|s| s.as_str()).collect();
    let sql = format!("DELETE FROM models WHERE id = $1 AND status = ANY($2) RETURNING {COLUMNS}");
    one(exec, sql, |q| q.bind(id).bind(wanted)).await
}

/// How many records use a repo revision (the snapshot's links stay while any does).
pub async fn revision_users(exec: impl PgExecutor<'_>, repo_id: &str, revision: &str) -> Result<i64, DbError> {
    Ok(
        sqlx::query_scalar("SELECT count(*) FROM models WHERE repo_id = $1 AND revision = $2")
            .bind(repo_id)
            .bind(revision)
            .fetch_one(exec)
            .await?,
    )
}

/// Whether a record of the repo may still write or resume partial files.
pub async fn repo_may_resume(exec: impl PgExecutor<'_>, repo_id: &str) -> Result<bool, DbError> {
    Ok(sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM models WHERE repo_id = $1 \
         AND (status = 'downloading' OR (status = 'error' AND error_stage = 'download')))",
    )
    .bind(repo_id)
    .fetch_one(exec)
    .await?)
}
