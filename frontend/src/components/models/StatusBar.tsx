import { useConnectionStore, type SocketState } from '@/stores/connectionStore';
import type { Model } from '@/types';

const SOCKET_TEXT: Record<SocketState, string> = {
  connecting: 'Live updates: connecting…',
  connected: 'Live updates: connected',
  reconnecting: 'Live updates: reconnecting…',
  offline: 'Live updates: offline',
};

const DOT: Record<SocketState, string> = {
  connecting: 'bg-neutral-500',
  connected: 'bg-green-600',
  reconnecting: 'bg-amber-500',
  offline: 'bg-red-600',
};

/** The loaded model and the socket's state, always on screen. */
export function StatusBar({ models }: { models: readonly Model[] }) {
  const socket = useConnectionStore((s) => s.socket);
  const loaded = models.find((m) => m.status === 'loaded');
  const loading = models.find((m) => m.status === 'loading');
  return (
    <footer className="sticky bottom-0 z-30 border-t border-neutral-200 bg-neutral-50/95 px-4 py-2 text-sm text-neutral-800 backdrop-blur dark:border-neutral-800 dark:bg-neutral-900/95 dark:text-neutral-200">
      <div className="mx-auto flex max-w-7xl flex-wrap items-center justify-between gap-2">
        <p>
          Loaded:{' '}
          <span data-testid="status-bar-model" className="font-semibold">
            {loaded ? loaded.name : 'no model'}
          </span>
          {loading && <span className="text-neutral-700 dark:text-neutral-300"> · loading {loading.name}</span>}
        </p>
        <p role="status" className="flex items-center gap-2">
          <span aria-hidden="true" className={`inline-block size-2.5 rounded-full ${DOT[socket]}`} />
          {SOCKET_TEXT[socket]}
        </p>
      </div>
    </footer>
  );
}
