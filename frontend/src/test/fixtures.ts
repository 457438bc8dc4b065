// Test data built from the generated types, so a changed API shape breaks the tests' build.
import type { DownloadProgress, GpuStatus, Health, Model, Preview } from '@/types';

let nextId = 1;

export function makeModel(overrides: Partial<Model> = {}): Model {
  const id = overrides.id ?? nextId++;
  return {
    id,
    name: `model-${id}`,
    source: 'huggingface',
    repo_id: `org/model-${id}`,
    local_path: null,
    revision: '3613a50b1c9c688f6591f3ba52674b5ccbfe9c94',
    params: '2.5B',
    architecture: 'LlamaForCausalLM',
    quantization: 'Q4',
    disk_size_mb: 4768,
    estimated_memory_mb: 2163,
    memory_used_mb: null,
    status: 'ready',
    download_progress: null,
    error_message: null,
    error_stage: null,
    trust_remote_code: false,
    created_at: '2026-11-29T10:00:00Z',
    updated_at: '2026-11-29T10:00:05Z',
    loaded_at: null,
    ...overrides,
  };
}

export function makePreview(overrides: Partial<Preview> = {}): Preview {
  const size = (memory_mb: number) => ({ disk_mb: 4768, memory_mb, fits_disk: true, fits_memory: true as boolean | null });
  return {
    name: 'tiny-llama',
    params: '2.5B',
    architecture: 'LlamaForCausalLM',
    requires_trust_remote_code: false,
    is_gated: false,
    loadable: true,
    unsupported_reason: null,
    revision: '3613a50b1c9c688f6591f3ba52674b5ccbfe9c94',
    estimate_basis: 'tensor_shapes',
    estimated_sizes: { Q4: size(2163), Q8: size(3151), FP16: { ...size(5245), fits_memory: false } },
    available_disk_mb: 100_000,
    available_memory_mb: 4096,
    ...overrides,
  };
}

export function makeGpu(overrides: Partial<GpuStatus> = {}): GpuStatus {
  return {
    worker: { id: 'gpu-worker-host-1', instance: 'i-1', alive: true, last_seen: '2026-11-29T10:00:00Z' },
    device: 'cpu',
    devices: [{ index: 0, name: 'cpu', total_mb: 24000, used_mb: 3100, free_mb: 20900 }],
    loaded_model_id: null,
    ...overrides,
  };
}

export const NO_GPU_WORKER: GpuStatus = {
  worker: { id: null, instance: null, alive: false, last_seen: null },
  device: null,
  devices: [],
  loaded_model_id: null,
};

export function makeHealth(downloaders = 1): Health {
  return {
    status: 'ok',
    version: '0.1.0',
    dependencies: { postgres: 'ok', redis: 'ok', nats: 'ok' },
    hub: { endpoint: 'http://hub', circuit_breaker: { state: 'closed', failures: 0 } },
    workers: {
      downloader: Array.from({ length: downloaders }, (_, i) => ({
        id: `dl-${i}`,
        running_jobs: 0,
        bytes_per_sec: 0,
        last_seen: '2026-11-29T10:00:00Z',
      })),
      gpu_worker: [],
    },
  };
}

export function makeProgress(overrides: Partial<DownloadProgress> = {}): DownloadProgress {
  return {
    model_id: 1,
    progress: 41.9,
    bytes_downloaded: 2_119_237_632,
    total_bytes: 5_055_203_328,
    speed_mbps: 812.4,
    eta_seconds: 3.4,
    files_done: 2,
    files_total: 5,
    ...overrides,
  };
}
