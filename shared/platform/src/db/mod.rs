//! Postgres: the pool, the embedded migrations, and the `models` table's queries.
//!
//! Postgres is the truth. Every state change is one guarded `UPDATE … WHERE status = …`, so
//! two processes racing on a record see exactly one winner, and a replayed job finds the
//! record already moved on.

mod leases;
mod models;
mod transitions;

pub use leases::{Lease, LeaseKey};
pub use models::*;
pub use transitions::*;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, PgPool};
use std::str::FromStr;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("database error")]
    Sqlx(#[from] sqlx::Error),
    #[error("migration failed")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("stored value is not valid: {0}")]
    Corrupt(String),
    /// A hub record whose repo id or commit cannot name a cache folder.
    #[error("no cache path for this record")]
    CachePath(#[from] crate::cache::CacheError),
}

/// Connects a pool; statement logging is off so queries carrying secrets never reach logs.
/// Half the connections stay open even when idle: a warm spare saves a lease or a query a
/// Postgres connection set-up on the download's critical path. A held lease occupies one
/// connection, so size `max_connections` for the leases a process holds at once plus its queries.
pub async fn connect(url: &str, max_connections: u32) -> Result<PgPool, DbError> {
    let options = PgConnectOptions::from_str(url)?.disable_statement_logging();
    let pool = PgPoolOptions::new()
        .max_connections(max_connections)
        .min_connections(max_connections / 2)
        .acquire_timeout(Duration::from_secs(5))
        .connect_with(options)
        .await?;
    Ok(pool)
}

/// Applies `migrations/` (embedded at build time); safe to run from every process.
pub async fn migrate(pool: &PgPool) -> Result<(), DbError> {
    sqlx::migrate!("../../migrations").run(pool).await?;
    Ok(())
}

/// Creates the database named in `url` when it does not exist (used by `make run` and tests).
pub async fn ensure_database(url: &str) -> Result<(), DbError> {
    let options = PgConnectOptions::from_str(url)?;
    let Some(name) = options.get_database().map(str::to_owned) else {
        return Ok(());
    };
    let admin = options.database("postgres").disable_statement_logging();
    let mut conn = admin.connect().await?;
    let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
        .bind(&name)
        .fetch_one(&mut conn)
        .await?;
    if !exists {
        let quoted = format!("\"{}\"", name.replace('"', "\"\""));
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {quoted}")))
            .execute(&mut conn)
            .await?;
    }
    Ok(())
}
