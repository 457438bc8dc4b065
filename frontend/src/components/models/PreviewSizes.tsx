import type { Preview, Quantization } from '@/types';
import { QUANTIZATIONS } from '@/types';
import { formatMiB, formatMiBExact } from '@/utils/format';
import { FitMark } from './FitMark';
import { QUANTIZATION_OPTIONS } from './labels';

export interface PreviewSizesProps {
  preview: Preview;
  selected: Quantization;
  onSelect: (q: Quantization) => void;
}

const cell = 'px-2 py-1.5 text-left';

/** Disk and memory for each quantization, with whether each fits; memory is labelled an estimate. */
export function PreviewSizes({ preview, selected, onSelect }: PreviewSizesProps) {
  const noWorker = preview.available_memory_mb === null;
  return (
    <fieldset className="mt-4">
      <legend className="mb-1 text-sm font-semibold">Quantization to download</legend>
      <div className="overflow-x-auto">
        <table className="w-full text-sm">
          <thead className="border-b border-neutral-300 text-neutral-700 dark:border-neutral-700 dark:text-neutral-300">
            <tr>
              <th scope="col" className={cell}>
                Quantization
              </th>
              <th scope="col" className={cell}>
                Disk
              </th>
              <th scope="col" className={cell}>
                Fits disk
              </th>
              <th scope="col" className={cell}>
                Memory (estimate)
              </th>
              <th scope="col" className={cell}>
                Fits memory (estimate)
              </th>
            </tr>
          </thead>
          <tbody>
            {QUANTIZATIONS.map((q) => {
              const size = preview.estimated_sizes[q];
              const label = QUANTIZATION_OPTIONS.find((o) => o.value === q)?.label ?? q;
              return (
                <tr key={q} className="border-b border-neutral-200 dark:border-neutral-800">
                  <td className={cell}>
                    <label className="inline-flex items-center gap-2">
                      <input
                        type="radio"
                        name="preview-quantization"
                        value={q}
                        checked={selected === q}
                        onChange={() => onSelect(q)}
                        className="size-4 accent-blue-700"
                      />
                      {label}
                    </label>
                  </td>
                  <td className={cell}>{formatMiB(size.disk_mb)}</td>
                  <td className={cell}>
                    <FitMark fits={size.fits_disk} />
                  </td>
                  <td className={cell}>~{formatMiB(size.memory_mb)} (estimate)</td>
                  <td className={cell}>
                    <FitMark fits={size.fits_memory} unknownLabel="Unknown: no GPU worker live" />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <p className="mt-2 text-xs text-neutral-700 dark:text-neutral-300">
        Free disk in the model cache: {formatMiBExact(preview.available_disk_mb)}.{' '}
        {noWorker
          ? 'No GPU worker live: whether the memory fits is unknown until one starts.'
          : `Memory available for a model: ${formatMiBExact(preview.available_memory_mb)}.`}{' '}
        {preview.estimate_basis === 'parameter_count'
          ? 'Memory estimates come from the parameter count (the tensor shapes could not be read), so they are a lower bound.'
          : 'Memory estimates come from the tensor shapes; the measured figure is shown once loaded.'}
      </p>
    </fieldset>
  );
}
