// Display labels shared by the form, the preview and the cards.
import type { BadgeTone } from '@/components/common';
import type { LoadStage, ModelStatus, Quantization } from '@/types';

/** The seed's quantization labels. */
export const QUANTIZATION_OPTIONS: readonly { value: Quantization; label: string }[] = [
  { value: 'Q4', label: 'Q4 (4-bit, smallest, recommended)' },
  { value: 'Q8', label: 'Q8 (8-bit, balanced)' },
  { value: 'FP16', label: 'FP16 (full precision, largest)' },
];

export const STATUS_LABELS: Record<ModelStatus, string> = {
  downloading: 'Downloading',
  ready: 'Ready',
  loading: 'Loading',
  loaded: 'Loaded',
  error: 'Error',
};

export const STATUS_TONES: Record<ModelStatus, BadgeTone> = {
  downloading: 'blue',
  ready: 'neutral',
  loading: 'amber',
  loaded: 'green',
  error: 'red',
};

export const LOAD_STAGE_LABELS: Record<LoadStage, string> = {
  reading: 'reading the weights',
  quantizing: 'quantizing',
  verifying: 'verifying',
};
