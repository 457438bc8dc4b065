// One place for the TanStack Query keys the hooks and the socket handlers share.
export const queryKeys = {
  models: ['models'] as const,
  model: (id: number) => ['models', id] as const,
  gpu: ['gpu'] as const,
  health: ['health'] as const,
};
