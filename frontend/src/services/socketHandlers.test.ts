import { QueryClient } from '@tanstack/react-query';
import { toast } from 'sonner';
import { queryKeys } from '@/hooks/queryKeys';
import { useProgressStore } from '@/stores/progressStore';
import { makeGpu, makeModel, makeProgress } from '@/test/fixtures';
import type { Model } from '@/types';
import { createSocketHandlers } from './socketHandlers';

vi.mock('sonner', () => ({ toast: { error: vi.fn(), success: vi.fn() } }));

function setup(models: Model[]) {
  const client = new QueryClient();
  client.setQueryData(queryKeys.models, models);
  const invalidate = vi.spyOn(client, 'invalidateQueries');
  return { client, invalidate, handlers: createSocketHandlers(client), list: () => client.getQueryData<Model[]>(queryKeys.models) };
}

const error = (code: 'DOWNLOAD_FAILED' | 'INSUFFICIENT_MEMORY' | 'MODEL_LOAD_FAILED', message = 'it failed') => ({
  code,
  message,
  details: {},
});

describe('socket handlers', () => {
  it('model:download:progress updates a known model in place and keeps the sample', () => {
    // Arrange
    const { handlers, list, invalidate } = setup([makeModel({ id: 7, status: 'downloading', download_progress: 10 })]);

    // Act
    handlers['model:download:progress'](makeProgress({ model_id: 7, progress: 41.9 }));

    // Assert
    expect(list()?.[0]?.download_progress).toBe(41.9);
    expect(useProgressStore.getState().downloads[7]?.progress).toBe(41.9);
    expect(invalidate).not.toHaveBeenCalled();
  });

  it('model:download:progress for an unknown model refetches the list', () => {
    const { handlers, invalidate } = setup([]);
    handlers['model:download:progress'](makeProgress({ model_id: 99 }));
    expect(invalidate).toHaveBeenCalledWith({ queryKey: queryKeys.models });
  });

  it('model:download:progress never moves the cached percent back', () => {
    const { handlers, list } = setup([makeModel({ id: 7, status: 'downloading' })]);
    handlers['model:download:progress'](makeProgress({ model_id: 7, progress: 60, bytes_downloaded: 600 }));
    handlers['model:download:progress'](makeProgress({ model_id: 7, progress: 55, bytes_downloaded: 550 }));
    expect(list()?.[0]?.download_progress).toBe(60);
  });

  it('model:download:complete replaces the record and forgets the sample', () => {
    const { handlers, list } = setup([makeModel({ id: 7, status: 'downloading' })]);
    handlers['model:download:progress'](makeProgress({ model_id: 7 }));
    handlers['model:download:complete']({ model_id: 7, model: makeModel({ id: 7, status: 'ready' }) });
    expect(list()?.[0]?.status).toBe('ready');
    expect(useProgressStore.getState().downloads[7]).toBeUndefined();
  });

  it('model:download:error marks the record failed at the download stage', () => {
    const { handlers, list } = setup([makeModel({ id: 7, status: 'downloading', download_progress: 20 })]);
    handlers['model:download:error']({ model_id: 7, error: error('DOWNLOAD_FAILED', 'hub down') });
    expect(list()?.[0]).toMatchObject({ status: 'error', error_stage: 'download', error_message: 'hub down', download_progress: null });
  });

  it('model:download:cancelled removes the record from the list', () => {
    const { handlers, list, invalidate } = setup([makeModel({ id: 7, status: 'downloading' }), makeModel({ id: 8 })]);
    handlers['model:download:cancelled']({ model_id: 7 });
    expect(list()?.map((m) => m.id)).toEqual([8]);
    expect(invalidate).not.toHaveBeenCalled();
  });

  it('model:load:progress shows the stage and marks the record loading', () => {
    const { handlers, list } = setup([makeModel({ id: 7, status: 'ready' })]);
    handlers['model:load:progress']({ model_id: 7, stage: 'quantizing', progress: 55 });
    expect(list()?.[0]?.status).toBe('loading');
    expect(useProgressStore.getState().loads[7]).toEqual({ stage: 'quantizing', progress: 55 });
  });

  it('model:load:complete marks it loaded with its measured memory, and the previous one ready', () => {
    // Arrange
    const { handlers, list } = setup([
      makeModel({ id: 6, status: 'loaded', memory_used_mb: 900 }),
      makeModel({ id: 7, status: 'loading' }),
    ]);

    // Act
    handlers['model:load:complete']({ model_id: 7, memory_used_mb: 1712, model: makeModel({ id: 7, status: 'loaded' }) });

    // Assert
    expect(list()?.map((m) => [m.id, m.status, m.memory_used_mb])).toEqual([
      [6, 'ready', null],
      [7, 'loaded', 1712],
    ]);
  });

  it('model:load:error leaves a memory refusal ready and a bad-files failure in error', () => {
    const { handlers, list } = setup([makeModel({ id: 7, status: 'loading' }), makeModel({ id: 8, status: 'loading' })]);
    handlers['model:load:error']({ model_id: 7, error: error('INSUFFICIENT_MEMORY', 'too big') });
    handlers['model:load:error']({ model_id: 8, error: error('MODEL_LOAD_FAILED', 'bad shapes') });
    expect(list()?.map((m) => [m.status, m.error_stage, m.error_message])).toEqual([
      ['ready', 'load', 'too big'],
      ['error', 'load', 'bad shapes'],
    ]);
  });

  it('model:unload:complete makes the record ready again', () => {
    const { handlers, list } = setup([makeModel({ id: 7, status: 'loaded', memory_used_mb: 1712 })]);
    handlers['model:unload:complete']({ model_id: 7 });
    expect(list()?.[0]).toMatchObject({ status: 'ready', memory_used_mb: null });
  });

  it('system:gpu replaces the GPU view', () => {
    const { client, handlers } = setup([]);
    const gpu = makeGpu({ loaded_model_id: 7 });
    handlers['system:gpu'](gpu);
    expect(client.getQueryData(queryKeys.gpu)).toEqual(gpu);
  });

  it('toasts a failed load in one short line with its code, leaving the long message to the card', () => {
    // Arrange
    const longMessage = `cannot read /var/lib/millm/models/${'very-long-folder/'.repeat(12)}model.safetensors:\n${'detail\n'.repeat(5)}`;
    const { handlers, list } = setup([makeModel({ id: 7, name: 'tiny-full', status: 'loading' })]);

    // Act
    handlers['model:load:error']({ model_id: 7, error: error('MODEL_LOAD_FAILED', longMessage) });

    // Assert
    expect(toast.error).toHaveBeenLastCalledWith('Load of tiny-full failed (MODEL_LOAD_FAILED)');
    expect(list()?.[0]?.error_message).toBe(longMessage);
  });

  it('toasts a failed download in one short line with its code', () => {
    const { handlers } = setup([makeModel({ id: 7, name: 'tiny', status: 'downloading' })]);
    handlers['model:download:error']({ model_id: 7, error: error('DOWNLOAD_FAILED', 'a\nb\nc\nd\ne\nf') });
    expect(toast.error).toHaveBeenLastCalledWith('Download of tiny failed (DOWNLOAD_FAILED)');
  });

  it('a load error fetches the record again, since the event carries no updated_at', () => {
    const { handlers, invalidate } = setup([makeModel({ id: 7, status: 'loading' })]);
    handlers['model:load:error']({ model_id: 7, error: error('MODEL_LOAD_FAILED') });
    expect(invalidate).toHaveBeenCalledWith({ queryKey: queryKeys.models });
  });

  it('model:load:complete with a record older than the cached one keeps the cached record', () => {
    // Arrange
    const { handlers, list } = setup([makeModel({ id: 7, status: 'error', updated_at: '2026-11-29T10:00:09Z' })]);

    // Act
    handlers['model:load:complete']({
      model_id: 7,
      memory_used_mb: 10,
      model: makeModel({ id: 7, status: 'loaded', updated_at: '2026-11-29T10:00:01Z' }),
    });

    // Assert
    expect(list()?.[0]?.status).toBe('error');
  });
});
