import { ProgressBar } from '@/components/common';
import { useNow } from '@/hooks/useNow';
import { useConnectionStore, type SocketState } from '@/stores/connectionStore';
import { isStalled, STALL_AFTER_MS, useProgressStore } from '@/stores/progressStore';
import type { Model } from '@/types';
import { formatBytes, formatEta, formatPercent, formatSpeed } from '@/utils/format';

/** The percent shown for a downloading model: the larger of the live sample and the list's value. */
export function useDownloadPercent(model: Model): { percent: number; queued: boolean } {
  const sample = useProgressStore((s) => s.downloads[model.id]);
  const percent = Math.min(100, Math.max(sample?.progress ?? 0, model.download_progress ?? 0));
  const queued = percent === 0 && !sample?.bytesDownloaded;
  return { percent, queued };
}

/** What replaces speed and ETA while the socket is away (the percent and bytes are the last known). */
const AWAY_TEXT: Record<Exclude<SocketState, 'connected'>, string> = {
  connecting: 'waiting for live updates…',
  reconnecting: 'paused: reconnecting…',
  offline: 'paused: live updates lost',
};

/** Progress of one download: bar, %, speed, ETA and bytes; "stalled" when bytes stop coming. */
export function DownloadProgress({ model }: { model: Model }) {
  const sample = useProgressStore((s) => s.downloads[model.id]);
  const { percent, queued } = useDownloadPercent(model);
  const socket = useConnectionStore((s) => s.socket);
  const live = socket === 'connected';
  const now = useNow(1000, !queued);
  const stalled = live && isStalled(sample, now);
  const parts: string[] = [formatPercent(percent)];
  if (queued) {
    parts.push('queued: waiting for a downloader to start');
  } else if (!live) {
    // Without the socket there are no new samples: a speed or an ETA would be a frozen one.
    parts.push(AWAY_TEXT[socket]);
  } else if (stalled && sample?.lastGrowthAt != null) {
    const secs = Math.floor((now - sample.lastGrowthAt) / 1000);
    parts.push(`stalled: no new bytes for ${Math.max(secs, STALL_AFTER_MS / 1000)} s`);
  } else if (sample && sample.bytesDownloaded > 0) {
    parts.push(formatSpeed(sample.speedMbps), `ETA ${formatEta(sample.etaSeconds)}`);
  }
  if (sample && sample.totalBytes > 0) {
    parts.push(`${formatBytes(sample.bytesDownloaded)} of ${formatBytes(sample.totalBytes)}`);
    if (sample.filesTotal > 0) parts.push(`files ${sample.filesDone}/${sample.filesTotal}`);
  }
  const text = parts.join(' · ');
  return (
    <div className="my-3 space-y-1">
      <ProgressBar
        value={percent}
        label={`Download of ${model.name}`}
        valueText={text}
        tone={stalled ? 'amber' : 'blue'}
        data-testid="progress-bar"
      />
      <p className={`text-xs ${stalled ? 'text-amber-800 dark:text-amber-300' : 'text-neutral-700 dark:text-neutral-300'}`}>
        {text}
      </p>
    </div>
  );
}
