//! Where a file's bytes come from: one hub round trip per file, not one per chunk.
//!
//! The hub answers `resolve` for an LFS file with a 302 to a presigned CDN URL on another host.
//! Following that redirect on every range request would cost a round trip to the hub per chunk
//! (hundreds for a large model over a real network). So each file is resolved once, with
//! redirects off: a redirect's `Location` becomes the file's source, sent without the hub token
//! (the CDN refuses a request that carries one). A file served directly stays on the resolve URL
//! with the token. When the CDN refuses the URL (it expired), the file is resolved again.

use std::time::Duration;

use millm_contract::config::Secret;
use reqwest::StatusCode;
use reqwest::header::LOCATION;

/// Where the range requests of one file go, and with which credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Source {
    /// The hub's resolve URL with the hub token, followed as a redirect per request: the
    /// fallback that always works.
    Hub { url: String, token: Option<Secret> },
    /// The presigned CDN URL a redirect gave; it carries its own authorisation and must not
    /// be sent the hub token.
    Cdn { url: String },
}

impl Source {
    pub fn hub(resolve_url: &str, token: Option<&Secret>) -> Self {
        Self::Hub {
            url: resolve_url.to_owned(),
            token: token.cloned(),
        }
    }

    pub fn url(&self) -> &str {
        match self {
            Self::Hub { url, .. } | Self::Cdn { url } => url,
        }
    }

    pub fn token(&self) -> Option<&Secret> {
        match self {
            Self::Hub { token, .. } => token.as_ref(),
            Self::Cdn { .. } => None,
        }
    }
}

/// Resolves `resolve_url` once (a HEAD, redirects off). A redirect gives the CDN URL; any other
/// answer (a direct file, a refusal, a hub that did not answer) keeps the resolve URL, whose
/// range requests then report their own errors as before.
pub(crate) async fn locate(
    resolver: &reqwest::Client,
    resolve_url: &str,
    token: Option<&Secret>,
    timeout: Duration,
) -> Source {
    let mut request = resolver.head(resolve_url);
    if let Some(token) = token {
        request = request.bearer_auth(token.expose());
    }
    let response = match tokio::time::timeout(timeout, request.send()).await {
        Ok(Ok(response)) => response,
        _ => return Source::hub(resolve_url, token),
    };
    let redirected = matches!(
        response.status(),
        StatusCode::FOUND | StatusCode::MOVED_PERMANENTLY | StatusCode::SEE_OTHER | StatusCode::TEMPORARY_REDIRECT
    );
    let location = response.headers().get(LOCATION).and_then(|v| v.to_str().ok());
    match (redirected, location) {
        (true, Some(location)) => match response.url().join(location) {
            Ok(url) => Source::Cdn { url: url.to_string() },
            Err(_) => Source::hub(resolve_url, token),
        },
        _ => Source::hub(resolve_url, token),
    }
}

/// A client for [`locate`]: the engine's settings, with redirects off so that the `Location` is read.
pub(crate) fn resolver_client(user_agent: &'static str) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .http1_only()
        .connect_timeout(Duration::from_secs(10))
        .read_timeout(Duration::from_secs(60))
        .redirect(reqwest::redirect::Policy::none())
        .tcp_nodelay(true)
        .user_agent(user_agent)
        .build()
}
