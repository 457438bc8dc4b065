// Formatting helpers. The API gives sizes in MiB (2^20 bytes) and speeds in MiB/s; every
// figure here is base 1024 and says so (KiB, MiB, GiB, TiB), never kB/MB/GB.

const KIB = 1024;
const UNITS_FROM_MIB = ['MiB', 'GiB', 'TiB', 'PiB'] as const;
const UNITS_FROM_BYTE = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const;

function scale(value: number, units: readonly string[]): string {
  let i = 0;
  let v = value;
  while (v >= KIB && i < units.length - 1) {
    v /= KIB;
    i += 1;
  }
  // The first unit is whole (a MiB count from the API, or bytes); larger ones get one decimal.
  return i === 0 ? `${Math.round(v)} ${units[0]}` : `${v.toFixed(1)} ${units[i]}`;
}

/**
 * A size in MiB, as the API gives it.
 * @example formatMiB(1023) => "1023 MiB"; formatMiB(1024) => "1.0 GiB"
 */
export function formatMiB(mb: number | null | undefined): string {
  if (mb === null || mb === undefined || !Number.isFinite(mb)) return '—';
  return scale(Math.max(0, mb), UNITS_FROM_MIB);
}

/**
 * A size in MiB with the exact MiB count in parentheses, only when the main figure is in another unit.
 * @example formatMiBExact(60) => "60 MiB"; formatMiBExact(1536) => "1.5 GiB (1536 MiB)"
 */
export function formatMiBExact(mb: number | null | undefined): string {
  const main = formatMiB(mb);
  if (mb === null || mb === undefined || !Number.isFinite(mb) || main.endsWith(' MiB')) return main;
  return `${main} (${Math.round(Math.max(0, mb))} MiB)`;
}

/**
 * A byte count (download progress events count bytes).
 * @example formatBytes(1536) => "1.5 KiB"
 */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return '—';
  return scale(Math.max(0, bytes), UNITS_FROM_BYTE);
}

/** Always in GiB, for totals such as the list's footer. */
export function formatGiB(mb: number): string {
  return `${(Math.max(0, mb) / KIB).toFixed(1)} GiB`;
}

/**
 * A speed given in MiB/s; under 1 MiB/s it is shown in KiB/s.
 * @example formatSpeed(0.5) => "512 KiB/s"; formatSpeed(10.25) => "10.3 MiB/s"
 */
export function formatSpeed(mibPerSecond: number): string {
  if (!Number.isFinite(mibPerSecond) || mibPerSecond <= 0) return '0 KiB/s';
  if (mibPerSecond < 1) return `${Math.round(mibPerSecond * KIB)} KiB/s`;
  if (mibPerSecond >= KIB) return `${(mibPerSecond / KIB).toFixed(1)} GiB/s`;
  return `${mibPerSecond.toFixed(1)} MiB/s`;
}

/** Seconds left, shortest readable form. */
export function formatEta(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '—';
  const s = Math.ceil(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** A percent with one decimal, floored so that an unfinished download never reads 100%. */
export function formatPercent(percent: number): string {
  return `${floorTenth(percent).toFixed(1)}%`;
}

/** Floors to one decimal within 0–100: the value a progress bar reports. */
export function floorTenth(percent: number): number {
  if (!Number.isFinite(percent)) return 0;
  const clamped = Math.min(100, Math.max(0, percent));
  return Math.floor(clamped * 10 + 1e-9) / 10;
}

/** A timestamp as a short local date and time. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? '—' : date.toLocaleString();
}
