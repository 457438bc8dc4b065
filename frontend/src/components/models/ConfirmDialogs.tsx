import { toast } from 'sonner';
import { ConfirmDialog } from '@/components/common';
import { useCancelDownload } from '@/hooks/useCancelDownload';
import { useDeleteModel } from '@/hooks/useDeleteModel';
import { describeError } from '@/services/api';
import { useDialogStore } from '@/stores/dialogStore';
import type { Model } from '@/types';
import { formatMiB } from '@/utils/format';
import { sharingRecords } from '@/utils/models';

/** What a delete removes from disk and what it keeps, in words. */
export function deleteConsequences(model: Model, models: readonly Model[]): string[] {
  const lines = ['The record is removed from miLLM.'];
  if (model.source === 'local') {
    lines.push(`The folder ${model.local_path ?? ''} is kept: miLLM never touches local folders.`);
    return lines;
  }
  const size = model.disk_size_mb === null ? '' : ` (${formatMiB(model.disk_size_mb)})`;
  const sharing = sharingRecords(model, models);
  if (sharing.length > 0) {
    const names = sharing.map((m) => `${m.name} ${m.quantization}`).join(', ');
    lines.push(`The files of ${model.repo_id}${size} are kept: ${names} ${sharing.length === 1 ? 'uses' : 'use'} the same download.`);
  } else if (model.status === 'downloading') {
    lines.push(`The download stops and its partial files are removed from the model cache.`);
  } else if (model.status === 'error' && model.error_stage !== 'load') {
    lines.push(`The partial files of the failed download are removed from the model cache.`);
  } else {
    lines.push(`The files of ${model.repo_id}${size} are removed from the model cache.`);
  }
  return lines;
}

export function DeleteConfirmDialog({ models }: { models: readonly Model[] }) {
  const id = useDialogStore((s) => s.confirmDeleteId);
  const close = useDialogStore((s) => s.close);
  const remove = useDeleteModel();
  const model = models.find((m) => m.id === id);
  const onOpenChange = (open: boolean) => {
    if (!open) {
      close();
      remove.reset();
    }
  };
  return (
    <ConfirmDialog
      open={model !== undefined}
      onOpenChange={onOpenChange}
      title={`Delete ${model?.name ?? ''} (${model?.quantization ?? ''})?`}
      confirmLabel="Delete"
      confirmTestId="confirm-delete-btn"
      pending={remove.isPending}
      error={remove.error ? describeError(remove.error) : null}
      onConfirm={() =>
        model &&
        remove.mutate(model.id, {
          onSuccess: () => {
            toast.success(`${model.name} deleted`);
            onOpenChange(false);
          },
        })
      }
    >
      {model && deleteConsequences(model, models).map((line) => <p key={line}>{line}</p>)}
    </ConfirmDialog>
  );
}

export function CancelConfirmDialog({ models }: { models: readonly Model[] }) {
  const id = useDialogStore((s) => s.confirmCancelId);
  const close = useDialogStore((s) => s.close);
  const cancel = useCancelDownload();
  const model = models.find((m) => m.id === id);
  const onOpenChange = (open: boolean) => {
    if (!open) {
      close();
      cancel.reset();
    }
  };
  return (
    <ConfirmDialog
      open={model !== undefined}
      onOpenChange={onOpenChange}
      title={`Cancel the download of ${model?.name ?? ''}?`}
      confirmLabel="Cancel download"
      cancelLabel="Keep downloading"
      confirmTestId="confirm-cancel-btn"
      pending={cancel.isPending}
      error={cancel.error ? describeError(cancel.error) : null}
      onConfirm={() =>
        model &&
        cancel.mutate(model.id, {
          onSuccess: () => {
            toast.success(`Download of ${model.name} cancelled`);
            onOpenChange(false);
          },
        })
      }
    >
      <p>The download stops, and the record and its partial files are removed.</p>
      {model && sharingRecords(model, models).length > 0 && (
        <p>Files that another record of the same repo already uses are kept.</p>
      )}
    </ConfirmDialog>
  );
}
