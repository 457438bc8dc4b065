//! On a terminal (a pseudo-terminal from util-linux's `script`), a pull draws one live bar in
//! colour; with `NO_COLOR` it writes the plain lines instead, without a single escape sequence.

use std::process::Stdio;
use std::time::Duration;

use millm_test_support::RepoOptions;

use crate::common::{Env, tiny_repo};

/// `millm args…` with stdin, stdout and stderr on a pseudo-terminal; everything it wrote.
async fn in_terminal(env: &Env, args: &[&str], no_color: bool) -> Option<String> {
    let script = ["/usr/bin/script", "/bin/script"]
        .into_iter()
        .find(|p| std::path::Path::new(p).is_file())?;
    let line = std::iter::once(env!("CARGO_BIN_EXE_millm"))
        .chain(args.iter().copied())
        .collect::<Vec<_>>()
        .join(" ");
    let mut command = tokio::process::Command::new(script);
    command
        .args(["-qefc", &line, "/dev/null"])
        .env_remove("MILLM_API_KEY")
        .env_remove("NO_COLOR")
        .env("MILLM_URL", &env.address)
        .env("TERM", "xterm-256color")
        .stdin(Stdio::null())
        .kill_on_drop(true);
    if no_color {
        command.env("NO_COLOR", "1");
    }
    let output = tokio::time::timeout(Duration::from_secs(60), command.output())
        .await
        .expect("millm ends within 60 s")
        .expect("script runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stdout));
    Some(String::from_utf8_lossy(&output.stdout).into_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_terminal_gets_a_coloured_bar_and_no_color_gets_plain_lines() {
    // Arrange
    let env = Env::start(None).await;
    env.start_downloader().await;
    env.hub
        .add_repo("org/tiny", &tiny_repo(), RepoOptions::default())
        .expect("served");

    // Act
    let Some(plain) = in_terminal(&env, &["pull", "org/tiny"], true).await else {
        eprintln!("skipped: util-linux `script` is not installed");
        return;
    };
    let fancy = in_terminal(&env, &["pull", "org/tiny", "--quant", "Q8"], false)
        .await
        .expect("script");

    // Assert
    assert!(
        !plain.contains('\u{1b}'),
        "NO_COLOR: no escape sequence at all: {plain:?}"
    );
    assert!(plain.contains("tiny: 100.0%  ready"), "{plain:?}");
    assert!(fancy.contains('\u{1b}'), "a terminal gets colour: {fancy:?}");
    assert!(fancy.contains("] 100.0%  ready"), "a terminal gets the bar: {fancy:?}");
    assert!(!fancy.contains("tiny: 100.0%"), "and no plain lines: {fancy:?}");
}
