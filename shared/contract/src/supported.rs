//! Whether miLLM can run a model: one decision shared by the gateway, the downloader and the GPU worker.
//!
//! [`check_supported`] takes a repo's `config.json` (as JSON) and its file list and refuses, with a reason naming the
//! key, anything the GPU worker does not implement: remote code, other architectures, missing safetensors or
//! `tokenizer.json`, pre-quantized repos, other RoPE scalings, and config flags that change the function. The worker
//! parses its typed config through the same helpers ([`rope_scaling`], [`rope_theta`], [`activation`],
//! [`layer_is_sliding`]), so the list of what is implemented lives only here.

use serde_json::{Map, Value};

/// The architectures the GPU worker runs, parsed once from `architectures[0]` by
/// [`check_supported`]: there is no fallback, so an unknown name is refused, never guessed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Architecture {
    Llama,
    Mistral,
    Qwen2,
    Gemma2,
    Gpt2,
}

impl Architecture {
    pub const ALL: [Architecture; 5] = [
        Architecture::Llama,
        Architecture::Mistral,
        Architecture::Qwen2,
        Architecture::Gemma2,
        Architecture::Gpt2,
    ];

    /// The name `config.json` gives it in `architectures[0]`.
    pub fn name(self) -> &'static str {
        match self {
            Architecture::Llama => "LlamaForCausalLM",
            Architecture::Mistral => "MistralForCausalLM",
            Architecture::Qwen2 => "Qwen2ForCausalLM",
            Architecture::Gemma2 => "Gemma2ForCausalLM",
            Architecture::Gpt2 => "GPT2LMHeadModel",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.name() == name)
    }
}

/// Why a model cannot be run; `reason` names the file, key or value at fault.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{reason}")]
pub struct Unsupported {
    pub architecture: Option<String>,
    pub reason: String,
}

/// RoPE frequency scaling, as the worker implements it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RopeScaling {
    None,
    Linear {
        factor: f64,
    },
    Llama3 {
        factor: f64,
        low_freq_factor: f64,
        high_freq_factor: f64,
        original_max_position_embeddings: f64,
    },
}

/// The MLP activation, as the worker implements it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activation {
    Silu,
    /// `gelu_new` and `gelu_pytorch_tanh`: the tanh approximation.
    GeluTanh,
    /// `gelu`: the exact erf form.
    Gelu,
}

/// Boolean flags that change the function and that the worker does not run: (architecture, key). Refused when `true`.
const REFUSED_FLAGS: [(&str, &str); 8] = [
    ("LlamaForCausalLM", "attention_bias"),
    ("LlamaForCausalLM", "mlp_bias"),
    ("MistralForCausalLM", "attention_bias"),
    ("Gemma2ForCausalLM", "attention_bias"),
    ("Gemma2ForCausalLM", "use_bidirectional_attention"),
    ("Qwen2ForCausalLM", "use_sliding_window"),
    ("GPT2LMHeadModel", "scale_attn_by_inverse_layer_idx"),
    ("GPT2LMHeadModel", "add_cross_attention"),
];

/// Decides whether the worker can run the repo with this `config.json` and these file names (paths relative to the
/// repo root), and if so, which architecture it is.
pub fn check_supported(config: &Value, files: &[String]) -> Result<Architecture, Unsupported> {
    let arch = config
        .get("architectures")
        .and_then(|a| a.get(0))
        .and_then(Value::as_str)
        .map(str::to_owned);
    let refuse = |reason: String| Unsupported {
        architecture: arch.clone(),
        reason,
    };
    if config.get("auto_map").is_some() {
        return Err(refuse("the config has auto_map: the model needs remote code".into()));
    }
    if let Some(py) = files.iter().find(|f| f.ends_with(".py")) {
        return Err(refuse(format!(
            "the repo ships Python code ({py}): the model needs remote code"
        )));
    }
    let architecture = match arch.as_deref() {
        Some(a) => Architecture::parse(a).ok_or_else(|| refuse(format!("architecture {a} is not supported")))?,
        None => return Err(refuse("the config has no architectures".into())),
    };
    if !files.iter().any(|f| f.ends_with(".safetensors")) {
        return Err(refuse("the repo has no *.safetensors file".into()));
    }
    if !files
        .iter()
        .any(|f| f == "tokenizer.json" || f.ends_with("/tokenizer.json"))
    {
        return Err(refuse("the repo has no tokenizer.json".into()));
    }
    if config.get("quantization_config").is_some() {
        return Err(refuse(
            "the config has quantization_config: pre-quantized models are not supported".into(),
        ));
    }
    check_function_keys(config, architecture.name()).map_err(refuse)?;
    Ok(architecture)
}

