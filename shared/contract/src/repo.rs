//! A validated HuggingFace repo id (`owner/name`), parsed once at the edge.

use std::fmt;

/// `owner/name` in ASCII: the seed's `^[\w-]+/[\w.-]+$`, at most 255 characters, without `..`,
/// and a name that does not start with a dot. That is exactly what the cache layout can name,
/// so an id that parses never fails further down.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RepoId(String);

impl RepoId {
    /// The rule as a regular expression (ECMAScript syntax), for the OpenAPI document and clients.
    pub const PATTERN: &'static str = r"^(?!.*\.\.)[A-Za-z0-9_-]+/[A-Za-z0-9_-][A-Za-z0-9_.-]*$";
    pub const MAX_LEN: usize = 255;

    pub fn parse(text: &str) -> Result<Self, String> {
        if text.is_empty() || text.len() > Self::MAX_LEN {
            return Err("must be 1 to 255 characters".into());
        }
        let Some((owner, name)) = text.split_once('/') else {
            return Err("must look like owner/name".into());
        };
        let word = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
        if owner.is_empty() || !owner.chars().all(word) {
            return Err("owner may hold only letters, digits, '_' and '-'".into());
        }
        if name.is_empty() || !name.chars().all(|c| word(c) || c == '.') {
            return Err("name may hold only letters, digits, '_', '-' and '.'".into());
        }
        if name.starts_with('.') {
            return Err("name must not start with '.'".into());
        }
        if name.contains("..") {
            return Err("must not contain '..'".into());
        }
        Ok(Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn owner(&self) -> &str {
        self.0.split_once('/').map_or("", |(o, _)| o)
    }

    /// The part after the `/`, the default display name.
    pub fn name(&self) -> &str {
        self.0.split_once('/').map_or("", |(_, n)| n)
    }
}

impl fmt::Display for RepoId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_repo_ids_parse() {
        for ok in ["google/gemma-2-2b", "meta-llama/Llama-3.2-3B", "a_b/c.d"] {
            assert!(RepoId::parse(ok).is_ok(), "{ok}");
        }
        assert_eq!(RepoId::parse("org/tiny").unwrap().name(), "tiny");
    }

    #[test]
    fn traversal_and_malformed_ids_are_refused() {
        for bad in [
            "../etc",
            "org/..",
            "org/a..b",
            "org",
            "org/a/b",
            "/x",
            "org/",
            "o rg/x",
            "org/x y",
            "",
            "org/.",
            "org/.hidden",
            "ørg/x",
            "org/naïve",
        ] {
            assert!(RepoId::parse(bad).is_err(), "{bad}");
        }
        assert!(RepoId::parse(&format!("o/{}", "a".repeat(300))).is_err());
    }
}
