import { floorTenth } from '@/utils/format';

export interface ProgressBarProps {
  /** Percent, 0 to 100; clamped and floored to one decimal. */
  value: number;
  label: string;
  /** What a screen reader hears instead of the bare number. */
  valueText?: string;
  tone?: 'blue' | 'amber';
  'data-testid'?: string;
}

export function ProgressBar({ value, label, valueText, tone = 'blue', ...rest }: ProgressBarProps) {
  const now = floorTenth(value);
  const fill = tone === 'amber' ? 'bg-amber-600' : 'bg-blue-700 dark:bg-blue-500';
  return (
    <div
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={now}
      aria-valuetext={valueText}
      data-testid={rest['data-testid']}
      className="h-2.5 w-full overflow-hidden rounded-full bg-neutral-200 dark:bg-neutral-700"
    >
      <div className={`h-full rounded-full transition-[width] duration-300 ${fill}`} style={{ width: `${now}%` }} />
    </div>
  );
}
