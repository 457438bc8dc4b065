// Direct calls to the gateway, the fake hub's switches and the launcher's control API: to arrange a case, to
// check what the page shows against what the API says, and to clean up after a case.
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { run } from './run';

export interface Envelope<T = unknown> {
  success: boolean;
  data: T;
  error: { code: string; message: string; details: unknown } | null;
}

export interface Model {
  id: number;
  name: string;
  repo_id: string | null;
  local_path: string | null;
  status: string;
  download_progress: number | null;
  error_message: string | null;
  error_stage: string | null;
}

async function call<T>(method: string, url: string, body?: unknown, key?: string): Promise<[number, Envelope<T>]> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (key) headers.authorization = `Bearer ${key}`;
  const response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return [response.status, (await response.json()) as Envelope<T>];
}

export function api<T>(method: string, route: string, body?: unknown, base = run().gateway_url, key?: string) {
  return call<T>(method, `${base}${route}`, body, key);
}

export async function models(base = run().gateway_url, key?: string): Promise<Model[]> {
  const [status, envelope] = await api<Model[]>('GET', '/api/models', undefined, base, key);
  if (status !== 200) throw new Error(`GET /api/models answered ${status}`);
  return envelope.data;
}

export async function modelOf(repoOrPath: string): Promise<Model | undefined> {
  return (await models()).find((m) => m.repo_id === repoOrPath || m.local_path === repoOrPath);
}

export interface Gpu {
  devices: { name: string; total_mb: number; used_mb: number; free_mb: number }[];
  loaded_model_id: number | null;
}

export async function gpu(): Promise<Gpu> {
  const [, envelope] = await api<Gpu>('GET', '/api/system/gpu');
  return envelope.data;
}

/** The error a POST would get, to compare with what the page shows (the envelope's message is the user's text). */
export async function errorOf(route: string, body: unknown): Promise<{ code: string; message: string }> {
  const [status, envelope] = await api('POST', route, body);
  if (!envelope.error) throw new Error(`POST ${route} answered ${status} without an error`);
  return envelope.error;
}

/** Waits until `check` holds for the record of `repoOrPath` (or for its absence, when `check` takes undefined). */
export async function waitForModel(
  repoOrPath: string,
  check: (model: Model | undefined) => boolean,
  within = 60_000,
): Promise<Model | undefined> {
  const deadline = Date.now() + within;
  for (;;) {
    const model = await modelOf(repoOrPath);
    if (check(model)) return model;
    if (Date.now() > deadline) throw new Error(`${repoOrPath} never matched; last: ${JSON.stringify(model)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Leaves no record of `repoOrPath`: cancels, unloads and deletes as its state needs. Safe when there is none. */
export async function removeModel(repoOrPath: string): Promise<void> {
  const model = await modelOf(repoOrPath);
  if (!model) return;
  if (model.status === 'downloading') {
    await api('POST', `/api/models/${model.id}/cancel`);
  }
  if (model.status === 'loaded' || model.status === 'loading') {
    await api('POST', `/api/models/${model.id}/unload`);
  }
  if (await modelOf(repoOrPath)) {
    await api('DELETE', `/api/models/${model.id}`);
  }
  await waitForModel(repoOrPath, (m) => m === undefined, 20_000);
}

/** Caps (or, with null, frees) the fake hub's bandwidth for one repo. */
export async function rateLimit(repoId: string, bytesPerSec: number | null): Promise<void> {
  const response = await fetch(`${run().hub_url}/_admin/repos/${repoId}/rate-limit`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ bytes_per_sec: bytesPerSec }),
  });
  if (!response.ok) throw new Error(`rate-limit ${repoId} answered ${response.status}`);
}

/** One of the launcher's control actions, e.g. `gateway/stop`; its JSON answer. */
export async function control(action: string): Promise<Record<string, unknown>> {
  const response = await fetch(`${run().control_url}/${action}`, { method: 'POST' });
  const body = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new Error(`control ${action} answered ${response.status}: ${JSON.stringify(body)}`);
  return body;
}

/** Regular files of a repo's download under the cache (blobs, snapshot links and partial files; not `refs`). */
export function cachedFiles(repoId: string): string[] {
  const repoDir = path.join(run().cache_dir, `models--${repoId.replace('/', '--')}`);
  const found: string[] = [];
  const walk = (dir: string) => {
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      return;
    }
    for (const entry of entries) {
      const full = path.join(dir, entry);
      const stat = statSync(full, { throwIfNoEntry: false });
      if (stat?.isDirectory()) walk(full);
      else found.push(path.relative(repoDir, full));
    }
  };
  walk(path.join(repoDir, 'blobs'));
  walk(path.join(repoDir, 'snapshots'));
  return found;
}
