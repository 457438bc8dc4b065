import { Cpu } from 'lucide-react';
import { Card } from '@/components/common';
import { describeError } from '@/services/api';
import type { DeviceMemory, GpuStatus, Model } from '@/types';
import { formatMiB } from '@/utils/format';

export interface GpuPanelProps {
  gpu: GpuStatus | undefined;
  models: readonly Model[];
  error?: unknown;
}

function DeviceRow({ device }: { device: DeviceMemory }) {
  const usedPercent = device.total_mb > 0 ? Math.min(100, (device.used_mb / device.total_mb) * 100) : 0;
  return (
    <li className="space-y-1">
      <p className="text-sm font-medium">
        {device.index}: {device.name}
      </p>
      {/* A neutral track (free) with only the used part coloured: an empty device reads empty. */}
      <div
        aria-hidden="true"
        data-part="memory-track"
        className="flex h-2.5 w-full overflow-hidden rounded-full border border-neutral-500 bg-neutral-200 dark:border-neutral-400 dark:bg-neutral-700"
      >
        <div data-part="memory-used" className="h-full bg-blue-700 dark:bg-blue-400" style={{ width: `${usedPercent}%` }} />
      </div>
      <p className="text-xs text-neutral-700 dark:text-neutral-300">
        {formatMiB(device.used_mb)} used, {formatMiB(device.free_mb)} free of {formatMiB(device.total_mb)}
      </p>
    </li>
  );
}

/** Each device's memory and the loaded model, from GET /api/system/gpu and `system:gpu` events. */
export function GpuPanel({ gpu, models, error }: GpuPanelProps) {
  const live = gpu?.worker.alive === true;
  const onCpu = live && gpu?.device === 'cpu';
  const loadedId = gpu?.loaded_model_id ?? models.find((m) => m.status === 'loaded')?.id ?? null;
  const loaded = loadedId === null ? undefined : models.find((m) => m.id === loadedId);
  return (
    <Card data-testid="gpu-panel" aria-labelledby="gpu-heading">
      <h2 id="gpu-heading" className="mb-2 flex items-center gap-2 text-lg font-semibold">
        <Cpu aria-hidden="true" className="size-5" /> {onCpu ? 'Memory (CPU)' : 'GPU'}
        {live && gpu?.device && !onCpu && (
          <span className="text-sm font-normal text-neutral-700 dark:text-neutral-300">({gpu.device})</span>
        )}
      </h2>
      {onCpu && (
        <p className="mb-2 text-sm text-neutral-700 dark:text-neutral-300">
          The worker runs on the CPU: host memory stands in for GPU memory.
        </p>
      )}
      {error != null && !gpu && (
        <p role="alert" className="text-sm text-red-700 dark:text-red-400">
          {describeError(error)}
        </p>
      )}
      {gpu && !live && (
        <p className="rounded-md border border-amber-300 bg-amber-50 p-2 text-sm text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-200">
          No GPU worker live: models cannot be loaded until one starts.
        </p>
      )}
      {live && (
        <>
          {gpu.devices.length === 0 ? (
            <p className="text-sm text-neutral-700 dark:text-neutral-300">The worker reports no device.</p>
          ) : (
            <ul className="space-y-3">
              {gpu.devices.map((d) => (
                <DeviceRow key={d.index} device={d} />
              ))}
            </ul>
          )}
          <p className="mt-3 text-sm">
            Loaded model:{' '}
            {loaded ? (
              <span className="font-semibold">
                {loaded.name}
                {loaded.memory_used_mb !== null && ` (${formatMiB(loaded.memory_used_mb)} measured)`}
              </span>
            ) : loadedId !== null ? (
              <span className="font-semibold">model {loadedId}</span>
            ) : (
              <span className="text-neutral-700 dark:text-neutral-300">none</span>
            )}
          </p>
        </>
      )}
    </Card>
  );
}
