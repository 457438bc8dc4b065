import { QueryClient } from '@tanstack/react-query';
import { makeModel } from '@/test/fixtures';
import type { Model } from '@/types';
import { mergeModelList, newerModel, putModel } from './cache';
import { queryKeys } from './queryKeys';

const at = (updated_at: string, overrides: Partial<Model> = {}) => makeModel({ id: 7, updated_at, ...overrides });

describe('the newest-record rule', () => {
  it('keeps the cached record when the written one is older, to the microsecond', () => {
    // Arrange
    const cached = at('2026-11-29T10:00:01.000035Z', { status: 'error' });
    const late = at('2026-11-29T10:00:01.000001Z', { status: 'loading' });

    // Act
    const kept = newerModel(cached, late);

    // Assert
    expect(kept).toBe(cached);
  });

  it('takes the written record when it is as new or newer, whatever the fraction digits or the zone', () => {
    const cached = at('2026-11-29T10:00:01Z');
    expect(newerModel(cached, at('2026-11-29T10:00:01.5Z'))).not.toBe(cached);
    expect(newerModel(cached, at('2026-11-29T11:00:01+01:00'))).not.toBe(cached);
    expect(newerModel(undefined, cached)).toBe(cached);
  });

  it('does not let a mutation reply overwrite a newer record a socket event wrote first', () => {
    // Arrange
    const client = new QueryClient();
    const ready = at('2026-11-29T10:00:02Z', { status: 'ready' });
    client.setQueryData(queryKeys.models, [ready]);
    client.setQueryData(queryKeys.model(7), ready);

    // Act
    putModel(client, at('2026-11-29T10:00:01Z', { status: 'loading' }));

    // Assert
    expect(client.getQueryData<Model[]>(queryKeys.models)?.[0]?.status).toBe('ready');
    expect(client.getQueryData<Model>(queryKeys.model(7))?.status).toBe('ready');
  });

  it('merges a refetched list without undoing newer cached records, and drops records it no longer has', () => {
    // Arrange
    const cached = [at('2026-11-29T10:00:02Z', { status: 'loaded' }), makeModel({ id: 8 })];
    const fetched = [at('2026-11-29T10:00:01Z', { status: 'loading' }), makeModel({ id: 9 })];

    // Act
    const merged = mergeModelList(cached, fetched) as Model[];

    // Assert
    expect(merged.map((m) => [m.id, m.status])).toEqual([
      [7, 'loaded'],
      [9, 'ready'],
    ]);
  });
});
