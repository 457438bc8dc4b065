import { useConnectionStore, type SocketState } from '@/stores/connectionStore';
import type { Model } from '@/types';

const SOCKET_TEXT: Record<SocketState, string> = {
  connecting: 'Live updates: connecting…',
  connected: 'Live updates: connected',
  reconnecting: 'Live updates: reconnecting…',
  offline: 'Live updates: offline',
};

/** What the live figures are worth in each state, said next to it while they are not live. */
const HINT: Partial<Record<SocketState, string>> = {
  reconnecting: 'progress shown is the last known',
  offline: 'progress shown is the last known; reload to retry',
};

const DOT: Record<SocketState, string> = {
  connecting: 'bg-neutral-600 dark:bg-neutral-300',
  connected: 'bg-green-700 dark:bg-green-400',
  reconnecting: 'bg-amber-700 dark:bg-amber-300',
  offline: 'bg-red-700 dark:bg-red-300',
};

/** A pill per state: text on a tinted background (AA: 900 on 100, 100 on 900/950), bolder when not live. */
const PILL: Record<SocketState, string> = {
  connecting: 'border-neutral-400 bg-neutral-100 text-neutral-900 dark:border-neutral-500 dark:bg-neutral-800 dark:text-neutral-100',
  connected: 'border-green-700 bg-green-100 text-green-900 dark:border-green-500 dark:bg-green-950 dark:text-green-100',
  reconnecting:
    'border-amber-700 bg-amber-100 font-semibold text-amber-950 dark:border-amber-400 dark:bg-amber-950 dark:text-amber-100',
  offline: 'border-red-700 bg-red-100 font-semibold text-red-900 dark:border-red-400 dark:bg-red-950 dark:text-red-100',
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
        <p
          role="status"
          data-state={socket}
          className={`flex flex-wrap items-center gap-2 rounded-full border px-3 py-0.5 ${PILL[socket]}`}
        >
          <span aria-hidden="true" className={`inline-block size-2.5 shrink-0 rounded-full ${DOT[socket]}`} />
          <span>{SOCKET_TEXT[socket]}</span>
          {HINT[socket] && <span className="font-normal">({HINT[socket]})</span>}
        </p>
      </div>
    </footer>
  );
}
