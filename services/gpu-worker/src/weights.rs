//! The weights of a model while it is being built: tensors created on the device from the mapped shard bytes,
//! quantized on the way when they are linear weights, and charged against the memory budget.
//!
//! The loader feeds every tensor of every shard through [`Store::add`] (the shard is unmapped after its last tensor);
//! the architecture then takes what it needs by name ([`Store::tensor`], [`Store::linear`]). A tensor's role
//! (quantizable linear, plain 16-bit tensor, or skipped buffer) comes from the architecture's [`Role`] rule.

use std::borrow::Cow;
use std::collections::HashMap;

use safetensors::tensor::TensorView;
use tch::{Device, Kind, Tensor};

use crate::error::{LoadError, mib};
use crate::linear::{Linear, LinearWeight, tensor_bytes};
use crate::quant::{Elem, Quant, quantize_nf4, quantize_q8};

/// What the loader does with a tensor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A linear weight; `conv1d` means stored `[in, out]` (GPT-2's Conv1D) and transposed at load.
    Linear { conv1d: bool },
    /// Embeddings, norms, biases, lm_head: kept in the plain dtype.
    Plain,
    /// Buffers the forward pass recomputes (causal masks, rotary frequencies) or a tied lm_head.
    Skip,
}

/// The element type of a safetensors view, or `Unsupported` naming the tensor.
pub fn elem_of(name: &str, view: &TensorView<'_>) -> Result<Elem, LoadError> {
    use safetensors::Dtype;
    match view.dtype() {
        Dtype::F32 => Ok(Elem::F32),
        Dtype::F16 => Ok(Elem::F16),
        Dtype::BF16 => Ok(Elem::BF16),
        other => Err(LoadError::Unsupported(millm_contract::supported::Unsupported {
            architecture: None,
            reason: format!("tensor {name} has dtype {other:?} (only F32, F16 and BF16)"),
        })),
    }
}

/// Bytes a tensor of `numel` elements and `shape` takes on the device in `role`.
pub fn planned_bytes(role: Role, shape: &[usize], quant: Quant, plain: Kind) -> u64 {
    let n: usize = shape.iter().product();
    let rows = shape.first().copied().unwrap_or(1);
    let bytes = match (role, quant) {
        (Role::Skip, _) => 0,
        (Role::Linear { conv1d }, Quant::Q8) => {
            n + 2 * if conv1d {
                shape.get(1).copied().unwrap_or(1)
            } else {
                rows
            }
        }
        (Role::Linear { .. }, Quant::Q4) => n.div_ceil(2) + 2 * n.div_ceil(crate::quant::NF4_BLOCK),
        _ => n * plain.elt_size_in_bytes(),
    };
    bytes as u64
}

/// Tensors built so far, and the budget they are charged against.
pub struct Store {
    tensors: HashMap<String, Tensor>,
    linears: HashMap<String, LinearWeight>,
    pub device: Device,
    pub quant: Quant,
    /// The dtype of everything that is not a quantized code or scale.
    pub plain: Kind,
    /// Bytes charged against the limit so far.
    pub used: u64,
    /// Bytes of the tensors actually created (must equal `used`; `held` is what `weight_bytes` reports).
    held: u64,
    limit: Option<u64>,
    required: u64,
}

impl Store {
    pub fn new(device: Device, quant: Quant, plain: Kind, limit: Option<u64>, required: u64) -> Self {
        let (tensors, linears) = (HashMap::new(), HashMap::new());
        Self {
            tensors,
            linears,
            device,
            quant,
            plain,
            used: 0,
            held: 0,
            limit,
            required,
        }
    }

    /// Refuses an allocation that would take the device past the limit, before it happens.
    fn charge(&mut self, bytes: u64) -> Result<(), LoadError> {
        if let Some(limit) = self.limit.filter(|&limit| self.used + bytes > limit) {
            return Err(LoadError::OutOfMemory {
                required_mb: mib(self.required),
                limit_mb: limit >> 20,
            });
        }
        self.used += bytes;
        Ok(())
    }

    /// Builds one tensor from its mapped bytes. GPT-2 checkpoints may prefix names with `transformer.`.
    pub fn add(&mut self, name: &str, view: &TensorView<'_>, role: Role) -> Result<(), LoadError> {
        let name = name.strip_prefix("transformer.").unwrap_or(name).to_owned();
        let elem = elem_of(&name, view)?;
        let shape: Vec<usize> = view.shape().to_vec();
        self.charge(planned_bytes(role, &shape, self.quant, self.plain))?;
        match role {
            Role::Skip => {}
            Role::Plain => {
                let t = self.upload(view.data(), &shape, elem.kind())?.f_to_kind(self.plain)?;
                self.held += tensor_bytes(&t);
                self.tensors.insert(name, t);
            }
            Role::Linear { conv1d } => {
                // Only GPT-2's Conv1D weights are copied (transposed); others are read in place from the mapping.
                let (data, shape) = match conv1d {
                    true => (
                        Cow::Owned(transpose(view.data(), shape[0], shape[1], elem.size())),
                        vec![shape[1], shape[0]],
                    ),
                    false => (Cow::Borrowed(view.data()), shape),
                };
                let w = self.quantize(&data, elem, &shape)?;
                self.held += w.bytes();
                self.linears.insert(name, w);
            }
        }
        Ok(())
    }

