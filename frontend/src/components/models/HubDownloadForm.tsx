import { Download, Info, Search } from 'lucide-react';
import { useRef, useState, type FormEvent } from 'react';
import { toast } from 'sonner';
import { Button, Input, Select, Tooltip } from '@/components/common';
import { useCreateModel } from '@/hooks/useCreateModel';
import { usePreview } from '@/hooks/usePreview';
import { describeError } from '@/services/api';
import type { Preview, Quantization } from '@/types';
import { getRepoIdError, normalizeRepoInput } from '@/utils/validation';
import { QUANTIZATION_OPTIONS } from './labels';
import { ModelPreviewModal, type DownloadChoice } from './ModelPreviewModal';

const REMOTE_CODE_WHY =
  'miLLM runs no Python, so a repo that needs remote code cannot run here: such repos are refused at preview.';

/** Download from the hub: repo id (a pasted URL becomes org/name), quantization, token, name. */
export function HubDownloadForm() {
  const [repo, setRepo] = useState('');
  const [urlError, setUrlError] = useState<string | null>(null);
  const [showErrors, setShowErrors] = useState(false);
  const [quantization, setQuantization] = useState<Quantization>('Q4');
  const [token, setToken] = useState('');
  const [customName, setCustomName] = useState('');
  const [shown, setShown] = useState<{ repoId: string; preview: Preview } | null>(null);
  const repoRef = useRef<HTMLInputElement>(null);
  const preview = usePreview();
  const create = useCreateModel();

  const fieldError = urlError ?? getRepoIdError(repo);
  const requestError = preview.error ?? (shown ? null : create.error);

  const onRepoChange = (raw: string) => {
    const normalized = normalizeRepoInput(raw);
    setRepo(normalized.error ? raw : normalized.value);
    setUrlError(normalized.error);
    preview.reset();
    create.reset();
  };

  const valid = (): boolean => {
    setShowErrors(true);
    if (fieldError) {
      repoRef.current?.focus();
      return false;
    }
    return true;
  };

  const openPreview = (e: FormEvent) => {
    e.preventDefault();
    if (!valid()) return;
    create.reset();
    preview.mutate(
      { repo_id: repo, hf_token: token.trim() || null },
      { onSuccess: (data) => setShown({ repoId: repo, preview: data }), onError: (err) => toast.error(describeError(err)) },
    );
  };

  const download = (choice: DownloadChoice, fromDialog: boolean) => {
    create.mutate(
      {
        source: 'huggingface',
        repo_id: repo,
        quantization: choice.quantization,
        hf_token: choice.token || null,
        trust_remote_code: false,
        custom_name: customName.trim() || null,
      },
      {
        onSuccess: (model) => {
          toast.success(`Download of ${model.name} (${model.quantization}) started`);
          setShown(null);
          setRepo('');
          setToken('');
          setCustomName('');
          setShowErrors(false);
        },
        onError: (err) => {
          if (!fromDialog) toast.error(describeError(err));
        },
      },
    );
  };

  const downloadFromForm = () => {
    if (!valid()) return;
    preview.reset();
    download({ quantization, token: token.trim() }, false);
  };

  return (
    <>
    <form onSubmit={openPreview} noValidate className="space-y-4" aria-label="Download from Hugging Face">
      <Input
        ref={repoRef}
        label="Hugging Face repository"
        data-testid="repo-input"
        placeholder="e.g., google/gemma-2-2b or a huggingface.co URL"
        autoComplete="off"
        spellCheck={false}
        value={repo}
        onChange={(e) => onRepoChange(e.target.value)}
        error={showErrors || urlError ? fieldError : null}
        hint="Press Enter to preview sizes and memory before downloading. miLLM downloads the main branch."
      />
      <div className="grid gap-4 sm:grid-cols-2">
        <Select
          label="Quantization"
          data-testid="quantization-select"
          value={quantization}
          options={QUANTIZATION_OPTIONS}
          onChange={(v) => setQuantization(v as Quantization)}
        />
        <Input
          label="Access token (for gated models)"
          type="password"
          autoComplete="off"
          data-testid="token-input"
          placeholder="hf_…"
          value={token}
          onChange={(e) => setToken(e.target.value)}
        />
        <Input
          label="Custom name (optional)"
          autoComplete="off"
          value={customName}
          onChange={(e) => setCustomName(e.target.value)}
        />
        <div className="flex items-center gap-2 self-end pb-2">
          <input id="trust-remote-code" type="checkbox" disabled checked={false} readOnly aria-describedby="trust-remote-code-why" className="size-4" />
          <label htmlFor="trust-remote-code" className="text-sm text-neutral-700 dark:text-neutral-300">
            Trust remote code
          </label>
          <span id="trust-remote-code-why" className="sr-only">
            {REMOTE_CODE_WHY}
          </span>
          <Tooltip content={REMOTE_CODE_WHY}>
            <button
              type="button"
              aria-label="Why is trust remote code disabled?"
              className="rounded-full p-0.5 text-neutral-700 focus-visible:outline-2 focus-visible:outline-blue-600 dark:text-neutral-300"
            >
              <Info aria-hidden="true" className="size-4" />
            </button>
          </Tooltip>
        </div>
      </div>
      {requestError != null && (
        <p role="alert" className="text-sm text-red-700 dark:text-red-400">
          {describeError(requestError)}
        </p>
      )}
      <div className="flex flex-wrap gap-2">
        <Button type="submit" variant="primary" data-testid="preview-btn" disabled={preview.isPending}>
          <Search aria-hidden="true" className="size-4" /> {preview.isPending ? 'Previewing…' : 'Preview'}
        </Button>
        <Button data-testid="download-btn" disabled={create.isPending && !shown} onClick={downloadFromForm}>
          <Download aria-hidden="true" className="size-4" /> Download {quantization}
        </Button>
      </div>
    </form>
      {shown && (
        <ModelPreviewModal
          open
          onOpenChange={(open) => {
            if (!open) {
              setShown(null);
              create.reset();
            }
          }}
          repoId={shown.repoId}
          preview={shown.preview}
          initialQuantization={quantization}
          initialToken={token}
          onDownload={(choice) => download(choice, true)}
          pending={create.isPending}
          error={create.error}
        />
      )}
    </>
  );
}
