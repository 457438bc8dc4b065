//! `millm`, the command line of miLLM: a thin client of the REST API and the `/progress`
//! Socket.IO namespace. It never reads the database or the queue; the server owns every job.
//!
//! Data flow: [`cli`] parses the arguments; [`commands`] runs one command per file with a [`Ctx`]
//! (the [`api::Api`] client and the [`output::Output`] settings). A command calls the API, which
//! answers the envelope `{success, data, error}`: `data` is printed as text, or as JSON with
//! `--json`; `error` becomes a [`error::CliError`] whose one match decides the exit code. `pull` and
//! `load` then follow the job ([`follow`]): events from the [`socket`] move the [`progress`]
//! display, and a poll of the record every second keeps it correct when the socket is down.
//! [`resolve`] turns a `MODEL` argument (an id or a name) into one record; [`format`] writes
//! sizes with the web UI's units.

pub mod api;
pub mod cli;
pub mod commands;
pub mod error;
pub mod follow;
pub mod format;
pub mod output;
pub mod progress;
pub mod resolve;
pub mod socket;
pub mod token;

use std::process::ExitCode;

use clap::Parser;

use crate::api::Api;
use crate::cli::Cli;
use crate::error::CliError;
use crate::output::Output;

/// What every command gets.
pub struct Ctx {
    pub api: Api,
    pub out: Output,
}

/// Parses the arguments, runs the command and turns the outcome into an exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version print to stdout and exit 0; usage errors exit 2.
            let _ = e.print();
            return ExitCode::from(e.exit_code().clamp(0, 255) as u8);
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start: {e}");
            return ExitCode::from(3);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{}", e.report());
            ExitCode::from(e.exit_code())
        }
    }
}

async fn run(cli: Cli) -> Result<(), CliError> {
    let out = Output::detect(cli.global.json);
    if let cli::Command::Completions(args) = &cli.command {
        commands::completions::run(args.shell);
        return Ok(());
    }
    let api = Api::new(&cli.global.url, cli.global.api_key)?;
    commands::run(&Ctx { api, out }, cli.command).await
}
