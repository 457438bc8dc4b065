//! Keeping a service's long-lived tasks alive: the one supervision every service uses.
//!
//! A supervised task that ends or fails while the service runs is logged and started again
//! after a pause; only the service's stop ends it. So a queue worker that lost its backend, or
//! a NATS subscription that closed, comes back by itself, and a process never keeps its lease
//! and heartbeat while the part that does its work is gone.

use std::fmt::Display;
use std::future::Future;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

/// How long a supervised task waits before it is started again: long enough not to spin on a
/// broken dependency, short enough that a recovery is not noticed.
pub const RESTART_AFTER: Duration = Duration::from_secs(1);

/// Runs `start(generation)` (1, 2, …) until `stop` fires, starting it again whenever it ends
/// or fails before that. The task watches `stop` itself, so that it can finish its own
/// shutdown (a queue worker hands its running jobs back); the generation lets it name itself
/// anew (apalis refuses a worker name it has seen recently).
pub async fn restarting<F, Fut, E>(task: &str, stop: &CancellationToken, mut start: F)
where
    F: FnMut(u64) -> Fut,
    Fut: Future<Output = Result<(), E>>,
    E: Display,
{
    for generation in 1u64.. {
        let ended = start(generation).await;
        if stop.is_cancelled() {
            return;
        }
        match ended {
            Ok(()) => tracing::error!(task, generation, "ended by itself; starting it again"),
            Err(e) => tracing::error!(task, generation, error = %e, "failed; starting it again"),
        }
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(RESTART_AFTER) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};

    #[tokio::test]
    async fn a_task_that_fails_or_ends_is_started_again_until_the_stop() {
        // Arrange: the first run fails, the second ends by itself, the third runs until the stop.
        let stop = CancellationToken::new();
        let runs = AtomicU64::new(0);

        // Act
        restarting("test task", &stop, |generation| {
            runs.fetch_add(1, Ordering::Relaxed);
            let stop = stop.clone();
            async move {
                match generation {
                    1 => Err("broken"),
                    2 => Ok(()),
                    _ => {
                        stop.cancel();
                        Ok(())
                    }
                }
            }
        })
        .await;

        // Assert
        assert_eq!(runs.load(Ordering::Relaxed), 3);
    }
}
