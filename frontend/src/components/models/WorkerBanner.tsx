import { AlertTriangle } from 'lucide-react';
import type { Health } from '@/types';

/** Says so when no downloader is live: downloads then wait in the queue. */
export function WorkerBanner({ health }: { health: Health | undefined }) {
  if (!health || health.workers.downloader.length > 0) return null;
  return (
    <div
      role="status"
      className="flex items-center gap-2 rounded-md border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-200"
    >
      <AlertTriangle aria-hidden="true" className="size-4 shrink-0" />
      No downloader is running: new and queued downloads wait until one starts.
    </div>
  );
}
