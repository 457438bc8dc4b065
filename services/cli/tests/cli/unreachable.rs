//! No server, or a URL that is not one: exit 3 and exit 2, with the reason on stderr.

use crate::common::millm;

/// A loopback port nobody listens on (bound, then released).
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("address").port()
}

#[tokio::test]
async fn every_kind_of_command_exits_3_when_the_server_is_unreachable() {
    // Arrange
    let url = format!("http://127.0.0.1:{}", closed_port());

    for args in [
        &["ls"][..],
        &["pull", "org/tiny"],
        &["health"],
        &["rm", "tiny", "-y"],
        &["ps", "--json"],
    ] {
        // Act
        let run = millm(args, &[("MILLM_URL", &url)]).await;

        // Assert
        assert_eq!(run.code, 3, "millm {args:?}: {run}");
        assert!(run.stderr.contains("cannot reach the server"), "millm {args:?}: {run}");
        assert!(run.stdout.is_empty(), "millm {args:?}: {run}");
    }
}

#[tokio::test]
async fn a_url_without_a_scheme_and_an_unknown_option_are_usage_errors() {
    // Act
    let no_scheme = millm(&["ls"], &[("MILLM_URL", "localhost:8000")]).await;
    let bad_option = millm(&["pull", "org/x", "--quant", "Q3"], &[]).await;
    let token_file = millm(&["pull", "org/x", "--token-file", "/no/such/file"], &[]).await;

    // Assert
    assert_eq!(no_scheme.code, 2, "{no_scheme}");
    assert_eq!(bad_option.code, 2, "{bad_option}");
    assert_eq!(token_file.code, 2, "{token_file}");
    assert!(token_file.stderr.contains("/no/such/file"), "{token_file}");
}
