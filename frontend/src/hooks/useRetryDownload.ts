import { useMutation, useQueryClient } from '@tanstack/react-query';
import { call, client } from '@/services/api';
import { useProgressStore } from '@/stores/progressStore';
import { putModel } from './cache';

/** `POST /api/models/{id}/retry`: re-queues a failed download under the same id. */
export function useRetryDownload() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: number) => call(() => client.POST('/api/models/{id}/retry', { params: { path: { id } } })),
    onMutate: (id) => useProgressStore.getState().clearDownload(id),
    onSuccess: (model) => putModel(queryClient, model),
  });
}
