import { http, HttpResponse } from 'msw';
import { useApiKeyStore } from '@/stores/apiKeyStore';
import { makeModel } from '@/test/fixtures';
import { fail, ok, server, url } from '@/test/server';
import { ApiError, call, client, describeError } from './api';

describe('the API client', () => {
  it('unwraps the envelope data', async () => {
    const models = [makeModel({ id: 1 })];
    server.use(http.get(url('/api/models'), () => ok(models)));
    await expect(call(() => client.GET('/api/models'))).resolves.toEqual(models);
  });

  it('throws an ApiError with the status, code, message and details of the error envelope', async () => {
    // Arrange
    server.use(
      http.post(url('/api/models/{id}/load'.replace('{id}', '3')), () =>
        fail(507, 'INSUFFICIENT_MEMORY', 'Needs 5245 MiB, 4096 MiB available', { required_mb: 5245, available_mb: 4096 }),
      ),
    );

    // Act
    const error = await call(() => client.POST('/api/models/{id}/load', { params: { path: { id: 3 } } })).catch((e: unknown) => e);

    // Assert
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 507, code: 'INSUFFICIENT_MEMORY', details: { required_mb: 5245, available_mb: 4096 } });
    expect(describeError(error)).toBe('Needs 5245 MiB, 4096 MiB available (INSUFFICIENT_MEMORY)');
  });

  it('sends the session key as a bearer header', async () => {
    useApiKeyStore.getState().setKey('secret-key');
    let seen: string | null = null;
    server.use(
      http.get(url('/api/models'), ({ request }) => {
        seen = request.headers.get('authorization');
        return ok([]);
      }),
    );
    await call(() => client.GET('/api/models'));
    expect(seen).toBe('Bearer secret-key');
  });

  it('opens the key dialog on a 401 UNAUTHORIZED', async () => {
    server.use(http.get(url('/api/models'), () => fail(401, 'UNAUTHORIZED', 'API key missing or wrong')));
    await expect(call(() => client.GET('/api/models'))).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    expect(useApiKeyStore.getState().dialogOpen).toBe(true);
  });

  it('does not ask for the API key on a hub-token 401', async () => {
    server.use(http.post(url('/api/models'), () => fail(401, 'GATED_MODEL_NO_TOKEN', 'This repo is gated')));
    const body = { source: 'huggingface' as const, repo_id: 'org/gated', quantization: 'Q4' as const };
    await expect(call(() => client.POST('/api/models', { body }))).rejects.toMatchObject({ code: 'GATED_MODEL_NO_TOKEN' });
    expect(useApiKeyStore.getState().dialogOpen).toBe(false);
  });

  it('reports a request that gets no answer as NETWORK_ERROR', async () => {
    server.use(http.get(url('/api/models'), () => HttpResponse.error()));
    await expect(call(() => client.GET('/api/models'))).rejects.toMatchObject({ code: 'NETWORK_ERROR', status: 0 });
  });

  it('reports a non-enveloped failure with its status', async () => {
    server.use(http.get(url('/api/models'), () => new HttpResponse('bad gateway', { status: 502 })));
    await expect(call(() => client.GET('/api/models'))).rejects.toMatchObject({ status: 502, code: 'INTERNAL_ERROR' });
  });
});
