import type { Model } from '@/types';
import { formatGiB, formatMiB } from '@/utils/format';
import { diskSummary } from '@/utils/models';

/** "N models, X GiB on disk": each downloaded revision once; local folders apart. */
export function ListFooter({ models }: { models: readonly Model[] }) {
  const summary = diskSummary(models);
  const noun = summary.models === 1 ? 'model' : 'models';
  return (
    <footer className="mt-4 text-sm text-neutral-700 dark:text-neutral-300" aria-label="Disk use">
      <p>
        {summary.models} {noun}, {summary.managedMb < 1024 ? formatMiB(summary.managedMb) : formatGiB(summary.managedMb)} on disk
        <span className="text-neutral-600 dark:text-neutral-400"> (in the model cache; quantizations of a repo share one copy)</span>
      </p>
      {summary.localFolders > 0 && (
        <p className="text-neutral-600 dark:text-neutral-400">
          Plus {summary.localFolders} local {summary.localFolders === 1 ? 'folder' : 'folders'} ({formatMiB(summary.localMb)}),
          not managed by miLLM
        </p>
      )}
    </footer>
  );
}
