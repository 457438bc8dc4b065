// Which confirmation or warning dialog is open, and for which model. Dialogs read the model
// from the query cache by id, so what they say is never older than the list.
import { create } from 'zustand';

export interface MemoryShortfall {
  modelId: number;
  requiredMb: number | null;
  availableMb: number | null;
  message: string;
}

interface DialogState {
  confirmDeleteId: number | null;
  confirmCancelId: number | null;
  memory: MemoryShortfall | null;
  askDelete: (modelId: number) => void;
  askCancel: (modelId: number) => void;
  showMemory: (shortfall: MemoryShortfall) => void;
  close: () => void;
  reset: () => void;
}

const closed = { confirmDeleteId: null, confirmCancelId: null, memory: null };

export const useDialogStore = create<DialogState>()((set) => ({
  ...closed,
  askDelete: (modelId) => set({ ...closed, confirmDeleteId: modelId }),
  askCancel: (modelId) => set({ ...closed, confirmCancelId: modelId }),
  showMemory: (memory) => set({ ...closed, memory }),
  close: () => set(closed),
  reset: () => set(closed),
}));
