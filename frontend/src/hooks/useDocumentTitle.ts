import { useEffect } from 'react';
import { useProgressStore } from '@/stores/progressStore';
import type { Model } from '@/types';

export const BASE_TITLE = 'miLLM';

/** The overall percent of active downloads, or null when none runs. */
export function downloadTitlePercent(models: readonly Model[], samples: Record<number, { progress: number }>): number | null {
  const active = models.filter((m) => m.status === 'downloading');
  if (active.length === 0) return null;
  const sum = active.reduce((acc, m) => acc + Math.max(samples[m.id]?.progress ?? 0, m.download_progress ?? 0), 0);
  return Math.min(100, Math.floor(sum / active.length));
}

/** Shows the progress of active downloads in the tab's title ("42% · miLLM"). */
export function useDocumentTitle(models: readonly Model[] | undefined): void {
  const samples = useProgressStore((s) => s.downloads);
  const percent = models ? downloadTitlePercent(models, samples) : null;
  useEffect(() => {
    document.title = percent === null ? BASE_TITLE : `${percent}% · ${BASE_TITLE}`;
  }, [percent]);
}
