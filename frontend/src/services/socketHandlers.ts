// What each `/progress` event does to the page. A model the cached list knows is updated in
// place (setQueryData); an unknown one makes the list refetch (invalidate).
import type { QueryClient } from '@tanstack/react-query';
import { toast } from 'sonner';
import { changeModel } from '@/hooks/cache';
import { queryKeys } from '@/hooks/queryKeys';
import { useProgressStore } from '@/stores/progressStore';
import type {
  DownloadProgress,
  GpuStatus,
  LoadComplete,
  LoadProgress,
  Model,
  ModelError,
  ModelEvent,
  ModelOnly,
} from '@/types';

export interface SocketEvents {
  'model:download:progress': DownloadProgress;
  'model:download:complete': ModelEvent;
  'model:download:error': ModelError;
  'model:download:cancelled': ModelOnly;
  'model:load:progress': LoadProgress;
  'model:load:complete': LoadComplete;
  'model:load:error': ModelError;
  'model:unload:complete': ModelOnly;
  'system:gpu': GpuStatus;
}

export type SocketHandlers = { [E in keyof SocketEvents]: (payload: SocketEvents[E]) => void };

/** Applies `change` to the cached model `id` (see `changeModel`); invalidates the list when it is not cached. */
function updateModel(client: QueryClient, id: number, change: (model: Model, list: Model[]) => Model[] | Model): boolean {
  if (changeModel(client, id, change)) return true;
  void client.invalidateQueries({ queryKey: queryKeys.models });
  return false;
}

/** A payload without the record leaves the cached `updated_at` as it was: the list is fetched to bring the
 *  server's record, so that a late mutation reply (older than it) cannot leave the card in a stale state. */
function refetchRecord(client: QueryClient): void {
  void client.invalidateQueries({ queryKey: queryKeys.models });
}

/** One short line for a toast: what failed and the code; the card shows the full message. */
export function failureToast(what: string, name: string, code: string): string {
  return `${what} of ${name} failed (${code})`;
}

function nameOf(client: QueryClient, id: number): string {
  return client.getQueryData<Model[]>(queryKeys.models)?.find((m) => m.id === id)?.name ?? `Model ${id}`;
}

export function createSocketHandlers(client: QueryClient): SocketHandlers {
  const progress = () => useProgressStore.getState();
  return {
    'model:download:progress': (event) => {
      progress().recordDownload(event);
      const sample = progress().downloads[event.model_id];
      updateModel(client, event.model_id, (model) =>
        model.status === 'downloading' ? { ...model, download_progress: sample?.progress ?? event.progress } : model,
      );
    },
    'model:download:complete': (event) => {
      progress().clearDownload(event.model_id);
      updateModel(client, event.model_id, () => event.model);
    },
    'model:download:error': (event) => {
      progress().clearDownload(event.model_id);
      toast.error(failureToast('Download', nameOf(client, event.model_id), event.error.code));
      const known = updateModel(client, event.model_id, (model) => ({
        ...model,
        status: 'error',
        error_message: event.error.message,
        error_stage: 'download',
        download_progress: null,
      }));
      if (known) refetchRecord(client);
    },
    'model:download:cancelled': (event) => {
      progress().clearDownload(event.model_id);
      const list = client.getQueryData<Model[]>(queryKeys.models);
      // The record is gone; nothing to refetch when the list already lacks it.
      if (list?.some((m) => m.id === event.model_id)) {
        updateModel(client, event.model_id, (_, all) => all.filter((m) => m.id !== event.model_id));
      }
    },
    'model:load:progress': (event) => {
      progress().recordLoad(event.model_id, event.stage, event.progress);
      updateModel(client, event.model_id, (model) => (model.status === 'loading' ? model : { ...model, status: 'loading' }));
    },
    'model:load:complete': (event) => {
      progress().clearLoad(event.model_id);
      updateModel(client, event.model_id, (_, list) =>
        list.map((m) => {
          if (m.id === event.model_id) return { ...event.model, memory_used_mb: event.memory_used_mb };
          // One model is loaded at a time: a previous one is ready again.
          return m.status === 'loaded' ? { ...m, status: 'ready', memory_used_mb: null, loaded_at: null } : m;
        }),
      );
      void client.invalidateQueries({ queryKey: queryKeys.gpu });
    },
    'model:load:error': (event) => {
      progress().clearLoad(event.model_id);
      toast.error(failureToast('Load', nameOf(client, event.model_id), event.error.code));
      const known = updateModel(client, event.model_id, (model) => ({
        ...model,
        // Memory refusals leave the record ready; bad files make it an error.
        status: event.error.code === 'INSUFFICIENT_MEMORY' ? 'ready' : 'error',
        error_message: event.error.message,
        error_stage: 'load',
        memory_used_mb: null,
        loaded_at: null,
      }));
      if (known) refetchRecord(client);
    },
    'model:unload:complete': (event) => {
      progress().clearLoad(event.model_id);
      updateModel(client, event.model_id, (model) => ({
        ...model,
        status: model.status === 'loaded' || model.status === 'loading' ? 'ready' : model.status,
        memory_used_mb: null,
        loaded_at: null,
      }));
      void client.invalidateQueries({ queryKey: queryKeys.gpu });
    },
    'system:gpu': (status) => {
      client.setQueryData<GpuStatus>(queryKeys.gpu, status);
    },
  };
}
