//! Prompts to token ids with the repo's `tokenizer.json` (the `tokenizers` crate, special tokens added as the
//! tokenizer's post-processor says).

use std::path::Path;

use tokenizers::Tokenizer;

use crate::error::LoadError;

pub fn load_tokenizer(dir: &Path) -> Result<Tokenizer, LoadError> {
    Tokenizer::from_file(dir.join("tokenizer.json")).map_err(|e| LoadError::Tokenizer(e.to_string()))
}

pub fn encode(tokenizer: &Tokenizer, text: &str) -> Result<Vec<i64>, LoadError> {
    let enc = tokenizer
        .encode(text, true)
        .map_err(|e| LoadError::Tokenizer(e.to_string()))?;
    Ok(enc.get_ids().iter().map(|&i| i64::from(i)).collect())
}
