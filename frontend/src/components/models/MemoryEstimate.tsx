import { formatMiB } from '@/utils/format';

export interface MemoryEstimateProps {
  estimatedMb: number | null;
  /** The measured footprint while loaded. */
  usedMb?: number | null;
}

/** Memory figures, always saying which one is an estimate and which one was measured. */
export function MemoryEstimate({ estimatedMb, usedMb = null }: MemoryEstimateProps) {
  return (
    <span>
      <span>
        Memory: {estimatedMb === null ? 'unknown' : `~${formatMiB(estimatedMb)}`}{' '}
        <span className="text-neutral-600 dark:text-neutral-400">(estimate)</span>
      </span>
      {usedMb !== null && (
        <span>
          {' · '}
          {formatMiB(usedMb)} <span className="text-neutral-600 dark:text-neutral-400">(measured)</span>
        </span>
      )}
    </span>
  );
}
