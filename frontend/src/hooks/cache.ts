// Cache edits that the mutation hooks share: the answer of a request is the record's truth.
import type { QueryClient } from '@tanstack/react-query';
import { useProgressStore } from '@/stores/progressStore';
import type { Model } from '@/types';
import { queryKeys } from './queryKeys';

/** Puts `model` into the cached list (replacing the record with its id, or appending it). */
export function putModel(client: QueryClient, model: Model): void {
  client.setQueryData<Model[]>(queryKeys.models, (list) => {
    if (!list) return list;
    return list.some((m) => m.id === model.id) ? list.map((m) => (m.id === model.id ? model : m)) : [...list, model];
  });
  client.setQueryData<Model>(queryKeys.model(model.id), model);
  if (!client.getQueryData(queryKeys.models)) void client.invalidateQueries({ queryKey: queryKeys.models });
}

/** Drops the record `id` from the cache and forgets its live progress. */
export function dropModel(client: QueryClient, id: number): void {
  client.setQueryData<Model[]>(queryKeys.models, (list) => list?.filter((m) => m.id !== id));
  client.removeQueries({ queryKey: queryKeys.model(id), exact: true });
  useProgressStore.getState().clearDownload(id);
  useProgressStore.getState().clearLoad(id);
}
