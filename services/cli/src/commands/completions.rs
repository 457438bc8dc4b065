//! `millm completions SHELL`: a completion script from the same clap definition as `--help`.
//! For example `millm completions bash > ~/.local/share/bash-completion/completions/millm`.

use clap::CommandFactory;

use crate::cli::Cli;

pub fn run(shell: clap_complete::Shell) {
    let mut command = Cli::command();
    clap_complete::generate(shell, &mut command, "millm", &mut std::io::stdout());
}
