import type { Model } from '@/types';
import { formatGiB, formatMiB } from '@/utils/format';
import { diskSummary } from '@/utils/models';

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/**
 * "N downloaded models, X on disk · M downloading · K local folders (not managed by miLLM)": hub models and
 * their disk, each downloaded revision once; downloads in flight and local folders counted apart.
 */
export function ListFooter({ models }: { models: readonly Model[] }) {
  const summary = diskSummary(models);
  const size = summary.managedMb < 1024 ? formatMiB(summary.managedMb) : formatGiB(summary.managedMb);
  const parts = [
    summary.downloaded > 0
      ? `${plural(summary.downloaded, 'downloaded model', 'downloaded models')}, ${size} on disk`
      : '0 downloaded models',
  ];
  if (summary.downloading > 0) parts.push(`${summary.downloading} downloading`);
  if (summary.localFolders > 0) {
    const localSize = summary.localMb > 0 ? `, ${formatMiB(summary.localMb)}` : '';
    parts.push(`${plural(summary.localFolders, 'local folder', 'local folders')} (not managed by miLLM${localSize})`);
  }
  const shared = summary.revisions < summary.downloaded;
  return (
    <footer className="mt-4 text-sm text-neutral-700 dark:text-neutral-300" aria-label="Disk use">
      <p>{parts.join(' · ')}</p>
      {summary.downloaded > 0 && (
        <p className="text-neutral-600 dark:text-neutral-400">
          {shared
            ? `In the model cache as ${plural(summary.revisions, 'copy', 'copies')}: quantizations of a repo share one copy.`
            : 'In the model cache; quantizations of a repo share one copy.'}
          {summary.downloading > 0 && ' Downloads in progress are not counted until they finish.'}
        </p>
      )}
    </footer>
  );
}
