import { useApiKeyStore } from './apiKeyStore';
import { useDialogStore } from './dialogStore';

describe('apiKeyStore', () => {
  it('keeps the key in sessionStorage, never localStorage', () => {
    useApiKeyStore.getState().setKey('k-123');
    expect(sessionStorage.getItem('millm.apiKey')).toBe('k-123');
    expect(JSON.stringify({ ...localStorage })).not.toContain('k-123');
  });

  it('opens the dialog when a key is requested, and closes it when one is set', () => {
    useApiKeyStore.getState().requestKey();
    expect(useApiKeyStore.getState().dialogOpen).toBe(true);
    useApiKeyStore.getState().setKey('k');
    expect(useApiKeyStore.getState().dialogOpen).toBe(false);
  });

  it('forgets the key on reset', () => {
    useApiKeyStore.getState().setKey('k');
    useApiKeyStore.getState().reset();
    expect(useApiKeyStore.getState().key).toBeNull();
    expect(sessionStorage.getItem('millm.apiKey')).toBeNull();
  });
});

describe('dialogStore', () => {
  it('opens one dialog at a time', () => {
    useDialogStore.getState().askDelete(3);
    useDialogStore.getState().askCancel(4);
    expect(useDialogStore.getState()).toMatchObject({ confirmDeleteId: null, confirmCancelId: 4 });
    useDialogStore.getState().close();
    expect(useDialogStore.getState().confirmCancelId).toBeNull();
  });
});
