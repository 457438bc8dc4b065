// The gateway's API key (MILLM_API_KEY), kept for the browser session only, and the dialog
// that asks for it on the first 401.
import { create } from 'zustand';

const STORAGE_KEY = 'millm.apiKey';

function readStored(): string | null {
  try {
    return sessionStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

interface ApiKeyState {
  key: string | null;
  dialogOpen: boolean;
  /** Why the dialog is open again: the API's message for a refused key. */
  refusal: string | null;
  setKey: (key: string) => void;
  requestKey: (refusal?: string | null) => void;
  closeDialog: () => void;
  reset: () => void;
}

export const useApiKeyStore = create<ApiKeyState>()((set) => ({
  key: readStored(),
  dialogOpen: false,
  refusal: null,
  setKey: (key) => {
    try {
      sessionStorage.setItem(STORAGE_KEY, key);
    } catch {
      // Storage refused (private mode): the key still lives in memory for this page.
    }
    set({ key, dialogOpen: false, refusal: null });
  },
  requestKey: (refusal = null) => set((s) => ({ dialogOpen: true, refusal: refusal ?? s.refusal })),
  closeDialog: () => set({ dialogOpen: false, refusal: null }),
  reset: () => {
    try {
      sessionStorage.removeItem(STORAGE_KEY);
    } catch {
      // nothing stored
    }
    set({ key: null, dialogOpen: false, refusal: null });
  },
}));

export function currentApiKey(): string | null {
  return useApiKeyStore.getState().key;
}
