//! Leases against the real Postgres: two pools stand for two processes sharing one database.

use std::time::Duration;

use millm_platform::db::{self, Lease, LeaseKey};
use millm_test_support::env::fresh_database;

async fn two_pools() -> (sqlx::PgPool, sqlx::PgPool) {
    let url = fresh_database().await;
    let a = db::connect(&url, 1).await.expect("pool a");
    let b = db::connect(&url, 1).await.expect("pool b");
    (a, b)
}

#[tokio::test]
async fn a_released_lease_frees_the_lock_and_its_connection_goes_back_to_the_pool_warm() {
    // Arrange
    let (a, b) = two_pools().await;
    let key = LeaseKey::Blob("ab".repeat(32));
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
    let mut freed = None;
    for _ in 0..100 {
        if let Some(lease) = Lease::try_acquire(&b, key.clone()).await.unwrap() {
            freed = Some(lease);
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(freed.is_some(), "the lock was freed within 2 s");
    let locks_on_a: i64 =
        sqlx::query_scalar("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()")
            .fetch_one(&a)
            .await
            .unwrap();
    assert_eq!(locks_on_a, 0, "pool a hands out no session that holds an advisory lock");
}
