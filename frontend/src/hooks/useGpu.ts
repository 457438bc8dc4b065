import { useQuery } from '@tanstack/react-query';
import { call, client } from '@/services/api';
import { queryKeys } from './queryKeys';

/** `GET /api/system/gpu`; `system:gpu` events keep it current between fetches. */
export function useGpu() {
  return useQuery({
    queryKey: queryKeys.gpu,
    queryFn: () => call(() => client.GET('/api/system/gpu')),
    refetchInterval: 30_000,
  });
}
