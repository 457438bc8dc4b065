import { useQuery } from '@tanstack/react-query';
import { call, client } from '@/services/api';
import { useProgressStore } from '@/stores/progressStore';
import type { Model } from '@/types';
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

/** `GET /api/models`. */
export function useModels() {
  return useQuery({ queryKey: queryKeys.models, queryFn: fetchModels });
}
