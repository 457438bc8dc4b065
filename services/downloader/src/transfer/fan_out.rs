//! The fan-out over a job's files, the one production runs and the transfer tests drive: at
//! most `max_files` at once, largest first, and the first failure stops the others.

use futures::StreamExt;
use futures::future::BoxFuture;
use tokio_util::sync::CancellationToken;

use super::TransferError;

/// An error that may only be the cancel, which a real failure of a sibling outranks.
pub trait MaybeCancel {
    fn is_cancel(&self) -> bool;
}

impl MaybeCancel for TransferError {
    fn is_cancel(&self) -> bool {
        matches!(self, Self::Cancelled)
    }
}

/// Runs `fetch` over `files`, at most `max_files` at once. Largest first: the shards start
/// together at once and the small files fill the spare slots, instead of a shard waiting
/// behind a tokenizer for a slot. Each fetch gets a token that fires when `cancel` does or a
/// sibling fails; the others are drained, so they save their resume state and release their
/// locks, and the first real failure is returned.
pub async fn fan_out<'a, T, E>(
    mut files: Vec<T>,
    size: impl Fn(&T) -> u64,
    max_files: usize,
    cancel: &CancellationToken,
    fetch: impl Fn(T, CancellationToken) -> BoxFuture<'a, Result<(), E>>,
) -> Result<(), E>
where
    E: MaybeCancel + Send + 'a,
{
    let siblings = cancel.child_token();
    files.sort_by_key(|file| std::cmp::Reverse(size(file)));
    // Built eagerly and boxed: closures inside stream combinators make a job's future fail the
    // higher-ranked `Send` check apalis needs.
    let pending: Vec<BoxFuture<'a, Result<(), E>>> =
        files.into_iter().map(|file| fetch(file, siblings.clone())).collect();
    let mut running = futures::stream::iter(pending).buffer_unordered(max_files.max(1));
    let mut first: Option<E> = None;
    while let Some(result) = running.next().await {
        if let Err(err) = result {
            siblings.cancel();
            if first.as_ref().is_none_or(E::is_cancel) {
                first = Some(err);
            }
        }
    }
    first.map_or(Ok(()), Err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::FutureExt;
    use std::sync::Mutex;

    #[tokio::test]
    async fn files_start_largest_first_and_a_failure_stops_the_others_and_outranks_their_cancel() {
        // Arrange: one slot, so the order is the start order; the 30-byte file fails.
        let started = Mutex::new(Vec::new());
        let cancel = CancellationToken::new();

        // Act
        let result = fan_out(
            vec![10u64, 30, 20],
            |size| *size,
            1,
            &cancel,
            |size, siblings| {
                started.lock().expect("order").push(size);
                async move {
                    if size == 30 {
                        return Err(TransferError::Failed {
                            file: "big".into(),
                            reason: "boom".into(),
                        });
                    }
                    if siblings.is_cancelled() {
                        return Err(TransferError::Cancelled);
                    }
                    Ok(())
                }
                .boxed()
            },
        )
        .await;

        // Assert
        assert_eq!(*started.lock().expect("order"), vec![30, 20, 10]);
        assert!(matches!(result, Err(TransferError::Failed { .. })), "{result:?}");
        assert!(!cancel.is_cancelled(), "the job's own token is left alone");
    }
}
