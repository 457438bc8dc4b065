//! The command line, as clap reads it. Each command's own options live next to it here, so that
//! `--help` (checked by snapshot tests) is written in one place.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use millm_contract::model::Quantization;

#[derive(Parser)]
#[command(
    name = "millm",
    version,
    about = "Manage the models of a miLLM server: download, load, unload, delete",
    after_help = "MODEL is an id or a name. Exit codes: 0 done, 1 refused by the API (4xx), 2 usage, \
                  3 server unreachable or 5xx, 4 the download or load failed after it started."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Args)]
pub struct Global {
    /// The server's address
    #[arg(
        long,
        global = true,
        help_heading = "Global options",
        env = "MILLM_URL",
        default_value = "http://localhost:8000"
    )]
    pub url: String,
    /// The server's API key (prefer the variable: arguments show in `ps`); never printed
    #[arg(
        long,
        global = true,
        help_heading = "Global options",
        env = "MILLM_API_KEY",
        hide_env_values = true,
        value_name = "KEY"
    )]
    pub api_key: Option<String>,
    /// Print the API's `data` as JSON, for scripts
    #[arg(long, global = true, help_heading = "Global options")]
    pub json: bool,
}

#[derive(Subcommand)]
pub enum Command {
    /// Show a hub repo's size, memory per quantization and whether it can run, before downloading
    Preview(PreviewArgs),
    /// Download a hub repo and follow it with a live bar until it is ready
    Pull(PullArgs),
    /// Register a local folder (config.json, tokenizer.json and *.safetensors); nothing is copied
    Add(AddArgs),
    /// List every model: id, name, quantization, status, disk and memory
    #[command(visible_alias = "list")]
    Ls,
    /// Show one model, every field
    Show(ModelArg),
    /// Load a model onto the GPU worker and follow its stages
    Load(LoadArgs),
    /// Unload the loaded model, or the named one (a loading one stops loading)
    Unload(OptionalModel),
    /// Delete a model, saying first what is removed from disk and what is kept
    #[command(visible_alias = "delete")]
    Rm(RmArgs),
    /// Stop a download and delete its record and partial files
    Cancel(ModelArg),
    /// Download a failed model again
    Retry(ModelArg),
    /// Show the loaded model and each device's memory
    Ps,
    /// Show the server's dependencies, the hub's circuit breaker and the live workers
    Health,
    /// Print a shell completion script
    Completions(CompletionsArgs),
}

#[derive(Args)]
pub struct TokenArgs {
    /// A file holding a HuggingFace token for gated or private repos (else HF_TOKEN is used)
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,
}

#[derive(Args)]
pub struct PreviewArgs {
    /// The hub repo, `owner/name`
    pub repo: String,
    #[command(flatten)]
    pub token: TokenArgs,
}

#[derive(Args)]
pub struct PullArgs {
    /// The hub repo, `owner/name`
    pub repo: String,
    /// How the weights are stored once loaded [default: Q4]
    #[arg(long, value_name = "Q4|Q8|FP16", value_parser = quantization)]
    pub quant: Option<Quantization>,
    /// The name shown instead of the repo's
    #[arg(long, value_name = "N")]
    pub name: Option<String>,
    #[command(flatten)]
    pub token: TokenArgs,
    /// Return as soon as the server has queued the download
    #[arg(long)]
    pub detach: bool,
}

#[derive(Args)]
pub struct AddArgs {
    /// The model's folder (relative paths are taken from the current directory)
    pub path: PathBuf,
    /// How the weights are stored once loaded [default: Q4]
    #[arg(long, value_name = "Q4|Q8|FP16", value_parser = quantization)]
    pub quant: Option<Quantization>,
    /// The name shown instead of the folder's
    #[arg(long, value_name = "N")]
    pub name: Option<String>,
}

#[derive(Args)]
pub struct ModelArg {
    /// An id, or a name that one model has
    pub model: String,
}

#[derive(Args)]
pub struct OptionalModel {
    /// An id, or a name that one model has [default: the loaded model]
    pub model: Option<String>,
}

#[derive(Args)]
pub struct LoadArgs {
    /// An id, or a name that one model has
    pub model: String,
    /// Load even when the memory estimate exceeds what the device has free
    #[arg(long)]
    pub force: bool,
}

#[derive(Args)]
pub struct RmArgs {
    /// An id, or a name that one model has
    pub model: String,
    /// Delete without asking
    #[arg(short = 'y', long = "yes")]
    pub yes: bool,
}

#[derive(Args)]
pub struct CompletionsArgs {
    /// The shell to complete for
    pub shell: clap_complete::Shell,
}

/// `q8` reads as `Q8`: people type lower case.
fn quantization(text: &str) -> Result<Quantization, String> {
    text.to_ascii_uppercase().parse()
}
