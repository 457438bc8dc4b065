//! Leases: Postgres session advisory locks, each on a pooled connection it holds exclusively.
//!
//! A download is worked by one handler at a time (the model's lease), and a blob has one
//! writer across every machine that shares the database (the blob's lease). The lock lives as
//! long as its connection: a process killed with -9 loses its TCP session and Postgres frees
//! the lock, so a crash never leaves a model or blob locked.

use sha2::{Digest, Sha256};
use sqlx::pool::PoolConnection;
use sqlx::{PgPool, Postgres};

use super::DbError;

/// What a lease protects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LeaseKey {
    /// The download of one record.
    Model(i64),
    /// Writing one blob of one repo, by its sha256 (or ETag). Per repo, as the blob's path is
    /// (`models--org--name/blobs/<etag>`): two repos holding the same file write two copies, and
    /// must not wait on each other.
    Blob { repo_id: String, etag: String },
    /// Being the active GPU worker of a namespace: one per deployment.
    GpuWorker(String),
    /// Running a namespace's periodic reconcile: one gateway replica at a time.
    Reconcile(String),
}

impl LeaseKey {
    /// A stable 64-bit key: the first 8 bytes of sha256 over a tagged name.
    fn key(&self) -> i64 {
        let name = match self {
            LeaseKey::Model(id) => format!("millm.model.{id}"),
            LeaseKey::Blob { repo_id, etag } => format!("millm.blob.{repo_id}.{etag}"),
            LeaseKey::GpuWorker(namespace) => format!("millm.gpu-worker.{namespace}"),
            LeaseKey::Reconcile(namespace) => format!("millm.reconcile.{namespace}"),
        };
        let digest = Sha256::digest(name.as_bytes());
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(&digest[..8]);
        i64::from_be_bytes(bytes)
    }
}

/// A held lease on a pooled connection that it holds exclusively until [`Lease::release`].
///
/// Released, the lock is freed and the connection goes back to the pool warm, so the next lease
/// costs one round trip instead of a new Postgres session (a backend fork) on the download's
/// critical path. Dropped unreleased (a cancelled future, a panic), the connection is closed
/// instead of returned, which frees the lock and never hands a locked session to anyone else.
pub struct Lease {
    conn: PoolConnection<Postgres>,
    key: LeaseKey,
    released: bool,
}

impl std::fmt::Debug for Lease {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lease").field("key", &self.key).finish()
    }
}

impl Lease {
    /// Takes the lease if nobody holds it; `None` when another session does.
    ///
    /// The lease exists before the lock query is sent, so a future dropped while the answer is
    /// on its way (a job cancelled mid-wait) closes the connection: the server may already have
    /// granted the lock, and that session must never go back to the pool holding it.
    pub async fn try_acquire(pool: &PgPool, key: LeaseKey) -> Result<Option<Lease>, DbError> {
        let mut lease = Lease {
            conn: pool.acquire().await?,
            key,
            released: false,
        };
        let got: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
            .bind(lease.key.key())
            .fetch_one(&mut *lease.conn)
            .await?;
        if got {
            return Ok(Some(lease));
        }
        // Refused: this session holds no lock and may go back to the pool as it is.
        lease.released = true;
        Ok(None)
    }

    /// Waits for the lease, polling so that the wait can be abandoned by dropping the future.
    pub async fn acquire(pool: &PgPool, key: LeaseKey) -> Result<Lease, DbError> {
        loop {
            if let Some(lease) = Self::try_acquire(pool, key.clone()).await? {
                return Ok(lease);
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
    }

    pub fn key(&self) -> &LeaseKey {
        &self.key
    }

    /// Frees the lock now; the connection returns to the pool only if the unlock is confirmed.
    pub async fn release(mut self) {
        let unlocked: Result<bool, _> = sqlx::query_scalar("SELECT pg_advisory_unlock($1)")
            .bind(self.key.key())
            .fetch_one(&mut *self.conn)
            .await;
        self.released = matches!(unlocked, Ok(true));
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        if !self.released {
            self.conn.close_on_drop();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_and_blob_keys_differ() {
        assert_ne!(LeaseKey::Model(1).key(), LeaseKey::Model(2).key());
        let blob = |repo: &str| LeaseKey::Blob {
            repo_id: repo.into(),
            etag: "1".into(),
        };
        assert_ne!(LeaseKey::Model(1).key(), blob("o/n").key());
        assert_ne!(
            blob("o/a").key(),
            blob("o/b").key(),
            "the same file in two repos is two blobs"
        );
        assert_eq!(LeaseKey::Model(7).key(), LeaseKey::Model(7).key());
    }
}
