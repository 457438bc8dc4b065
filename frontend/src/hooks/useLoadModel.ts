import { useMutation, useQueryClient } from '@tanstack/react-query';
import { call, client } from '@/services/api';
import { useProgressStore } from '@/stores/progressStore';
import { putModel } from './cache';

export interface LoadRequest {
  id: number;
  /** Proceed past the memory estimate's 507. */
  force?: boolean;
}

/** `POST /api/models/{id}/load`, with `{force: true}` for "Load anyway". */
export function useLoadModel() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, force = false }: LoadRequest) =>
      call(() =>
        client.POST('/api/models/{id}/load', {
          params: { path: { id } },
          ...(force ? { body: { force: true } } : {}),
        }),
      ),
    onMutate: ({ id }) => useProgressStore.getState().clearLoad(id),
    onSuccess: (model) => putModel(queryClient, model),
  });
}
