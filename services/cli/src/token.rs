//! The hub token: from `--token-file` or `HF_TOKEN`, never from an argument, since arguments
//! show up in `ps` and in shell history.

use std::path::Path;

use crate::error::CliError;

/// The token to send, if any. A blank `HF_TOKEN` counts as unset; a blank file is a mistake.
pub fn read(file: Option<&Path>) -> Result<Option<String>, CliError> {
    match file {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| CliError::Usage(format!("cannot read the token file {}: {e}", path.display())))?;
            let token = text.trim();
            if token.is_empty() {
                return Err(CliError::Usage(format!("the token file {} is empty", path.display())));
            }
            Ok(Some(token.to_owned()))
        }
        None => Ok(std::env::var("HF_TOKEN")
            .ok()
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_file_is_trimmed_and_an_empty_one_refused() {
        let dir = std::env::temp_dir().join(format!("millm-token-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("token");
        std::fs::write(&file, "hf_abc\n").unwrap();
        assert_eq!(read(Some(&file)).unwrap().as_deref(), Some("hf_abc"));
        std::fs::write(&file, "  \n").unwrap();
        assert!(matches!(read(Some(&file)), Err(CliError::Usage(_))));
        assert!(matches!(read(Some(&dir.join("missing"))), Err(CliError::Usage(_))));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