/// The config keys that change the function, for an architecture known to be supported.
fn check_function_keys(config: &Value, arch: &str) -> Result<(), String> {
    for (a, key) in REFUSED_FLAGS {
        if a == arch && flag(config, key) {
            return Err(format!("{key}: true is not supported for {arch}"));
        }
    }
    if arch == "GPT2LMHeadModel" {
        return activation(config).map(drop);
    }
    if let Some(p) = config
        .get("partial_rotary_factor")
        .filter(|v| !v.is_null() && v.as_f64() != Some(1.0))
    {
        return Err(format!("partial_rotary_factor {p} is not supported (only 1.0)"));
    }
    let types = config
        .get("layer_types")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    if let Some(t) = types
        .iter()
        .find(|t| !matches!(t.as_str(), Some("full_attention" | "sliding_attention")))
    {
        return Err(format!("layer_types value {t} is not supported"));
    }
    rope_scaling(config)?;
    activation(config).map(drop)
}

fn flag(config: &Value, key: &str) -> bool {
    config.get(key).and_then(Value::as_bool) == Some(true)
}

/// The object that carries the RoPE type: v5 `rope_parameters`, else the classic `rope_scaling` (either may be null).
fn rope_object(config: &Value) -> Option<&Map<String, Value>> {
    ["rope_parameters", "rope_scaling"]
        .iter()
        .find_map(|k| config.get(*k).and_then(Value::as_object))
}

/// The RoPE scaling the config asks for; an error (naming the key) for a type the worker does not implement.
pub fn rope_scaling(config: &Value) -> Result<RopeScaling, String> {
    let Some(obj) = rope_object(config) else {
        return Ok(RopeScaling::None);
    };
    if obj.values().any(Value::is_object) {
        return Err("rope_parameters per layer type are not supported".into());
    }
    let kind = obj
        .get("rope_type")
        .or_else(|| obj.get("type"))
        .and_then(Value::as_str)
        .unwrap_or("default");
    let num = |key: &str| {
        obj.get(key)
            .and_then(Value::as_f64)
            .ok_or_else(|| format!("rope_scaling of type {kind} lacks {key}"))
    };
    match kind {
        "default" => Ok(RopeScaling::None),
        "linear" => Ok(RopeScaling::Linear { factor: num("factor")? }),
        "llama3" => Ok(RopeScaling::Llama3 {
            factor: num("factor")?,
            low_freq_factor: num("low_freq_factor")?,
            high_freq_factor: num("high_freq_factor")?,
            original_max_position_embeddings: num("original_max_position_embeddings")?,
        }),
        other => Err(format!(
            "rope_scaling type {other} is not supported (only llama3 and linear)"
        )),
    }
}

/// RoPE base: top-level `rope_theta`, else the one inside `rope_parameters`, else the transformers default 10000.
pub fn rope_theta(config: &Value) -> f64 {
    config
        .get("rope_theta")
        .and_then(Value::as_f64)
        .or_else(|| {
            rope_object(config)
                .and_then(|o| o.get("rope_theta"))
                .and_then(Value::as_f64)
        })
        .unwrap_or(10000.0)
}

