import { Ban, Play, RotateCcw, Square, Trash2, Zap } from 'lucide-react';
import { Button } from '@/components/common';
import type { Model } from '@/types';

export interface ModelActionHandlers {
  onLoad: (id: number) => void;
  onUnload: (id: number) => void;
  onRetry: (id: number) => void;
  onDelete: (id: number) => void;
  onCancel: (id: number) => void;
}

export interface ModelActionsProps extends ModelActionHandlers {
  model: Model;
  /** A request for this model is in flight: its buttons wait. */
  busy?: boolean;
}

const icon = 'size-4';

/** The card's buttons, each enabled only in the states where the API accepts it. */
export function ModelActions({ model, busy = false, onLoad, onUnload, onRetry, onDelete, onCancel }: ModelActionsProps) {
  const { status, error_stage: stage, name, id } = model;
  const loadFailed = stage === 'load' && (status === 'error' || status === 'ready');
  const canLoad = status === 'ready' || (status === 'error' && stage === 'load');
  const canUnload = status === 'loaded' || status === 'loading';
  const canDelete = status === 'ready' || status === 'error' || status === 'downloading';
  const canRetry = status === 'error' && stage !== 'load';
  const loadLabel = loadFailed ? 'Load again' : 'Load';
  return (
    <div className="mt-3 flex flex-wrap gap-2">
      {status === 'downloading' && (
        <Button size="sm" data-testid="cancel-btn" aria-label={`Cancel download of ${name}`} disabled={busy} onClick={() => onCancel(id)}>
          <Ban aria-hidden="true" className={icon} /> Cancel download
        </Button>
      )}
      {canRetry && (
        <Button size="sm" variant="primary" data-testid="retry-btn" aria-label={`Retry download of ${name}`} disabled={busy} onClick={() => onRetry(id)}>
          <RotateCcw aria-hidden="true" className={icon} /> Retry
        </Button>
      )}
      {(status === 'ready' || (status === 'error' && stage === 'load')) && (
        <Button
          size="sm"
          variant="primary"
          data-testid="load-btn"
          aria-label={`${loadLabel} ${name}`}
          disabled={busy || !canLoad}
          onClick={() => onLoad(id)}
        >
          {loadFailed ? <Zap aria-hidden="true" className={icon} /> : <Play aria-hidden="true" className={icon} />} {loadLabel}
        </Button>
      )}
      {canUnload && (
        <Button size="sm" data-testid="unload-btn" aria-label={`${status === 'loading' ? 'Stop loading' : 'Unload'} ${name}`} disabled={busy} onClick={() => onUnload(id)}>
          <Square aria-hidden="true" className={icon} /> {status === 'loading' ? 'Stop loading' : 'Unload'}
        </Button>
      )}
      <Button
        size="sm"
        variant="ghost"
        data-testid="delete-btn"
        aria-label={`Delete ${name}`}
        title={canDelete ? undefined : 'Unload the model before deleting it'}
        disabled={busy || !canDelete}
        onClick={() => onDelete(id)}
      >
        <Trash2 aria-hidden="true" className={icon} /> Delete
      </Button>
    </div>
  );
}
