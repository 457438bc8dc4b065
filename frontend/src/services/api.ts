// The thin client over the generated OpenAPI types. Every /api answer is the envelope
// `{success, data, error}`; `unwrap` hands back `data` or throws an ApiError built from `error`.
import createClient, { type Middleware } from 'openapi-fetch';
import { currentApiKey, useApiKeyStore } from '@/stores/apiKeyStore';
import type { ErrorCode, paths } from '@/types';

/** A client-side code for a request that got no answer at all. */
export type ClientErrorCode = ErrorCode | 'NETWORK_ERROR';

export class ApiError extends Error {
  readonly status: number;
  readonly code: ClientErrorCode;
  readonly details: Record<string, unknown>;

  constructor(status: number, code: ClientErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

/** Sends the bearer key when one is known, and opens the key dialog on a 401 UNAUTHORIZED. */
export const authMiddleware: Middleware = {
  onRequest({ request }) {
    const key = currentApiKey();
    if (key && !request.headers.has('Authorization')) request.headers.set('Authorization', `Bearer ${key}`);
    return request;
  },
  async onResponse({ response }) {
    if (response.status !== 401) return response;
    const body: unknown = await response
      .clone()
      .json()
      .catch(() => null);
    // GATED_MODEL_NO_TOKEN and INVALID_HF_TOKEN are 401s about the hub token, not the API key.
    if (errorBodyOf(body)?.code === 'UNAUTHORIZED') useApiKeyStore.getState().requestKey();
    return response;
  },
};

function resolveBaseUrl(): string {
  // Same origin in the browser; jsdom tests need an absolute URL for fetch.
  return typeof window !== 'undefined' && window.location.origin !== 'null' ? window.location.origin : '';
}

// `fetch` is looked up per request, so test doubles installed later are used.
export const client = createClient<paths>({ baseUrl: resolveBaseUrl(), fetch: (request) => globalThis.fetch(request) });
client.use(authMiddleware);

interface ErrorLike {
  code: ClientErrorCode;
  message: string;
  details?: unknown;
}

function errorBodyOf(envelope: unknown): ErrorLike | null {
  if (!envelope || typeof envelope !== 'object') return null;
  const error = (envelope as { error?: unknown }).error;
  if (!error || typeof error !== 'object') return null;
  const { code, message } = error as Partial<ErrorLike>;
  if (typeof code !== 'string' || typeof message !== 'string') return null;
  return error as ErrorLike;
}

interface FetchResult {
  data?: unknown;
  error?: unknown;
  response: Response;
}

/** The envelope's `data` type of a successful answer (`null` for routes that answer no data). */
export type EnvelopeData<R> = R extends { data: { data: infer T } } ? T : R extends { data: object } ? null : never;

/** Returns the envelope's `data`, or throws an ApiError with the envelope's code and message. */
export function unwrap<R extends FetchResult>(result: R): EnvelopeData<R> {
  const { data, error, response } = result;
  if (response.ok && data && typeof data === 'object') {
    return ((data as { data?: unknown }).data ?? null) as EnvelopeData<R>;
  }
  const body = errorBodyOf(error ?? data);
  if (body) {
    const details = body.details && typeof body.details === 'object' ? (body.details as Record<string, unknown>) : {};
    throw new ApiError(response.status, body.code, body.message, details);
  }
  throw new ApiError(response.status, 'INTERNAL_ERROR', `The gateway answered ${response.status} without an error body`);
}

/** Runs one request; a request that gets no answer becomes NETWORK_ERROR. */
export async function call<R extends FetchResult>(request: () => Promise<R>): Promise<EnvelopeData<R>> {
  let result: R;
  try {
    result = await request();
  } catch (e) {
    if (e instanceof ApiError) throw e;
    throw new ApiError(0, 'NETWORK_ERROR', 'The gateway cannot be reached');
  }
  return unwrap(result);
}

/** The text a toast or an inline message shows: the API's message, with its code. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) return `${error.message} (${error.code})`;
  if (error instanceof Error) return error.message;
  return String(error);
}
