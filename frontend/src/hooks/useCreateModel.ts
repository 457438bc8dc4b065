import { useMutation, useQueryClient } from '@tanstack/react-query';
import { call, client } from '@/services/api';
import type { CreateModelBody } from '@/types';
import { putModel } from './cache';

/** `POST /api/models`: starts a hub download or registers a local folder (202 with the record). */
export function useCreateModel() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: CreateModelBody) => call(() => client.POST('/api/models', { body })),
    onSuccess: (model) => putModel(queryClient, model),
  });
}
