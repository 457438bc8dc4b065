//! Following a download to `ready`: the bar, the end, and Ctrl-C.

use millm_contract::error::ErrorCode;
use millm_contract::events::Event;
use millm_contract::model::{Model, ModelStatus};

use super::{Followed, POLL_EVERY, Poller, interrupts};
use crate::Ctx;
use crate::error::CliError;
use crate::progress::Display;
use crate::socket::{Signal, Subscription};

/// What one poll of the record says about the download.
enum Seen {
    Going(f64),
    Ready(Model),
    Failed(CliError),
}

fn judge(model: Model) -> Seen {
    match model.status {
        ModelStatus::Downloading => Seen::Going(model.download_progress.unwrap_or(0.0)),
        ModelStatus::Error => Seen::Failed(CliError::failed(
            ErrorCode::DownloadFailed,
            model.error_message.unwrap_or_else(|| "the download failed".to_owned()),
        )),
        // Ready, or already loading or loaded by someone else: the files are complete.
        _ => Seen::Ready(model),
    }
}

fn cancelled() -> CliError {
    CliError::failed(ErrorCode::DownloadCancelled, "The download was cancelled")
}

/// Follows `model` (as the 202 or a later read returned it) until it is ready.
pub async fn follow(ctx: &Ctx, model: Model, mut socket: Subscription) -> Result<Followed, CliError> {
    let id = model.id;
    let mut display = Display::new(ctx.out.fancy, &model.name);
    let mut poller = Poller::new(id);
    let mut ctrl_c = interrupts()?;
    match judge(model) {
        Seen::Going(percent) => display.percent(percent),
        Seen::Ready(model) => return done(&mut display, model),
        Seen::Failed(e) => return Err(e),
    }
    let mut poll = tokio::time::interval(POLL_EVERY);
    poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let seen = tokio::select! {
            signal = socket.next() => match signal {
                Signal::Event(event) if event.model_id() == Some(id) => match *event {
                    Event::DownloadProgress(p) => { display.download(&p); continue }
                    Event::DownloadComplete(e) => Seen::Ready(e.model),
                    Event::DownloadError(e) => Seen::Failed(CliError::Failed(e.error)),
                    Event::DownloadCancelled(_) => Seen::Failed(cancelled()),
                    _ => continue,
                },
                Signal::Connected => { poll.reset_immediately(); continue }
                Signal::Event(_) => continue,
            },
            _ = poll.tick() => match poller.read(&ctx.api).await {
                Ok(Some(model)) => judge(model),
                Ok(None) => continue,
                // Deleted while we watched: someone cancelled it.
                Err(e) if e.code() == Some(ErrorCode::ModelNotFound) => Seen::Failed(cancelled()),
                Err(e) => Seen::Failed(e),
            },
            _ = ctrl_c.recv() => {
                display.abandon();
                return interrupted(ctx, id).await;
            }
        };
        match seen {
            Seen::Going(percent) => display.percent(percent),
            Seen::Ready(model) => return done(&mut display, model),
            Seen::Failed(e) => {
                display.abandon();
                return Err(e);
            }
        }
    }
}

fn done(display: &mut Display, model: Model) -> Result<Followed, CliError> {
    display.finish("ready");
    Ok(Followed::Done(Box::new(model)))
}

/// Ctrl-C: on a terminal, ask whether to cancel or leave it running; without one, leave the
/// download to the server, which owns it.
async fn interrupted(ctx: &Ctx, id: i64) -> Result<Followed, CliError> {
    let question = "Cancel the download? (no: leave it running on the server)";
    if ctx.out.interactive && ctx.out.confirm(question).await {
        return match ctx.api.post(&format!("/api/models/{id}/cancel"), None).await {
            Ok(_) => {
                eprintln!("Cancelled; its partial files are removed.");
                Err(CliError::failed(
                    ErrorCode::DownloadCancelled,
                    "The download was cancelled at your request",
                ))
            }
            // It ended while we asked: say so rather than only "not downloading".
            Err(e) if e.code() == Some(ErrorCode::ModelNotDownloading) => {
                Err(e.with_hint(format!("it ended while you were asked; `millm show {id}` says how")))
            }
            Err(e) => Err(e),
        };
    }
    eprintln!("Left running on the server (`millm show {id}` to check on it).");
    Ok(Followed::LeftRunning)
}