/// The MLP activation, read from the key each architecture uses (`activation_function` for GPT-2,
/// `hidden_activation` then `hidden_act` for Gemma2, `hidden_act` otherwise).
pub fn activation(config: &Value) -> Result<Activation, String> {
    let arch = config
        .get("architectures")
        .and_then(|a| a.get(0))
        .and_then(Value::as_str)
        .unwrap_or_default();
    let (keys, default): (&[&str], _) = match arch {
        "GPT2LMHeadModel" => (&["activation_function"], "gelu_new"),
        "Gemma2ForCausalLM" => (&["hidden_activation", "hidden_act"], "gelu_pytorch_tanh"),
        _ => (&["hidden_act"], "silu"),
    };
    let found = keys
        .iter()
        .find_map(|k| config.get(*k).and_then(Value::as_str).map(|v| (*k, v)));
    let (key, value) = found.unwrap_or((keys[0], default));
    match (arch, value) {
        ("GPT2LMHeadModel" | "Gemma2ForCausalLM", "gelu_new" | "gelu_pytorch_tanh") => Ok(Activation::GeluTanh),
        ("GPT2LMHeadModel" | "Gemma2ForCausalLM", "gelu") => Ok(Activation::Gelu),
        ("LlamaForCausalLM" | "MistralForCausalLM" | "Qwen2ForCausalLM", "silu" | "swish") => Ok(Activation::Silu),
        _ => Err(format!("{key} {value} is not supported for {arch}")),
    }
}

