import { useMutation, useQueryClient } from '@tanstack/react-query';
import { call, client } from '@/services/api';
import { dropModel } from './cache';

/** `DELETE /api/models/{id}`: the record, and its files when no other record uses them. */
export function useDeleteModel() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (id: number) => {
      await call(() => client.DELETE('/api/models/{id}', { params: { path: { id } } }));
      return id;
    },
    onSuccess: (id) => dropModel(queryClient, id),
  });
}
