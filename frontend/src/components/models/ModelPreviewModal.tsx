import { AlertTriangle, Download } from 'lucide-react';
import { useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { Button, Input, Modal } from '@/components/common';
import { ApiError, describeError } from '@/services/api';
import type { Preview, Quantization } from '@/types';
import { PreviewSizes } from './PreviewSizes';

export interface DownloadChoice {
  quantization: Quantization;
  token: string;
}

export interface ModelPreviewModalProps {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  repoId: string;
  preview: Preview;
  initialQuantization: Quantization;
  initialToken: string;
  onDownload: (choice: DownloadChoice) => void;
  pending: boolean;
  error: unknown;
}

const TOKEN_CODES = new Set(['GATED_MODEL_NO_TOKEN', 'INVALID_HF_TOKEN']);

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <dt className="text-xs text-neutral-600 dark:text-neutral-400">{label}</dt>
      <dd className="font-medium wrap-anywhere">{children}</dd>
    </div>
  );
}

/** What a repo is and what it costs, before any byte is fetched; the download starts here. */
export function ModelPreviewModal(props: ModelPreviewModalProps) {
  const { open, onOpenChange, repoId, preview, initialQuantization, initialToken, onDownload, pending, error } = props;
  const [quantization, setQuantization] = useState<Quantization>(initialQuantization);
  const [token, setToken] = useState(initialToken);
  const tokenRef = useRef<HTMLInputElement>(null);
  const tokenError = error instanceof ApiError && TOKEN_CODES.has(error.code);
  const askToken = preview.is_gated || tokenError;

  useEffect(() => {
    if (tokenError) tokenRef.current?.focus();
  }, [tokenError, error]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    onDownload({ quantization, token: token.trim() });
  };

  return (
    <Modal open={open} onOpenChange={onOpenChange} title={`Preview: ${repoId}`} wide>
      <form onSubmit={submit}>
        <dl className="grid grid-cols-2 gap-3 text-sm sm:grid-cols-3">
          <Fact label="Name">{preview.name}</Fact>
          <Fact label="Parameters">{preview.params}</Fact>
          <Fact label="Architecture">{preview.architecture ?? 'unknown'}</Fact>
          <Fact label="Gated">{preview.is_gated ? 'Yes: needs an access token' : 'No'}</Fact>
          <Fact label="Needs remote code">{preview.requires_trust_remote_code ? 'Yes' : 'No'}</Fact>
          <Fact label="Revision">{preview.revision.slice(0, 12)}</Fact>
        </dl>
        {preview.loadable === false && (
          <p role="alert" className="mt-3 flex gap-2 rounded-md border border-red-300 bg-red-50 p-2 text-sm text-red-900 dark:border-red-800 dark:bg-red-950 dark:text-red-200">
            <AlertTriangle aria-hidden="true" className="size-4 shrink-0" />
            <span>
              miLLM cannot load this model: {preview.unsupported_reason ?? 'unsupported'}
            </span>
          </p>
        )}
        {preview.loadable === null && (
          <p className="mt-3 text-sm text-neutral-700 dark:text-neutral-300">
            The config could not be read without a token, so whether miLLM can run it is checked when the download starts.
          </p>
        )}
        <PreviewSizes preview={preview} selected={quantization} onSelect={setQuantization} />
        {askToken && (
          <Input
            ref={tokenRef}
            className="mt-4"
            label="Access token (this repo is gated)"
            type="password"
            autoComplete="off"
            data-testid="token-input"
            placeholder="hf_…"
            value={token}
            onChange={(e) => setToken(e.target.value)}
            hint="Sent with this download only; the browser does not keep it."
          />
        )}
        {error != null && (
          <p role="alert" className="mt-3 text-sm text-red-700 dark:text-red-400">
            {describeError(error)}
          </p>
        )}
        <div className="mt-5 flex justify-end gap-2">
          <Button onClick={() => onOpenChange(false)}>Close</Button>
          <Button type="submit" variant="primary" data-testid="download-btn" disabled={pending || preview.loadable === false}>
            <Download aria-hidden="true" className="size-4" />
            {pending ? 'Starting…' : `Download ${quantization}`}
          </Button>
        </div>
      </form>
    </Modal>
  );
}
