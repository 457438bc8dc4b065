import { ExternalLink, FolderOpen } from 'lucide-react';
import { Badge, Card, PathText } from '@/components/common';
import { useProgressStore } from '@/stores/progressStore';
import type { Model } from '@/types';
import { formatMiB } from '@/utils/format';
import { hubUrl } from '@/utils/models';
import { DownloadProgress, useDownloadPercent } from './DownloadProgress';
import { LOAD_STAGE_LABELS, STATUS_LABELS, STATUS_TONES } from './labels';
import { ModelActions, type ModelActionHandlers } from './ModelActions';
import { MemoryEstimate } from './MemoryEstimate';

export interface ModelCardProps extends ModelActionHandlers {
  model: Model;
  busy?: boolean;
}

function StatusBadge({ model }: { model: Model }) {
  const { queued } = useDownloadPercent(model);
  const label = model.status === 'downloading' && queued ? 'Queued' : STATUS_LABELS[model.status];
  return (
    <Badge tone={STATUS_TONES[model.status]} data-testid="model-status">
      {label}
    </Badge>
  );
}

function Source({ model }: { model: Model }) {
  if (model.source === 'local') {
    return (
      <p className="text-xs text-neutral-700 dark:text-neutral-300">
        <FolderOpen aria-hidden="true" className="mr-1 inline size-3.5 align-text-bottom" />
        <PathText text={model.local_path ?? ''} className="font-mono" />{' '}
        <span className="whitespace-nowrap text-neutral-600 dark:text-neutral-400">(local folder)</span>
      </p>
    );
  }
  const repo = model.repo_id ?? '';
  return (
    <p className="font-mono text-xs">
      <a
        href={hubUrl(repo)}
        target="_blank"
        rel="noreferrer"
        className="text-blue-800 underline hover:text-blue-900 dark:text-blue-300 dark:hover:text-blue-200"
      >
        <PathText text={repo} />
        <ExternalLink aria-hidden="true" className="ml-1 inline size-3 align-baseline" />
        <span className="sr-only">(opens the hub page)</span>
      </a>
      {model.revision && <span className="text-neutral-600 dark:text-neutral-400"> @ {model.revision.slice(0, 7)}</span>}
    </p>
  );
}

function LoadStageLine({ model }: { model: Model }) {
  const sample = useProgressStore((s) => s.loads[model.id]);
  const text = sample ? `${LOAD_STAGE_LABELS[sample.stage]} (${Math.floor(sample.progress)}%)` : 'starting';
  return (
    <p className="my-3 text-sm text-amber-900 dark:text-amber-200" role="status">
      Loading: {text}
    </p>
  );
}

function ErrorLine({ model }: { model: Model }) {
  if (!model.error_message) return null;
  const stage = model.error_stage === 'load' ? 'Load failed' : 'Download failed';
  const prefix = model.status === 'ready' ? `Last load failed` : stage;
  return (
    <p className="my-3 rounded-md border border-red-300 bg-red-50 p-2 text-sm whitespace-pre-line wrap-anywhere text-red-900 dark:border-red-800 dark:bg-red-950 dark:text-red-200">
      <span className="font-semibold">{prefix}:</span> {model.error_message}
    </p>
  );
}

/** One model: what it is, where it comes from, its sizes, its state and what can be done with it. */
export function ModelCard({ model, busy, ...handlers }: ModelCardProps) {
  const details = [model.params && `${model.params} params`, model.quantization, model.architecture].filter(Boolean);
  return (
    <Card as="article" className="h-full min-w-0" data-testid="model-card" aria-labelledby={`model-${model.id}-name`}>
      <div className="flex items-start justify-between gap-3">
        <div className="min-w-0 flex-1 space-y-1">
          <h3 id={`model-${model.id}-name`} className="text-base font-semibold wrap-anywhere">
            {model.name}
          </h3>
          <p className="text-sm text-neutral-700 dark:text-neutral-300">{details.join(' · ')}</p>
          <Source model={model} />
        </div>
        <StatusBadge model={model} />
      </div>
      <p className="mt-2 text-sm text-neutral-700 dark:text-neutral-300">
        Disk: {formatMiB(model.disk_size_mb)} · <MemoryEstimate estimatedMb={model.estimated_memory_mb} usedMb={model.memory_used_mb} />
      </p>
      {model.status === 'downloading' && <DownloadProgress model={model} />}
      {model.status === 'loading' && <LoadStageLine model={model} />}
      {(model.status === 'error' || model.error_stage === 'load') && <ErrorLine model={model} />}
      <ModelActions model={model} busy={busy ?? false} {...handlers} />
    </Card>
  );
}
