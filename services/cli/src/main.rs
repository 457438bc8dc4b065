//! `millm`: everything lives in the library, so that tests and completions see the same commands.

fn main() -> std::process::ExitCode {
    millm_cli::main()
}
