import { Zap } from 'lucide-react';
import { Button, Modal } from '@/components/common';
import { useDialogStore } from '@/stores/dialogStore';
import type { Model } from '@/types';
import { formatMiBExact } from '@/utils/format';

export interface MemoryDialogProps {
  models: readonly Model[];
  onForceLoad: (id: number) => void;
  pending: boolean;
}

function Figure({ label, mb }: { label: string; mb: number | null }) {
  return (
    <div>
      <dt className="text-xs text-neutral-600 dark:text-neutral-400">{label}</dt>
      <dd className="text-base font-semibold">{mb === null ? 'unknown' : formatMiBExact(mb)}</dd>
    </div>
  );
}

/** A 507 on load: the required and available memory, and "Load anyway" (force). */
export function MemoryDialog({ models, onForceLoad, pending }: MemoryDialogProps) {
  const shortfall = useDialogStore((s) => s.memory);
  const close = useDialogStore((s) => s.close);
  const model = shortfall ? models.find((m) => m.id === shortfall.modelId) : undefined;
  return (
    <Modal
      open={shortfall !== null}
      onOpenChange={(open) => !open && close()}
      title={`Not enough memory for ${model?.name ?? 'this model'}`}
      description={shortfall?.message}
    >
      <dl className="grid grid-cols-2 gap-3">
        <Figure label="Required (estimate)" mb={shortfall?.requiredMb ?? null} />
        <Figure label="Available" mb={shortfall?.availableMb ?? null} />
      </dl>
      <p className="mt-3 text-sm text-neutral-700 dark:text-neutral-300">
        The requirement is an estimate. Loading anyway may work, or fail with an out-of-memory error that leaves the model ready.
      </p>
      <div className="mt-5 flex justify-end gap-2">
        <Button onClick={close}>Don’t load</Button>
        <Button
          variant="primary"
          data-testid="force-load-btn"
          disabled={pending || !shortfall}
          onClick={() => {
            if (!shortfall) return;
            onForceLoad(shortfall.modelId);
            close();
          }}
        >
          <Zap aria-hidden="true" className="size-4" /> Load anyway
        </Button>
      </div>
    </Modal>
  );
}
