import { useQueryClient } from '@tanstack/react-query';
import { KeyRound } from 'lucide-react';
import { useState, type FormEvent } from 'react';
import { ApiError, call, client, describeError } from '@/services/api';
import { useApiKeyStore } from '@/stores/apiKeyStore';
import { Button } from './Button';
import { Input } from './Input';
import { Modal } from './Modal';

/** Checks a key against the gateway without keeping it; resolves to the refusal, or null. */
export async function checkApiKey(key: string): Promise<string | null> {
  try {
    await call(() => client.GET('/api/models', { headers: { Authorization: `Bearer ${key}` } }));
    return null;
  } catch (e) {
    if (e instanceof ApiError && e.code === 'UNAUTHORIZED') return `That key is wrong: ${describeError(e)}`;
    throw e;
  }
}

/** Asks for MILLM_API_KEY after the first 401; the key is kept for this browser session only. */
export function ApiKeyDialog() {
  const open = useApiKeyStore((s) => s.dialogOpen);
  const refusal = useApiKeyStore((s) => s.refusal);
  const setKey = useApiKeyStore((s) => s.setKey);
  const closeDialog = useApiKeyStore((s) => s.closeDialog);
  const queryClient = useQueryClient();
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [checking, setChecking] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const key = value.trim();
    if (!key) {
      setError('Enter the API key (MILLM_API_KEY) of this server.');
      return;
    }
    setChecking(true);
    try {
      const refused = await checkApiKey(key);
      if (refused) {
        setError(refused);
        return;
      }
      setKey(key);
      setValue('');
      setError(null);
      // Everything that failed without the key is asked again with it.
      await queryClient.invalidateQueries();
    } catch (err) {
      setError(describeError(err));
    } finally {
      setChecking(false);
    }
  };

  const shown = error ?? refusal;
  return (
    <Modal
      open={open}
      onOpenChange={(next) => !next && closeDialog()}
      title={
        <span className="inline-flex items-center gap-2">
          <KeyRound aria-hidden="true" className="size-5" /> API key needed
        </span>
      }
      description="This server asks for an API key. It is kept for this browser session only and sent with every request."
    >
      <form onSubmit={submit} className="space-y-4">
        <Input
          label="API key"
          type="password"
          autoComplete="off"
          data-testid="api-key-input"
          value={value}
          onChange={(e) => setValue(e.target.value)}
          error={shown}
          autoFocus
        />
        <div className="flex justify-end gap-2">
          <Button onClick={closeDialog}>Not now</Button>
          <Button type="submit" variant="primary" disabled={checking}>
            {checking ? 'Checking…' : 'Use this key'}
          </Button>
        </div>
      </form>
    </Modal>
  );
}
