import { useMutation } from '@tanstack/react-query';
import { call, client } from '@/services/api';
import type { PreviewBody } from '@/types';

/** `POST /api/models/preview`: sizes and fits for each quantization, before any download. */
export function usePreview() {
  return useMutation({
    mutationFn: (body: PreviewBody) => call(() => client.POST('/api/models/preview', { body })),
  });
}
