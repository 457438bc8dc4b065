//! Leases against the real Postgres: two pools stand for two processes sharing one database.

use std::task::Poll;
use std::time::Duration;

use millm_platform::db::{self, Lease, LeaseKey};
use millm_test_support::env::fresh_database;

async fn two_pools() -> (sqlx::PgPool, sqlx::PgPool) {
    let url = fresh_database().await;
    let a = db::connect(&url, 1).await.expect("pool a");
    let b = db::connect(&url, 1).await.expect("pool b");
    (a, b)
}

/// The lease once `pool` can take it, trying for 2 s (a closed session frees its locks a little later).
async fn taken_within_two_seconds(pool: &sqlx::PgPool, key: &LeaseKey) -> Option<Lease> {
    for _ in 0..100 {
        if let Some(lease) = Lease::try_acquire(pool, key.clone()).await.unwrap() {
            return Some(lease);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    None
}

#[tokio::test]
async fn a_released_lease_frees_the_lock_and_its_connection_goes_back_to_the_pool_warm() {
    // Arrange
    let (a, b) = two_pools().await;
    let key = LeaseKey::Blob {
        repo_id: "org/a".into(),
        etag: "ab".repeat(32),
    };
    let held = Lease::try_acquire(&a, key.clone())
        .await
        .unwrap()
        .expect("free at first");
    assert!(
        Lease::try_acquire(&b, key.clone()).await.unwrap().is_none(),
        "held elsewhere"
    );

    // Act
    held.release().await;

    // Assert: the other process may take it, and pool a kept its one connection.
    let taken = Lease::try_acquire(&b, key.clone()).await.unwrap();
    assert!(taken.is_some(), "free after release");
    // sqlx hands a dropped connection back to its pool on a task of its own.
    for _ in 0..100 {
        if a.num_idle() == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!((a.size(), a.num_idle()), (1, 1), "the connection is back, idle");
}

#[tokio::test]
async fn a_lease_dropped_without_release_closes_its_connection_so_the_lock_is_freed_and_never_reused() {
    // Arrange
    let (a, b) = two_pools().await;
    let key = LeaseKey::Model(7);
    let held = Lease::try_acquire(&a, key.clone())
        .await
        .unwrap()
        .expect("free at first");

    // Act: a cancelled download drops its lease mid-flight.
    drop(held);

    // Assert: Postgres frees the lock once the session closes, and no pooled session still holds it.
    let freed = taken_within_two_seconds(&b, &key).await;
    assert!(freed.is_some(), "the lock was freed within 2 s");
    let locks_on_a: i64 =
        sqlx::query_scalar("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()")
            .fetch_one(&a)
            .await
            .unwrap();
    assert_eq!(locks_on_a, 0, "pool a hands out no session that holds an advisory lock");
}

#[tokio::test]
async fn an_acquisition_abandoned_while_the_lock_answer_is_on_its_way_leaves_no_lock_behind() {
    // Arrange: a warm pool, and a way to see advisory locks from another session.
    let (a, b) = two_pools().await;
    let key = LeaseKey::Blob {
        repo_id: "org/a".into(),
        etag: "cd".repeat(32),
    };
    Lease::try_acquire(&a, LeaseKey::Model(1))
        .await
        .unwrap()
        .expect("warm-up")
        .release()
        .await;
    let advisory_locks = || async {
        sqlx::query_scalar::<_, i64>(
            "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database \
             WHERE l.locktype = 'advisory' AND d.datname = current_database()",
        )
        .fetch_one(&b)
        .await
        .unwrap()
    };

    // Act: poll an acquisition until the server has granted the lock, but never read the
    // answer; then drop the future, as a cancelled download does. An answer read first (the
    // race this test cannot rule out) is released, and the attempt made again.
    let mut abandoned = false;
    for _attempt in 0..5 {
        let mut acquiring = Box::pin(Lease::try_acquire(&a, key.clone()));
        for _ in 0..200 {
            if let Poll::Ready(done) = futures::poll!(acquiring.as_mut()) {
                done.unwrap().expect("free").release().await;
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
            if advisory_locks().await > 0 {
                abandoned = true;
                break;
            }
        }
        drop(acquiring);
        if abandoned {
            break;
        }
    }
    assert!(
        abandoned,
        "an acquisition was abandoned after the server granted the lock"
    );

    // Assert: the session that got the lock is closed, not pooled, so the lock is freed.
    let freed = taken_within_two_seconds(&b, &key).await;
    assert!(freed.is_some(), "the lock was freed within 2 s");
}
