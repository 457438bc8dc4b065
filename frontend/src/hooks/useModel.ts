import { useQuery } from '@tanstack/react-query';
import { call, client } from '@/services/api';
import { queryKeys } from './queryKeys';

/** `GET /api/models/{id}`. */
export function useModel(id: number) {
  return useQuery({
    queryKey: queryKeys.model(id),
    queryFn: () => call(() => client.GET('/api/models/{id}', { params: { path: { id } } })),
  });
}