/// Whether layer `i` attends through a sliding window, and its width: Mistral's window applies to every layer,
/// Gemma2's to the `sliding_attention` layers (even layers when `layer_types` is absent); Qwen2 and Llama have none.
pub fn layer_is_sliding(config: &Value, i: usize) -> Option<u64> {
    let window = config.get("sliding_window").and_then(Value::as_u64)?;
    let arch = config
        .get("architectures")
        .and_then(|a| a.get(0))
        .and_then(Value::as_str)?;
    match arch {
        "MistralForCausalLM" => Some(window),
        "Gemma2ForCausalLM" => {
            let sliding = match config.get("layer_types").and_then(Value::as_array) {
                Some(types) => types.get(i).and_then(Value::as_str) == Some("sliding_attention"),
                None => i.is_multiple_of(2),
            };
            sliding.then_some(window)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn files() -> Vec<String> {
        ["config.json", "model.safetensors", "tokenizer.json"]
            .map(String::from)
            .to_vec()
    }

    fn llama() -> Value {
        json!({"architectures": ["LlamaForCausalLM"], "hidden_act": "silu", "attention_bias": false,
               "rope_scaling": {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                "high_freq_factor": 4.0, "original_max_position_embeddings": 8192}})
    }

    fn with(mut config: Value, key: &str, value: Value) -> Value {
        config[key] = value;
        config
    }

    /// The reason of the refusal, which must name `needle`.
    fn refused(config: &Value, files: &[String], needle: &str) {
        let err = check_supported(config, files).expect_err("must be refused");
        assert!(err.reason.contains(needle), "{:?} does not name {needle}", err.reason);
        assert_eq!(err.to_string(), err.reason);
    }

    #[test]
    fn a_plain_supported_model_passes() {
        assert_eq!(check_supported(&llama(), &files()), Ok(Architecture::Llama));
        for arch in Architecture::ALL {
            assert_eq!(
                check_supported(&json!({"architectures": [arch.name()]}), &files()),
                Ok(arch),
                "{arch:?}"
            );
        }
    }

    #[test]
    fn remote_code_is_refused() {
        refused(&with(llama(), "auto_map", json!({})), &files(), "auto_map");
        let mut f = files();
        f.push("modeling_x.py".into());
        refused(&llama(), &f, "modeling_x.py");
    }

    #[test]
    fn other_architectures_are_refused_and_named() {
        let err = check_supported(&json!({"architectures": ["FalconForCausalLM"]}), &files()).unwrap_err();
        assert_eq!(err.architecture.as_deref(), Some("FalconForCausalLM"));
        assert!(err.reason.contains("FalconForCausalLM"));
        refused(&json!({}), &files(), "architectures");
    }

    #[test]
    fn missing_safetensors_or_tokenizer_is_refused() {
        refused(
            &llama(),
            &["config.json".into(), "tokenizer.json".into()],
            "safetensors",
        );
        refused(&llama(), &["model.safetensors".into()], "tokenizer.json");
    }

    #[test]
    fn pre_quantized_repos_are_refused() {
        refused(
            &with(llama(), "quantization_config", json!({"quant_method": "gptq"})),
            &files(),
            "quantization_config",
        );
    }

    #[test]
    fn rope_types_other_than_llama3_and_linear_are_refused_in_both_spellings() {
        refused(
            &with(llama(), "rope_scaling", json!({"type": "dynamic", "factor": 2.0})),
            &files(),
            "dynamic",
        );
        let v5 = with(llama(), "rope_parameters", json!({"rope_type": "yarn", "factor": 2.0}));
        refused(&v5, &files(), "yarn");
        let ok = with(
            llama(),
            "rope_parameters",
            json!({"rope_type": "default", "rope_theta": 5.0e5}),
        );
        assert_eq!(check_supported(&ok, &files()), Ok(Architecture::Llama));
        assert_eq!(rope_theta(&ok), 5.0e5);
        assert_eq!(
            rope_scaling(&with(llama(), "rope_scaling", Value::Null)),
            Ok(RopeScaling::None)
        );
        let linear = with(llama(), "rope_scaling", json!({"type": "linear", "factor": 2.0}));
        assert_eq!(rope_scaling(&linear), Ok(RopeScaling::Linear { factor: 2.0 }));
        refused(
            &with(llama(), "rope_scaling", json!({"rope_type": "llama3"})),
            &files(),
            "factor",
        );
    }

    #[test]
    fn function_changing_flags_are_refused_by_name() {
        refused(
            &with(llama(), "attention_bias", json!(true)),
            &files(),
            "attention_bias",
        );
        refused(&with(llama(), "mlp_bias", json!(true)), &files(), "mlp_bias");
        refused(&with(llama(), "hidden_act", json!("gelu")), &files(), "hidden_act");
        refused(
            &with(llama(), "partial_rotary_factor", json!(0.5)),
            &files(),
            "partial_rotary_factor",
        );
        let qwen = json!({"architectures": ["Qwen2ForCausalLM"], "use_sliding_window": true});
        refused(&qwen, &files(), "use_sliding_window");
        let gemma = json!({"architectures": ["Gemma2ForCausalLM"], "hidden_activation": "relu"});
        refused(&gemma, &files(), "hidden_activation");
        let gemma = json!({"architectures": ["Gemma2ForCausalLM"], "layer_types": ["chunked_attention"]});
        refused(&gemma, &files(), "layer_types");
        let gpt2 = json!({"architectures": ["GPT2LMHeadModel"], "scale_attn_by_inverse_layer_idx": true});
        refused(&gpt2, &files(), "scale_attn_by_inverse_layer_idx");
        let gpt2 = json!({"architectures": ["GPT2LMHeadModel"], "add_cross_attention": true});
        refused(&gpt2, &files(), "add_cross_attention");
        let gpt2 = json!({"architectures": ["GPT2LMHeadModel"], "activation_function": "relu"});
        refused(&gpt2, &files(), "activation_function");
    }

    #[test]
    fn sliding_windows_follow_each_architecture() {
        let mistral = json!({"architectures": ["MistralForCausalLM"], "sliding_window": 4});
        assert_eq!(layer_is_sliding(&mistral, 3), Some(4));
        let gemma = json!({"architectures": ["Gemma2ForCausalLM"], "sliding_window": 4});
        assert_eq!(
            (layer_is_sliding(&gemma, 0), layer_is_sliding(&gemma, 1)),
            (Some(4), None)
        );
        let typed = with(gemma, "layer_types", json!(["full_attention", "sliding_attention"]));
        assert_eq!(
            (layer_is_sliding(&typed, 0), layer_is_sliding(&typed, 1)),
            (None, Some(4))
        );
        let qwen = json!({"architectures": ["Qwen2ForCausalLM"], "sliding_window": 4});
        assert_eq!(layer_is_sliding(&qwen, 0), None);
    }
}
