//! Reading the hub's answer to a range request: which failures are transient, which are final,
//! and where the body starts in the file.
//!
//! 401/403/404 are refusals (final, with the hub's `X-Error-Code`); 408, 429 and 5xx are transient;
//! a 200 means the server ignored the range and the body starts at byte 0; a 206 must start where
//! asked and describe a file of the expected size, else the file is treated as not matching.

use reqwest::StatusCode;
use reqwest::header::{CONTENT_LENGTH, CONTENT_RANGE, HeaderMap};

/// Why one attempt at a range failed.
pub(crate) enum AttemptError {
    Transient(String),
    Refused {
        status: u16,
        error_code: Option<String>,
        message: String,
    },
    Fatal(String),
    Mismatch(String),
    Io(std::io::Error),
}

/// Classifies the answer; returns the file offset of the body's first byte.
pub(crate) fn check_status(status: StatusCode, headers: &HeaderMap, from: u64, size: u64) -> Result<u64, AttemptError> {
    match status {
        StatusCode::PARTIAL_CONTENT => {
            let (start, total) = headers
                .get(CONTENT_RANGE)
                .and_then(|v| v.to_str().ok())
                .and_then(parse_content_range)
                .ok_or_else(|| AttemptError::Fatal("206 without a usable Content-Range".into()))?;
            if let Some(total) = total.filter(|&t| t != size) {
                return Err(AttemptError::Mismatch(format!(
                    "hub reports {total} bytes, expected {size}"
                )));
            }
            if start != from {
                return Err(AttemptError::Fatal(format!(
                    "asked for byte {from}, hub sent from {start}"
                )));
            }
            Ok(from)
        }
        StatusCode::OK => {
            let length = headers
                .get(CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok());
            match length {
                Some(length) if length != size => Err(AttemptError::Mismatch(format!(
                    "hub sends {length} bytes, expected {size}"
                ))),
                _ => Ok(0),
            }
        }
        StatusCode::RANGE_NOT_SATISFIABLE => Err(AttemptError::Mismatch(format!(
            "hub refuses byte {from}: the file is shorter than {size} bytes"
        ))),
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN | StatusCode::NOT_FOUND => {
            let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
            Err(AttemptError::Refused {
                status: status.as_u16(),
                error_code: header("x-error-code"),
                message: header("x-error-message")
                    .unwrap_or_else(|| status.canonical_reason().unwrap_or("refused").to_owned()),
            })
        }
        s if s == StatusCode::TOO_MANY_REQUESTS || s == StatusCode::REQUEST_TIMEOUT || s.is_server_error() => {
            Err(AttemptError::Transient(format!("hub answered HTTP {}", s.as_u16())))
        }
        s => Err(AttemptError::Fatal(format!("hub answered HTTP {}", s.as_u16()))),
    }
}

/// `bytes a-b/total` → (a, Some(total)); `bytes a-b/*` → (a, None).
fn parse_content_range(value: &str) -> Option<(u64, Option<u64>)> {
    let rest = value.trim().strip_prefix("bytes ")?;
    let (range, total) = rest.split_once('/')?;
    let (start, _end) = range.split_once('-')?;
    let total = match total.trim() {
        "*" => None,
        t => Some(t.parse().ok()?),
    };
    Some((start.trim().parse().ok()?, total))
}

/// A reqwest error without its URL: the URL is harmless, but the message stays short and stable.
pub(crate) fn describe(err: reqwest::Error) -> String {
    let kind = if err.is_timeout() {
        "timed out"
    } else if err.is_connect() {
        "could not connect"
    } else if err.is_body() || err.is_decode() {
        "body failed"
    } else {
        "request failed"
    };
    let err = err.without_url();
    let mut text = format!("{kind}: {err}");
    let mut source = std::error::Error::source(&err);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_ranges_are_parsed_with_and_without_a_total() {
        assert_eq!(parse_content_range("bytes 10-19/100"), Some((10, Some(100))));
        assert_eq!(parse_content_range("bytes 0-0/*"), Some((0, None)));
        assert_eq!(parse_content_range("items 0-1/2"), None);
    }
}
