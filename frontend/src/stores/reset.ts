// Puts every store back to its first state; tests call it after each case.
import { useApiKeyStore } from './apiKeyStore';
import { useConnectionStore } from './connectionStore';
import { useDialogStore } from './dialogStore';
import { useProgressStore } from './progressStore';

export function resetAllStores(): void {
  useApiKeyStore.getState().reset();
  useConnectionStore.getState().reset();
  useDialogStore.getState().reset();
  useProgressStore.getState().reset();
}
