//! The W3C trace context that travels with a job and in a NATS message's headers, so that one
//! user action is one trace across the gateway, the queue and the workers.

use serde::{Deserialize, Serialize};

/// A `traceparent` value, `00-{32 hex trace id}-{16 hex span id}-{2 hex flags}`, checked when
/// parsed; anything else is not carried.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Traceparent(String);

/// The header (and job field) name.
pub const TRACEPARENT: &str = "traceparent";

impl Traceparent {
    pub fn parse(text: &str) -> Result<Self, String> {
        let parts: Vec<&str> = text.split('-').collect();
        let hex = |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_hexdigit());
        let valid = parts.len() == 4
            && parts[0] == "00"
            && hex(parts[1], 32)
            && hex(parts[2], 16)
            && hex(parts[3], 2)
            && parts[1].bytes().any(|b| b != b'0')
            && parts[2].bytes().any(|b| b != b'0');
        if valid {
            Ok(Self(text.to_ascii_lowercase()))
        } else {
            Err(format!("not a W3C traceparent: {text:?}"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The 32-hex trace id.
    pub fn trace_id(&self) -> &str {
        &self.0[3..35]
    }
}

impl TryFrom<String> for Traceparent {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        Self::parse(&text)
    }
}

impl From<Traceparent> for String {
    fn from(t: Traceparent) -> String {
        t.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_version_00_with_non_zero_ids_is_a_traceparent() {
        let good = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        assert_eq!(
            Traceparent::parse(good).map(|t| t.trace_id().to_owned()),
            Ok("4bf92f3577b34da6a3ce929d0e0e4736".into())
        );
        for bad in [
            "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
            "",
        ] {
            assert!(Traceparent::parse(bad).is_err(), "{bad}");
        }
    }
}
