// Form validation. The repo-id pattern and its message are the seed's (§11).

export const REPO_ID_PATTERN = /^[\w-]+\/[\w.-]+$/;
export const REPO_ID_REQUIRED = 'Repository ID is required';
export const REPO_ID_INVALID = 'Invalid format. Use owner/repo-name (e.g., google/gemma-2-2b)';

export function isValidRepoId(repoId: string): boolean {
  return REPO_ID_PATTERN.test(repoId);
}

export function getRepoIdError(repoId: string): string | null {
  if (!repoId) return REPO_ID_REQUIRED;
  if (!isValidRepoId(repoId)) return REPO_ID_INVALID;
  return null;
}

export interface NormalizedRepo {
  /** What the field should hold: `org/name` for a hub URL, else the input trimmed. */
  value: string;
  /** Set when the input names something the API does not download (another branch). */
  error: string | null;
}

const HUB_URL = /^(?:https?:\/\/)?(?:www\.)?(?:huggingface\.co|hf\.co)\/(.*)$/i;
const REVISION_SEGMENTS = new Set(['tree', 'blob', 'resolve']);

/**
 * Turns a pasted hub URL into `org/name`. `…/tree/main` is accepted; a URL naming another
 * branch or revision is refused, since the API downloads `main`.
 */
export function normalizeRepoInput(raw: string): NormalizedRepo {
  const input = raw.trim();
  const match = HUB_URL.exec(input);
  if (!match) return { value: input, error: null };
  const path = (match[1] ?? '').split(/[?#]/)[0] ?? '';
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const [org, name, kind, revision] = parts;
  if (!org || !name) return { value: input, error: null };
  const repoId = `${org}/${name}`;
  if (kind && REVISION_SEGMENTS.has(kind) && revision && revision !== 'main') {
    return {
      value: repoId,
      error: `This URL names the revision "${revision}"; miLLM downloads only the main branch. Remove it to download main.`,
    };
  }
  return { value: repoId, error: null };
}

/** Absolute path: `/…` (or a Windows drive, as the seed allows). */
export function isValidLocalPath(path: string): boolean {
  return path.startsWith('/') || /^[A-Z]:\\/.test(path);
}

export function getLocalPathError(path: string): string | null {
  if (!path) return 'Folder path is required';
  if (!isValidLocalPath(path)) return 'Use an absolute path, starting with /';
  return null;
}
