import { FolderPlus } from 'lucide-react';
import { useRef, useState, type FormEvent } from 'react';
import { toast } from 'sonner';
import { Button, Input, Select } from '@/components/common';
import { useCreateModel } from '@/hooks/useCreateModel';
import { describeError } from '@/services/api';
import type { Quantization } from '@/types';
import { getLocalPathError } from '@/utils/validation';
import { QUANTIZATION_OPTIONS } from './labels';

/** Registers a model folder on the server's disk; the API's refusal is shown next to the field. */
export function LocalFolderForm() {
  const [path, setPath] = useState('');
  const [quantization, setQuantization] = useState<Quantization>('Q4');
  const [customName, setCustomName] = useState('');
  const [localError, setLocalError] = useState<string | null>(null);
  const pathRef = useRef<HTMLInputElement>(null);
  const create = useCreateModel();
  const fieldError = localError ?? (create.error ? describeError(create.error) : null);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const trimmed = path.trim();
    const error = getLocalPathError(trimmed);
    setLocalError(error);
    if (error) {
      pathRef.current?.focus();
      return;
    }
    create.mutate(
      { source: 'local', local_path: trimmed, quantization, custom_name: customName.trim() || null },
      {
        onSuccess: (model) => {
          toast.success(`${model.name} registered from ${trimmed}`);
          setPath('');
          setCustomName('');
        },
        onError: () => pathRef.current?.focus(),
      },
    );
  };

  return (
    <form onSubmit={submit} noValidate className="space-y-4" aria-label="Register a local folder">
      <Input
        ref={pathRef}
        label="Model folder (absolute path on the server)"
        data-testid="local-path-input"
        placeholder="/data/my-models/llama"
        autoComplete="off"
        spellCheck={false}
        value={path}
        onChange={(e) => {
          setPath(e.target.value);
          setLocalError(null);
          create.reset();
        }}
        error={fieldError}
        hint="The folder needs config.json and *.safetensors. miLLM never modifies or deletes it."
      />
      <div className="grid gap-4 sm:grid-cols-2">
        <Select
          label="Quantization at load"
          value={quantization}
          options={QUANTIZATION_OPTIONS}
          onChange={(v) => setQuantization(v as Quantization)}
        />
        <Input label="Custom name (optional)" autoComplete="off" value={customName} onChange={(e) => setCustomName(e.target.value)} />
      </div>
      <Button type="submit" variant="primary" data-testid="register-btn" disabled={create.isPending}>
        <FolderPlus aria-hidden="true" className="size-4" /> {create.isPending ? 'Registering…' : 'Register folder'}
      </Button>
    </form>
  );
}
