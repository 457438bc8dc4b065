import { useMemo } from 'react';
import { toast } from 'sonner';
import { CancelConfirmDialog, DeleteConfirmDialog } from '@/components/models/ConfirmDialogs';
import { DownloadForm } from '@/components/models/DownloadForm';
import { GpuPanel } from '@/components/models/GpuPanel';
import { MemoryDialog } from '@/components/models/MemoryDialog';
import { ModelList } from '@/components/models/ModelList';
import { StatusBar } from '@/components/models/StatusBar';
import { WorkerBanner } from '@/components/models/WorkerBanner';
import { useDocumentTitle } from '@/hooks/useDocumentTitle';
import { useGpu } from '@/hooks/useGpu';
import { useHealth } from '@/hooks/useHealth';
import { useLoadModel } from '@/hooks/useLoadModel';
import { useModels } from '@/hooks/useModels';
import { useRetryDownload } from '@/hooks/useRetryDownload';
import { useUnloadModel } from '@/hooks/useUnloadModel';
import { ApiError, describeError } from '@/services/api';
import { useDialogStore } from '@/stores/dialogStore';
import type { Model } from '@/types';

const NO_MODELS: Model[] = [];

function numberOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** The Models page: add a model, the list with live progress, the GPU panel and the status bar. */
export function ModelsPage() {
  const list = useModels();
  const gpu = useGpu();
  const health = useHealth();
  const load = useLoadModel();
  const unload = useUnloadModel();
  const retry = useRetryDownload();
  const { askDelete, askCancel, showMemory } = useDialogStore.getState();
  const models = list.data ?? NO_MODELS;
  useDocumentTitle(list.data);

  const loadModel = (id: number, force = false) =>
    load.mutate(
      { id, force },
      {
        onError: (err) => {
          if (err instanceof ApiError && err.code === 'INSUFFICIENT_MEMORY' && !force) {
            showMemory({
              modelId: id,
              requiredMb: numberOrNull(err.details.required_mb),
              availableMb: numberOrNull(err.details.available_mb),
              message: err.message,
            });
            return;
          }
          toast.error(describeError(err));
        },
      },
    );

  const busyIds = useMemo(() => {
    const ids = new Set<number>();
    if (load.isPending && load.variables) ids.add(load.variables.id);
    if (unload.isPending && unload.variables !== undefined) ids.add(unload.variables);
    if (retry.isPending && retry.variables !== undefined) ids.add(retry.variables);
    return ids;
  }, [load.isPending, load.variables, unload.isPending, unload.variables, retry.isPending, retry.variables]);

  return (
    <div className="flex min-h-screen flex-col">
      <header className="border-b border-neutral-200 px-4 py-3 dark:border-neutral-800">
        <div className="mx-auto max-w-7xl">
          <h1 className="text-xl font-bold">miLLM · Models</h1>
        </div>
      </header>
      <main className="mx-auto w-full max-w-7xl flex-1 space-y-4 px-4 py-4">
        <WorkerBanner health={health.data} />
        {list.error != null && (
          <p role="alert" className="rounded-md border border-red-300 bg-red-50 p-2 text-sm text-red-900 dark:border-red-800 dark:bg-red-950 dark:text-red-200">
            The model list could not be fetched: {describeError(list.error)}
          </p>
        )}
        <div className="grid gap-4 lg:grid-cols-[minmax(0,1fr)_20rem]">
          <div className="min-w-0 space-y-4">
            <DownloadForm />
            <ModelList
              models={models}
              busyIds={busyIds}
              onLoad={(id) => loadModel(id)}
              onUnload={(id) => unload.mutate(id, { onError: (err) => toast.error(describeError(err)) })}
              onRetry={(id) => retry.mutate(id, { onError: (err) => toast.error(describeError(err)) })}
              onDelete={askDelete}
              onCancel={askCancel}
            />
          </div>
          <aside className="space-y-4">
            <GpuPanel gpu={gpu.data} models={models} error={gpu.error} />
          </aside>
        </div>
      </main>
      <StatusBar models={models} />
      <DeleteConfirmDialog models={models} />
      <CancelConfirmDialog models={models} />
      <MemoryDialog models={models} pending={load.isPending} onForceLoad={(id) => loadModel(id, true)} />
    </div>
  );
}
