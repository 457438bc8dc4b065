import { Check, HelpCircle, X } from 'lucide-react';

/** Whether one figure fits: yes, no, or unknown (null). Said in words, not only in colour. */
export function FitMark({ fits, unknownLabel = 'Unknown' }: { fits: boolean | null; unknownLabel?: string }) {
  if (fits === null) {
    return (
      <span className="inline-flex items-center gap-1 text-neutral-700 dark:text-neutral-300">
        <HelpCircle aria-hidden="true" className="size-4" /> {unknownLabel}
      </span>
    );
  }
  return fits ? (
    <span className="inline-flex items-center gap-1 text-green-800 dark:text-green-300">
      <Check aria-hidden="true" className="size-4" /> Fits
    </span>
  ) : (
    <span className="inline-flex items-center gap-1 font-semibold text-red-700 dark:text-red-400">
      <X aria-hidden="true" className="size-4" /> Does not fit
    </span>
  );
}
