import { useQuery } from '@tanstack/react-query';
import { call, client } from '@/services/api';
import { queryKeys } from './queryKeys';

/** `GET /api/health`: which workers are live (no downloader means downloads wait). */
export function useHealth() {
  return useQuery({
    queryKey: queryKeys.health,
    queryFn: () => call(() => client.GET('/api/health')),
    refetchInterval: 10_000,
  });
}
