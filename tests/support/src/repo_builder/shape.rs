//! Llama model dimensions, with the presets tests and benchmarks use.

use super::{BuildError, tokenizer, weights};

/// The dimensions of a Llama model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LlamaShape {
    pub hidden: usize,
    pub intermediate: usize,
    pub layers: usize,
    pub heads: usize,
    pub kv_heads: usize,
    pub vocab: usize,
}

impl LlamaShape {
    /// About 156 k parameters: unit tests.
    pub const fn tiny() -> Self {
        Self {
            hidden: 64,
            intermediate: 172,
            layers: 2,
            heads: 4,
            kv_heads: 2,
            vocab: 512,
        }
    }

    /// About 3.5 M parameters (some 5 MiB of weights at Q4): large enough that memory and
    /// download progress show, small enough to load in a test. Vary `vocab` for repos whose
    /// files must differ.
    pub const fn small() -> Self {
        Self {
            hidden: 256,
            intermediate: 688,
            layers: 2,
            heads: 4,
            kv_heads: 2,
            vocab: 4096,
        }
    }

    /// About 254 M parameters, 509 MB in BF16.
    pub const fn bench_small() -> Self {
        Self {
            hidden: 1024,
            intermediate: 2816,
            layers: 16,
            heads: 16,
            kv_heads: 8,
            vocab: 32000,
        }
    }

    /// About 1.26 G parameters, 2.5 GB in BF16.
    pub const fn bench_large() -> Self {
        Self {
            hidden: 2048,
            intermediate: 5632,
            layers: 24,
            heads: 16,
            kv_heads: 8,
            vocab: 32000,
        }
    }

    /// Total parameter count.
    pub fn parameters(&self) -> u64 {
        weights::llama_tensors(self).iter().map(|t| t.numel()).sum()
    }

    pub(crate) fn validate(&self) -> Result<(), BuildError> {
        let dims = [
            self.hidden,
            self.intermediate,
            self.layers,
            self.heads,
            self.kv_heads,
            self.vocab,
        ];
        if dims.contains(&0) {
            return Err(BuildError::InvalidShape(format!("{self:?} has a zero dimension")));
        }
        if !self.hidden.is_multiple_of(self.heads) || !self.heads.is_multiple_of(self.kv_heads) {
            return Err(BuildError::InvalidShape(format!(
                "{self:?}: heads must divide hidden, kv_heads heads"
            )));
        }
        if self.vocab < tokenizer::MIN_VOCAB {
            return Err(BuildError::InvalidShape(format!(
                "vocab must be at least {}",
                tokenizer::MIN_VOCAB
            )));
        }
        Ok(())
    }
}
