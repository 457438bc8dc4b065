import { useState } from 'react';
import { Select } from '@/components/common';
import type { Model } from '@/types';
import { sortModels, type SortKey } from '@/utils/models';
import { ListFooter } from './ListFooter';
import { ModelCard } from './ModelCard';
import type { ModelActionHandlers } from './ModelActions';

const SORT_OPTIONS: readonly { value: SortKey; label: string }[] = [
  { value: 'name', label: 'Name' },
  { value: 'size', label: 'Size on disk' },
  { value: 'status', label: 'Status' },
];

/** One column until two cards of at least 28rem fit side by side, then two (the page caps the width). */
const MODEL_GRID = 'grid gap-3 grid-cols-[repeat(auto-fill,minmax(min(100%,28rem),1fr))]';

export interface ModelListProps extends ModelActionHandlers {
  models: readonly Model[];
  /** Ids with a request in flight. */
  busyIds?: ReadonlySet<number>;
}

/** The cards, sortable by name, size or status, and the disk-use footer. */
export function ModelList({ models, busyIds, ...handlers }: ModelListProps) {
  const [sortKey, setSortKey] = useState<SortKey>('name');
  const sorted = sortModels(models, sortKey);
  return (
    <section aria-labelledby="models-heading" className="space-y-3">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <h2 id="models-heading" className="text-lg font-semibold">
          Models
        </h2>
        <Select
          label="Sort by"
          className="w-44"
          value={sortKey}
          options={SORT_OPTIONS}
          onChange={(v) => setSortKey(v as SortKey)}
        />
      </div>
      {sorted.length === 0 ? (
        <p className="rounded-lg border border-dashed border-neutral-400 p-6 text-center text-sm text-neutral-700 dark:border-neutral-600 dark:text-neutral-300">
          No models yet. Paste a Hugging Face repository above, or register a local folder.
        </p>
      ) : (
        <ul data-layout="model-grid" className={MODEL_GRID}>
          {sorted.map((model) => (
            <li key={model.id} className="min-w-0">
              <ModelCard model={model} busy={busyIds?.has(model.id) ?? false} {...handlers} />
            </li>
          ))}
        </ul>
      )}
      <ListFooter models={models} />
    </section>
  );
}
