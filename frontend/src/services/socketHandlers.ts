// What each `/progress` event does to the page. A model the cached list knows is updated in
// place (setQueryData); an unknown one makes the list refetch (invalidate).
import type { QueryClient } from '@tanstack/react-query';
import { toast } from 'sonner';
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

/** Applies `change` to the cached model `id`; returns false (and invalidates) when it is not cached. */
function updateModel(client: QueryClient, id: number, change: (model: Model, list: Model[]) => Model[] | Model): boolean {
  const list = client.getQueryData<Model[]>(queryKeys.models);
  const model = list?.find((m) => m.id === id);
  if (!list || !model) {
    void client.invalidateQueries({ queryKey: queryKeys.models });
    return false;
  }
  const result = change(model, list);
  const next = Array.isArray(result) ? result : list.map((m) => (m.id === id ? result : m));
  client.setQueryData<Model[]>(queryKeys.models, next);
  const updated = next.find((m) => m.id === id);
  if (updated) client.setQueryData<Model>(queryKeys.model(id), updated);
  else client.removeQueries({ queryKey: queryKeys.model(id), exact: true });
  return true;
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
      toast.error(`${nameOf(client, event.model_id)}: ${event.error.message} (${event.error.code})`);
      updateModel(client, event.model_id, (model) => ({
        ...model,
        status: 'error',
        error_message: event.error.message,
        error_stage: 'download',
        download_progress: null,
      }));
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
      toast.error(`${nameOf(client, event.model_id)}: ${event.error.message} (${event.error.code})`);
      updateModel(client, event.model_id, (model) => ({
        ...model,
        // Memory refusals leave the record ready; bad files make it an error.
        status: event.error.code === 'INSUFFICIENT_MEMORY' ? 'ready' : 'error',
        error_message: event.error.message,
        error_stage: 'load',
        memory_used_mb: null,
        loaded_at: null,
      }));
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
