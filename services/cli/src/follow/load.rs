//! Following a load through its stages (reading, quantizing, verifying) to `loaded`.

use millm_contract::error::ErrorCode;
use millm_contract::events::{Event, LoadStage};
use millm_contract::model::{ErrorStage, Model, ModelStatus};

use super::{Followed, POLL_EVERY, Poller, interrupts};
use crate::Ctx;
use crate::error::CliError;
use crate::format;
use crate::progress::Display;
use crate::socket::{Signal, Subscription};

enum Seen {
    Going,
    Loaded(Model),
    Failed(CliError),
}

/// What a read of the record says. A record back at `ready` after our 202 means the load ended
/// without success: it failed (and says why) or an unload aborted it.
fn judge(model: Model) -> Seen {
    match model.status {
        ModelStatus::Loading => Seen::Going,
        ModelStatus::Loaded => Seen::Loaded(model),
        ModelStatus::Ready | ModelStatus::Error | ModelStatus::Downloading => {
            let message = match (model.error_stage, model.error_message) {
                (Some(ErrorStage::Load), Some(message)) => message,
                _ => "The load was aborted (the model was unloaded while it loaded)".to_owned(),
            };
            Seen::Failed(CliError::failed(ErrorCode::ModelLoadFailed, message))
        }
    }
}

fn stage_name(stage: LoadStage) -> &'static str {
    match stage {
        LoadStage::Reading => "reading",
        LoadStage::Quantizing => "quantizing",
        LoadStage::Verifying => "verifying",
    }
}

/// Follows the load that `model` (the 202's record) started, until the model is loaded.
pub async fn follow(ctx: &Ctx, model: Model, mut socket: Subscription) -> Result<Followed, CliError> {
    let id = model.id;
    let mut display = Display::new(ctx.out.fancy, &model.name);
    let mut poller = Poller::new(id);
    let mut ctrl_c = interrupts()?;
    display.stage("queued", 0.0);
    let mut poll = tokio::time::interval(POLL_EVERY);
    poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let seen = tokio::select! {
            signal = socket.next() => match signal {
                Signal::Event(event) if event.model_id() == Some(id) => match *event {
                    Event::LoadProgress(p) => { display.stage(stage_name(p.stage), p.progress); continue }
                    Event::LoadComplete(e) => Seen::Loaded(e.model),
                    Event::LoadError(e) => Seen::Failed(CliError::Failed(e.error)),
                    _ => continue,
                },
                Signal::Connected => { poll.reset_immediately(); continue }
                Signal::Event(_) => continue,
            },
            _ = poll.tick() => match poller.read(&ctx.api).await {
                Ok(Some(model)) => judge(model),
                Ok(None) => continue,
                Err(e) => Seen::Failed(e),
            },
            _ = ctrl_c.recv() => {
                // A load is short and the GPU worker owns it: stop watching, say how to stop it.
                display.abandon();
                eprintln!("Left loading on the server (`millm unload {id}` aborts it).");
                return Ok(Followed::LeftRunning);
            }
        };
        match seen {
            Seen::Going => {}
            Seen::Loaded(model) => {
                let measured = format::mib_or_dash(model.memory_used_mb);
                display.finish(&format!("loaded, {measured} in memory"));
                return Ok(Followed::Done(Box::new(model)));
            }
            Seen::Failed(e) => {
                display.abandon();
                return Err(e);
            }
        }
    }
}
