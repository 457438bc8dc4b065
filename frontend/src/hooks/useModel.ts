import { replaceEqualDeep, useQuery } from '@tanstack/react-query';
import { call, client } from '@/services/api';
import { mergeModel } from './cache';
import { queryKeys } from './queryKeys';

/** `GET /api/models/{id}`. */
export function useModel(id: number) {
  return useQuery({
    queryKey: queryKeys.model(id),
    queryFn: () => call(() => client.GET('/api/models/{id}', { params: { path: { id } } })),
    structuralSharing: (cached, fetched) => replaceEqualDeep(cached, mergeModel(cached, fetched)),
  });
}
