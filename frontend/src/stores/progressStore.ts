// Live download and load progress: what only the browser sees between two list fetches.
// Samples per model are monotone: the bar never goes back and never passes 100.
import { create } from 'zustand';
import type { DownloadProgress, LoadStage } from '@/types';

/** No new bytes for this long after the first ones: the download is shown as stalled. */
export const STALL_AFTER_MS = 10_000;

export interface DownloadSample {
  progress: number;
  bytesDownloaded: number;
  totalBytes: number;
  speedMbps: number;
  etaSeconds: number | null;
  filesDone: number;
  filesTotal: number;
  /** When the byte count last grew (ms since epoch); null before the first byte. */
  lastGrowthAt: number | null;
}

export interface LoadSample {
  stage: LoadStage;
  progress: number;
}

interface ProgressState {
  downloads: Record<number, DownloadSample>;
  loads: Record<number, LoadSample>;
  recordDownload: (event: DownloadProgress, now?: number) => void;
  /** Seeds a model from the list's `download_progress` (a page opened mid-download). */
  seedDownload: (modelId: number, progress: number | null, now?: number) => void;
  clearDownload: (modelId: number) => void;
  recordLoad: (modelId: number, stage: LoadStage, progress: number) => void;
  clearLoad: (modelId: number) => void;
  reset: () => void;
}

export function clampPercent(value: number): number {
  if (!Number.isFinite(value)) return 0;
  return Math.min(100, Math.max(0, value));
}

const EMPTY: DownloadSample = {
  progress: 0,
  bytesDownloaded: 0,
  totalBytes: 0,
  speedMbps: 0,
  etaSeconds: null,
  filesDone: 0,
  filesTotal: 0,
  lastGrowthAt: null,
};

function without<T>(map: Record<number, T>, id: number): Record<number, T> {
  if (!(id in map)) return map;
  const next = { ...map };
  delete next[id];
  return next;
}

export const useProgressStore = create<ProgressState>()((set) => ({
  downloads: {},
  loads: {},
  recordDownload: (event, now = Date.now()) =>
    set((state) => {
      const prev = state.downloads[event.model_id] ?? EMPTY;
      const bytes = Math.max(prev.bytesDownloaded, event.bytes_downloaded);
      const grew = bytes > prev.bytesDownloaded || (prev.lastGrowthAt === null && bytes > 0);
      const sample: DownloadSample = {
        progress: Math.max(prev.progress, clampPercent(event.progress)),
        bytesDownloaded: bytes,
        totalBytes: Math.max(event.total_bytes, bytes),
        speedMbps: Math.max(0, event.speed_mbps),
        etaSeconds: event.eta_seconds ?? null,
        filesDone: Math.max(prev.filesDone, event.files_done),
        filesTotal: event.files_total,
        lastGrowthAt: grew ? now : prev.lastGrowthAt,
      };
      return { downloads: { ...state.downloads, [event.model_id]: sample } };
    }),
  seedDownload: (modelId, progress, now = Date.now()) =>
    set((state) => {
      if (progress === null) return state;
      const prev = state.downloads[modelId] ?? EMPTY;
      const value = clampPercent(progress);
      if (value <= prev.progress) return state;
      const sample: DownloadSample = { ...prev, progress: value, lastGrowthAt: now };
      return { downloads: { ...state.downloads, [modelId]: sample } };
    }),
  clearDownload: (modelId) => set((state) => ({ downloads: without(state.downloads, modelId) })),
  recordLoad: (modelId, stage, progress) =>
    set((state) => ({ loads: { ...state.loads, [modelId]: { stage, progress: clampPercent(progress) } } })),
  clearLoad: (modelId) => set((state) => ({ loads: without(state.loads, modelId) })),
  reset: () => set({ downloads: {}, loads: {} }),
}));

/** Whether bytes have stopped arriving: some came, then none for STALL_AFTER_MS. */
export function isStalled(sample: DownloadSample | undefined, now: number): boolean {
  if (!sample || sample.lastGrowthAt === null) return false;
  if (sample.progress >= 100) return false;
  return now - sample.lastGrowthAt >= STALL_AFTER_MS;
}
