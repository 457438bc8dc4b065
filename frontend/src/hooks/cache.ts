// Cache edits that the mutation hooks, the socket handlers and the refetches share. One rule governs
// every write of a Model into the cache: a record never replaces a cached one whose `updated_at` is
// newer (a late 202 reply must not undo the error or ready state an event or a refetch brought first).
import type { QueryClient } from '@tanstack/react-query';
import { useProgressStore } from '@/stores/progressStore';
import type { Model } from '@/types';
import { queryKeys } from './queryKeys';

const INSTANT = /^(.*T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:?\d{2})?$/i;

/** An RFC 3339 timestamp as [whole seconds in ms, fraction padded to 9 digits]; null when unreadable. */
function instant(iso: string): [number, string] | null {
  const match = INSTANT.exec(iso);
  if (!match) return null;
  const [, whole = '', fraction = '', zone = 'Z'] = match;
  const ms = Date.parse(`${whole}${zone}`);
  return Number.isNaN(ms) ? null : [ms, fraction.padEnd(9, '0').slice(0, 9)];
}

/** True when `next` was written before `cached` (to the nanosecond the timestamps carry). */
export function isOlder(next: Model, cached: Model): boolean {
  const a = instant(next.updated_at);
  const b = instant(cached.updated_at);
  if (!a || !b) return false;
  return a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);
}

/**
 * The record to keep when `next` is written over `cached`: `next`, unless it is older.
 * Every writer of a Model into the cache goes through this.
 */
export function newerModel(cached: Model | undefined, next: Model): Model {
  return cached && cached.id === next.id && isOlder(next, cached) ? cached : next;
}

/**
 * A fetched list merged over the cached one (the queries' `structuralSharing`): the fetched list
 * says which records exist and in what order, but a cached record newer than its fetched copy stays.
 */
export function mergeModelList(cached: unknown, fetched: unknown): unknown {
  if (!Array.isArray(cached) || !Array.isArray(fetched)) return fetched;
  const byId = new Map((cached as Model[]).map((m) => [m.id, m]));
  return (fetched as Model[]).map((m) => newerModel(byId.get(m.id), m));
}

/** The same rule for a fetched single record. */
export function mergeModel(cached: unknown, fetched: unknown): unknown {
  if (!cached || !fetched) return fetched;
  return newerModel(cached as Model, fetched as Model);
}

/** Writes `model` as the single cached record `id`, unless the cached one is newer. */
function writeSingle(client: QueryClient, model: Model): void {
  client.setQueryData<Model>(queryKeys.model(model.id), (cached) => newerModel(cached, model));
}

/** Puts `model` into the cached list (replacing the record with its id, or appending it), unless it is older. */
export function putModel(client: QueryClient, model: Model): void {
  client.setQueryData<Model[]>(queryKeys.models, (list) => {
    if (!list) return list;
    return list.some((m) => m.id === model.id)
      ? list.map((m) => (m.id === model.id ? newerModel(m, model) : m))
      : [...list, model];
  });
  writeSingle(client, model);
  if (!client.getQueryData(queryKeys.models)) void client.invalidateQueries({ queryKey: queryKeys.models });
}

/** Applies `change` to the cached model `id` (keeping a newer cached record); false when it is not cached. */
export function changeModel(client: QueryClient, id: number, change: (model: Model, list: Model[]) => Model[] | Model): boolean {
  const list = client.getQueryData<Model[]>(queryKeys.models);
  const model = list?.find((m) => m.id === id);
  if (!list || !model) return false;
  const result = change(model, list);
  const proposed = Array.isArray(result) ? result : list.map((m) => (m.id === id ? result : m));
  const before = new Map(list.map((m) => [m.id, m]));
  const next = proposed.map((m) => newerModel(before.get(m.id), m));
  client.setQueryData<Model[]>(queryKeys.models, next);
  const updated = next.find((m) => m.id === id);
  if (updated) writeSingle(client, updated);
  else client.removeQueries({ queryKey: queryKeys.model(id), exact: true });
  return true;
}

/** Drops the record `id` from the cache and forgets its live progress. */
export function dropModel(client: QueryClient, id: number): void {
  client.setQueryData<Model[]>(queryKeys.models, (list) => list?.filter((m) => m.id !== id));
  client.removeQueries({ queryKey: queryKeys.model(id), exact: true });
  useProgressStore.getState().clearDownload(id);
  useProgressStore.getState().clearLoad(id);
}