    fn quantize(&self, data: &[u8], elem: Elem, shape: &[usize]) -> Result<LinearWeight, LoadError> {
        let (rows, cols) = (shape[0], shape.get(1).copied().unwrap_or(1));
        Ok(match self.quant {
            Quant::Q8 => {
                let (codes, scales) = quantize_q8(data, elem, rows, cols);
                let codes = self.to_device(Tensor::f_from_slice(&codes)?.f_view([rows as i64, cols as i64])?)?;
                let absmax = self.upload(&scales.to_bytes(), &[rows], scales.kind)?;
                LinearWeight::Q8 { codes, absmax }
            }
            Quant::Q4 => {
                let (packed, scales) = quantize_nf4(data, elem);
                let packed = self.to_device(Tensor::f_from_slice(&packed)?)?;
                let absmax = self.upload(&scales.to_bytes(), &[scales.bits.len()], scales.kind)?;
                LinearWeight::Q4 {
                    packed,
                    absmax,
                    out: rows as i64,
                    inp: cols as i64,
                }
            }
            Quant::Fp16 | Quant::F32 => {
                LinearWeight::Dense(self.upload(data, shape, elem.kind())?.f_to_kind(self.plain)?)
            }
        })
    }

    /// Copies bytes into a new tensor on the device.
    fn upload(&self, data: &[u8], shape: &[usize], kind: Kind) -> Result<Tensor, LoadError> {
        let dims: Vec<i64> = shape.iter().map(|&d| d as i64).collect();
        self.to_device(Tensor::f_from_data_size(data, &dims, kind)?)
    }

    /// Moves a host tensor to the device. The device's own out-of-memory (CUDA's allocator running out below our
    /// budget) is `OutOfMemory` as well, not a generic torch error.
    fn to_device(&self, t: Tensor) -> Result<Tensor, LoadError> {
        if self.device == Device::Cpu {
            return Ok(t);
        }
        t.f_to_device(self.device)
            .map_err(|e| match e.to_string().to_lowercase().contains("out of memory") {
                true => LoadError::OutOfMemory {
                    required_mb: mib(self.required),
                    limit_mb: self.limit.map_or(0, |l| l >> 20),
                },
                false => LoadError::Torch(e),
            })
    }

    /// Bytes of the tensors built and still held by the model: created minus those left in the store.
    pub fn held_by_model(&self) -> u64 {
        let left: u64 = self.tensors.values().map(tensor_bytes).sum::<u64>()
            + self.linears.values().map(LinearWeight::bytes).sum::<u64>();
        self.held - left
    }

    /// Takes a plain tensor and checks its shape.
    pub fn tensor(&mut self, name: &str, shape: &[i64]) -> Result<Tensor, LoadError> {
        let t = self
            .tensors
            .remove(name)
            .ok_or_else(|| LoadError::MissingTensor { name: name.to_owned() })?;
        check_shape(name, &t.size(), shape)?;
        Ok(t)
    }

    /// Takes `{prefix}.weight` as a linear `[out, in]`, with `{prefix}.bias` when `bias`.
    pub fn linear(&mut self, prefix: &str, out: i64, inp: i64, bias: bool) -> Result<Linear, LoadError> {
        let name = format!("{prefix}.weight");
        let weight = self
            .linears
            .remove(&name)
            .ok_or_else(|| LoadError::MissingTensor { name: name.clone() })?;
        let bias = if bias {
            Some(self.tensor(&format!("{prefix}.bias"), &[out])?)
        } else {
            None
        };
        let linear = Linear { weight, bias };
        check_shape(&name, &linear.shape(), &[out, inp])?;
        Ok(linear)
    }
}

fn check_shape(name: &str, found: &[i64], expected: &[i64]) -> Result<(), LoadError> {
    if found == expected {
        return Ok(());
    }
    Err(LoadError::BadShape {
        name: name.to_owned(),
        expected: expected.to_vec(),
        found: found.to_vec(),
    })
}

/// Transposes a row-major `[rows, cols]` matrix of `size`-byte elements.
fn transpose(src: &[u8], rows: usize, cols: usize, size: usize) -> Vec<u8> {
    let mut out = vec![0u8; src.len()];
    for r in 0..rows {
        for c in 0..cols {
            let (from, to) = ((r * cols + c) * size, (c * rows + r) * size);
            out[to..to + size].copy_from_slice(&src[from..from + size]);
        }
    }
    out
}
