// Pure helpers over the model list: sorting, the footer's totals, and shared files.
import type { Model, ModelStatus } from '@/types';

export type SortKey = 'name' | 'size' | 'status';

const STATUS_ORDER: Record<ModelStatus, number> = {
  loaded: 0,
  loading: 1,
  downloading: 2,
  error: 3,
  ready: 4,
};

const byName = (a: Model, b: Model) => a.name.localeCompare(b.name, undefined, { sensitivity: 'base' }) || a.id - b.id;

export function sortModels(models: readonly Model[], key: SortKey): Model[] {
  const list = [...models];
  switch (key) {
    case 'name':
      return list.sort(byName);
    case 'size':
      // Largest first; unknown sizes last.
      return list.sort((a, b) => (b.disk_size_mb ?? -1) - (a.disk_size_mb ?? -1) || byName(a, b));
    case 'status':
      return list.sort((a, b) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status] || byName(a, b));
  }
}

/** The files of a hub record are complete on disk (not mid-download, not a failed download). */
export function hasCompleteFiles(model: Model): boolean {
  if (model.status === 'downloading') return false;
  if (model.status === 'error' && model.error_stage !== 'load') return false;
  return true;
}

export interface DiskSummary {
  /** Hub records whose files are complete on disk (each quantization is a record). */
  downloaded: number;
  /** Distinct (repo_id, revision) among them: the copies on disk. */
  revisions: number;
  /** Hub files under the model cache, each (repo_id, revision) counted once. */
  managedMb: number;
  /** Hub records still downloading (queued included): their bytes are not in `managedMb` yet. */
  downloading: number;
  localFolders: number;
  localMb: number;
}

export function diskSummary(models: readonly Model[]): DiskSummary {
  const revisions = new Map<string, number>();
  let downloaded = 0;
  let downloading = 0;
  let localFolders = 0;
  let localMb = 0;
  for (const model of models) {
    if (model.source === 'local') {
      localFolders += 1;
      localMb += model.disk_size_mb ?? 0;
      continue;
    }
    if (model.status === 'downloading') downloading += 1;
    if (!hasCompleteFiles(model)) continue;
    downloaded += 1;
    const key = `${model.repo_id ?? ''}@${model.revision ?? ''}`;
    revisions.set(key, Math.max(revisions.get(key) ?? 0, model.disk_size_mb ?? 0));
  }
  let managedMb = 0;
  for (const mb of revisions.values()) managedMb += mb;
  return { downloaded, revisions: revisions.size, managedMb, downloading, localFolders, localMb };
}

/** Other hub records that use the same downloaded revision, whose files a delete keeps. */
export function sharingRecords(model: Model, models: readonly Model[]): Model[] {
  if (model.source !== 'huggingface' || !model.repo_id) return [];
  return models.filter(
    (m) => m.id !== model.id && m.source === 'huggingface' && m.repo_id === model.repo_id && m.revision === model.revision,
  );
}

export function hubUrl(repoId: string): string {
  return `https://huggingface.co/${repoId.split('/').map(encodeURIComponent).join('/')}`;
}
