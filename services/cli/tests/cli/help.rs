//! `--help` of every command, compared with the committed snapshots under `snapshots/`.
//! `UPDATE_SNAPSHOTS=1 cargo test -p millm-cli --test cli help` rewrites them.

use std::path::PathBuf;

use crate::common::millm;

const COMMANDS: &[&str] = &[
    "",
    "preview",
    "pull",
    "add",
    "ls",
    "show",
    "load",
    "unload",
    "rm",
    "cancel",
    "retry",
    "ps",
    "health",
    "completions",
];

fn snapshot(command: &str) -> PathBuf {
    let name = if command.is_empty() { "millm" } else { command };
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("tests/cli/snapshots/{name}.help.txt"))
}

#[tokio::test]
async fn the_help_of_every_command_matches_its_snapshot() {
    let update = std::env::var_os("UPDATE_SNAPSHOTS").is_some_and(|v| v == "1");
    let mut differ = Vec::new();
    for command in COMMANDS {
        // Act
        let args: Vec<&str> = [*command, "--help"].into_iter().filter(|a| !a.is_empty()).collect();
        let run = millm(&args, &[]).await;

        // Assert
        assert_eq!(run.code, 0, "millm {args:?}: {run}");
        let path = snapshot(command);
        if update {
            std::fs::write(&path, &run.stdout).expect("write snapshot");
            continue;
        }
        let want = std::fs::read_to_string(&path).unwrap_or_default();
        if want != run.stdout {
            differ.push(format!("{}:\n--- want\n{want}--- got\n{}", path.display(), run.stdout));
        }
    }
    assert!(
        differ.is_empty(),
        "help changed (UPDATE_SNAPSHOTS=1 rewrites the snapshots):\n{}",
        differ.join("\n")
    );
}
