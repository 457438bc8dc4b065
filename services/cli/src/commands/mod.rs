//! One file per command; this one only dispatches.

pub mod add;
pub mod cancel;
pub mod completions;
pub mod health;
pub mod load;
pub mod ls;
pub mod preview;
pub mod ps;
pub mod pull;
pub mod retry;
pub mod rm;
pub mod show;
pub mod unload;

use crate::Ctx;
use crate::cli::Command;
use crate::error::CliError;

pub async fn run(ctx: &Ctx, command: Command) -> Result<(), CliError> {
    match command {
        Command::Preview(args) => preview::run(ctx, args).await,
        Command::Pull(args) => pull::run(ctx, args).await,
        Command::Add(args) => add::run(ctx, args).await,
        Command::Ls => ls::run(ctx).await,
        Command::Show(args) => show::run(ctx, &args.model).await,
        Command::Load(args) => load::run(ctx, args).await,
        Command::Unload(args) => unload::run(ctx, args.model.as_deref()).await,
        Command::Rm(args) => rm::run(ctx, args).await,
        Command::Cancel(args) => cancel::run(ctx, &args.model).await,
        Command::Retry(args) => retry::run(ctx, &args.model).await,
        Command::Ps => ps::run(ctx).await,
        Command::Health => health::run(ctx).await,
        Command::Completions(args) => {
            completions::run(args.shell);
            Ok(())
        }
    }
}
