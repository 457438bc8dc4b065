import { replaceEqualDeep, useQuery } from '@tanstack/react-query';
import { call, client } from '@/services/api';
import { useProgressStore } from '@/stores/progressStore';
import type { Model } from '@/types';
import { mergeModelList } from './cache';
import { queryKeys } from './queryKeys';

/** Fetches the list, seeding live progress so that a page opened mid-download starts at its percent. */
export async function fetchModels(): Promise<Model[]> {
  const models = await call(() => client.GET('/api/models'));
  const progress = useProgressStore.getState();
  for (const model of models) {
    if (model.status === 'downloading') progress.seedDownload(model.id, model.download_progress);
  }
  return models;
}

/** `GET /api/models`. A refetch never replaces a cached record with an older copy (see `newerModel`). */
export function useModels() {
  return useQuery({
    queryKey: queryKeys.models,
    queryFn: fetchModels,
    structuralSharing: (cached, fetched) => replaceEqualDeep(cached, mergeModelList(cached, fetched)),
  });
}
