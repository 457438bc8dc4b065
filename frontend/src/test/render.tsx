import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import * as RadixTooltip from '@radix-ui/react-tooltip';
import { render, type RenderResult } from '@testing-library/react';
import type { ReactElement } from 'react';
import { shouldRetry } from '@/services/queryClient';

export function testQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: { retry: (count, error) => shouldRetry(count, error) && false, gcTime: Infinity },
      mutations: { retry: false },
    },
  });
}

/** Renders `ui` inside the providers the app gives it. */
export function renderWithClient(ui: ReactElement, client = testQueryClient()): RenderResult & { client: QueryClient } {
  const result = render(
    <QueryClientProvider client={client}>
      <RadixTooltip.Provider>{ui}</RadixTooltip.Provider>
    </QueryClientProvider>,
  );
  return { ...result, client };
}
