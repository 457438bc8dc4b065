//! A small but genuine byte-level BPE tokenizer in the `tokenizers` JSON format.
//!
//! It has the 256-symbol byte alphabet (so any text encodes), Llama's `<unk>`, `<s>`, `</s>` specials, a BOS
//! template, and a few hundred deterministic merges, bounded by the model's vocabulary size so token ids always fit
//! the embedding matrix.

use std::collections::{BTreeMap, HashSet};

use serde_json::{Value, json};

pub(crate) const SPECIAL_TOKENS: [&str; 3] = ["<unk>", "<s>", "</s>"];
pub(crate) const BOS_ID: u32 = 1;
pub(crate) const EOS_ID: u32 = 2;
/// Specials plus the byte alphabet: the smallest vocabulary this tokenizer can have.
pub(crate) const MIN_VOCAB: usize = SPECIAL_TOKENS.len() + 256;
/// Merges beyond this only grow the file.
const MAX_MERGES: usize = 1000;

/// GPT-2's byte → printable character mapping used by the ByteLevel pre-tokenizer.
fn byte_alphabet() -> Vec<char> {
    let printable = |b: u32| (33..=126).contains(&b) || (161..=172).contains(&b) || (174..=255).contains(&b);
    let mut shifted = 0;
    (0u32..256)
        .map(|b| {
            if printable(b) {
                char::from_u32(b).unwrap_or('?')
            } else {
                shifted += 1;
                char::from_u32(255 + shifted).unwrap_or('?')
            }
        })
        .collect()
}

/// Deterministic merges: word-initial letters, then common English bigrams, then every letter pair.
fn merges(limit: usize) -> Vec<(String, String)> {
    let space = 'Ġ';
    let letters: Vec<char> = ('a'..='z').collect();
    let common = [
        "th", "he", "in", "er", "an", "re", "on", "at", "en", "nd", "ti", "es", "or", "te", "of", "ed",
    ];
    let mut candidates: Vec<(String, String)> = letters.iter().map(|l| (space.to_string(), l.to_string())).collect();
    for bigram in common {
        let mut chars = bigram.chars();
        if let (Some(a), Some(b)) = (chars.next(), chars.next()) {
            candidates.push((a.to_string(), b.to_string()));
        }
    }
    for a in &letters {
        for b in &letters {
            candidates.push((a.to_string(), b.to_string()));
        }
    }
    let mut seen = HashSet::new();
    candidates
        .into_iter()
        .filter(|pair| seen.insert(pair.clone()))
        .take(limit)
        .collect()
}

/// The tokenizer JSON for a model whose vocabulary has `vocab_size` entries (at least [`MIN_VOCAB`]).
pub(crate) fn tokenizer_json(vocab_size: usize) -> Value {
    let mut vocab = BTreeMap::<String, usize>::new();
    let mut next_id = 0;
    let mut add = |token: String, vocab: &mut BTreeMap<String, usize>| {
        vocab.entry(token).or_insert_with(|| {
            next_id += 1;
            next_id - 1
        });
    };
    for token in SPECIAL_TOKENS {
        add(token.to_owned(), &mut vocab);
    }
    for symbol in byte_alphabet() {
        add(symbol.to_string(), &mut vocab);
    }
    let merges = merges(vocab_size.saturating_sub(MIN_VOCAB).min(MAX_MERGES));
    for (a, b) in &merges {
        add(format!("{a}{b}"), &mut vocab);
    }

    let added_tokens: Vec<Value> = SPECIAL_TOKENS
        .iter()
        .enumerate()
        .map(|(id, content)| {
            json!({ "id": id, "content": content, "single_word": false, "lstrip": false, "rstrip": false,
                    "normalized": false, "special": true })
        })
        .collect();
    let merges: Vec<String> = merges.iter().map(|(a, b)| format!("{a} {b}")).collect();
    let bos = SPECIAL_TOKENS[BOS_ID as usize];
    json!({
        "version": "1.0",
        "truncation": null,
        "padding": null,
        "added_tokens": added_tokens,
        "normalizer": null,
        "pre_tokenizer": { "type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true },
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [
                { "SpecialToken": { "id": bos, "type_id": 0 } },
                { "Sequence": { "id": "A", "type_id": 0 } }
            ],
            "pair": [
                { "SpecialToken": { "id": bos, "type_id": 0 } },
                { "Sequence": { "id": "A", "type_id": 0 } },
                { "SpecialToken": { "id": bos, "type_id": 1 } },
                { "Sequence": { "id": "B", "type_id": 1 } }
            ],
            "special_tokens": { bos: { "id": bos, "ids": [BOS_ID], "tokens": [bos] } }
        },
        "decoder": { "type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true },
        "model": {
            "type": "BPE",
            "dropout": null,
            "unk_token": null,
            "continuing_subword_prefix": null,
            "end_of_word_suffix": null,
            "fuse_unk": false,
            "byte_fallback": false,
            "ignore_merges": false,
            "vocab": vocab,
            "merges": merges
        }
    })
}

/// `tokenizer_config.json` for transformers' fast tokenizer.
pub(crate) fn tokenizer_config_json(max_length: usize) -> Value {
    let decoder: BTreeMap<String, Value> = SPECIAL_TOKENS
        .iter()
        .enumerate()
        .map(|(id, content)| {
            let entry = json!({ "content": content, "lstrip": false, "normalized": false, "rstrip": false,
                                "single_word": false, "special": true });
            (id.to_string(), entry)
        })
        .collect();
    json!({
        "add_bos_token": true,
        "add_eos_token": false,
        "added_tokens_decoder": decoder,
        "bos_token": SPECIAL_TOKENS[BOS_ID as usize],
        "eos_token": SPECIAL_TOKENS[EOS_ID as usize],
        "unk_token": SPECIAL_TOKENS[0],
        "clean_up_tokenization_spaces": false,
        "model_max_length": max_length,
        "tokenizer_class": "PreTrainedTokenizerFast"
    })
}
