import { useMutation, useQueryClient } from '@tanstack/react-query';
import { call, client } from '@/services/api';
import { useProgressStore } from '@/stores/progressStore';
import { putModel } from './cache';
import { queryKeys } from './queryKeys';

/** `POST /api/models/{id}/unload` (also aborts a load in progress). */
export function useUnloadModel() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: number) => call(() => client.POST('/api/models/{id}/unload', { params: { path: { id } } })),
    onSuccess: (model) => {
      useProgressStore.getState().clearLoad(model.id);
      putModel(queryClient, model);
      void queryClient.invalidateQueries({ queryKey: queryKeys.gpu });
    },
  });
}
