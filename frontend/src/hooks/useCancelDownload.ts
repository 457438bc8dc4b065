import { useMutation, useQueryClient } from '@tanstack/react-query';
import { call, client } from '@/services/api';
import { dropModel } from './cache';

/** `POST /api/models/{id}/cancel`: stops the download and removes the record and partial files. */
export function useCancelDownload() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (id: number) => {
      await call(() => client.POST('/api/models/{id}/cancel', { params: { path: { id } } }));
      return id;
    },
    onSuccess: (id) => dropModel(queryClient, id),
  });
}
