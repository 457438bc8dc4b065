// What the launcher printed: where the services are, and the repos, tokens and folders each case uses.

export type RepoKey =
  | 'full'
  | 'keyboard'
  | 'api_key'
  | 'broken'
  | 'gated'
  | 'cancel'
  | 'after_cancel'
  | 'reload'
  | 'socket'
  | 'big'
  | 'remote_code'
  | 'missing';

export interface Run {
  gateway_url: string;
  hub_url: string;
  control_url: string;
  cache_dir: string;
  logs_dir: string;
  database_url: string;
  namespace: string;
  api_key: string;
  repos: Record<RepoKey, string>;
  tokens: { gated: string; wrong: string };
  local: { valid: string; not_a_model: string; missing: string };
  device_memory_limit_mb: number;
  big_estimate_mb: number;
}

let cached: Run | undefined;

/** The launcher's run, as the global set-up passed it on. */
export function run(): Run {
  if (cached) return cached;
  const line = process.env.MILLM_E2E_RUN;
  if (!line) throw new Error('MILLM_E2E_RUN is not set: run the suite through playwright.config.ts');
  cached = JSON.parse(line) as Run;
  return cached;
}

/** The name the API gives a hub model: the part of the repo id after the slash. */
export function modelName(repoId: string): string {
  return repoId.slice(repoId.indexOf('/') + 1);
}
