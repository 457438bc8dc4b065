import { QueryClient } from '@tanstack/react-query';
import { ApiError } from './api';

/** Answers from the API are final; only a request that got no answer is tried again. */
export function shouldRetry(failureCount: number, error: unknown): boolean {
  if (error instanceof ApiError && error.code !== 'NETWORK_ERROR') return false;
  return failureCount < 2;
}

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: { retry: shouldRetry, staleTime: 1_000, refetchOnWindowFocus: true },
      mutations: { retry: false },
    },
  });
}
