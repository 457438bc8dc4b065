import { act, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http } from 'msw';
import { App } from '@/App';
import { fakeSocketFactory } from '@/test/fakeSocket';
import { makeGpu, makeHealth, makeModel, makeProgress } from '@/test/fixtures';
import { testQueryClient } from '@/test/render';
import { backgroundHandlers, fail, ok, server, url } from '@/test/server';
import type { Model } from '@/types';

function renderApp() {
  const { factory, sockets } = fakeSocketFactory();
  const user = userEvent.setup();
  render(<App queryClient={testQueryClient()} socketFactory={factory} />);
  return { user, socket: () => sockets[sockets.length - 1]!, sockets };
}

const card = (name: string) => screen.getAllByTestId('model-card').find((c) => within(c).queryByRole('heading', { name }))!;

describe('the Models page', () => {
  it('lists the models, the GPU and the loaded model in the status bar', async () => {
    server.use(...backgroundHandlers([makeModel({ name: 'tiny', status: 'loaded' }), makeModel({ name: 'other' })]));
    renderApp();
    expect(await screen.findAllByTestId('model-card')).toHaveLength(2);
    expect(screen.getByTestId('status-bar-model')).toHaveTextContent('tiny');
    expect(await screen.findByText('0: cpu')).toBeInTheDocument();
  });

  it('fetches the list again after the socket reconnects, so nothing is missed', async () => {
    // Arrange: the download finishes while the socket is away.
    let models: Model[] = [makeModel({ id: 7, name: 'tiny', status: 'downloading', download_progress: 40 })];
    let fetches = 0;
    server.use(
      http.get(url('/api/models'), () => {
        fetches += 1;
        return ok(models);
      }),
      ...backgroundHandlers(),
    );
    const { socket } = renderApp();
    act(() => socket().serverConnect());
    await screen.findByText('Downloading');
    act(() => socket().drop());
    expect(screen.getByText('Live updates: reconnecting…')).toBeInTheDocument();
    models = [makeModel({ id: 7, name: 'tiny', status: 'ready' })];
    const before = fetches;

    // Act
    act(() => socket().serverConnect());

    // Assert
    expect(await within(card('tiny')).findByText('Ready')).toBeInTheDocument();
    expect(fetches).toBeGreaterThan(before);
    expect(screen.getByText('Live updates: connected')).toBeInTheDocument();
  });

  it('moves the bar with progress events and shows the percent in the tab title', async () => {
    server.use(...backgroundHandlers([makeModel({ id: 7, name: 'tiny', status: 'downloading', download_progress: 10 })]));
    const { socket } = renderApp();
    await screen.findByTestId('progress-bar');
    act(() => socket().emitEvent('model:download:progress', makeProgress({ model_id: 7, progress: 42.5 })));
    expect(screen.getByTestId('progress-bar')).toHaveAttribute('aria-valuenow', '42.5');
    await waitFor(() => expect(document.title).toBe('42% · miLLM'));
  });

  it('asks for the API key on the first 401, says a wrong key is wrong, and retries with the right one', async () => {
    // Arrange
    const good = 'the-key';
    server.use(
      http.get(url('/api/system/gpu'), () => ok(makeGpu())),
      http.get(url('/api/health'), () => ok(makeHealth())),
      http.get(url('/api/models'), ({ request }) =>
        request.headers.get('authorization') === `Bearer ${good}`
          ? ok([makeModel({ name: 'tiny' })])
          : fail(401, 'UNAUTHORIZED', 'API key missing or wrong'),
      ),
    );
    const { user, socket } = renderApp();
    const field = await screen.findByTestId('api-key-input');

    // Act + Assert: a wrong key.
    await user.type(field, 'nope{Enter}');
    expect(await within(screen.getByRole('dialog')).findByText(/That key is wrong: API key missing or wrong \(UNAUTHORIZED\)/)).toBeVisible();

    // Act + Assert: the right key; the list is fetched with it and the socket reconnects with it.
    await user.clear(field);
    await user.type(field, `${good}{Enter}`);
    expect(await screen.findByTestId('model-card')).toHaveTextContent('tiny');
    expect(screen.queryByTestId('api-key-input')).toBeNull();
    expect(sessionStorage.getItem('millm.apiKey')).toBe(good);
    expect(socket().auth).toEqual({ token: good });
  });

  it('shows required and available memory on a 507 and loads anyway with force', async () => {
    // Arrange
    const loads: unknown[] = [];
    server.use(
      ...backgroundHandlers([makeModel({ id: 3, name: 'big', status: 'ready' })]),
      http.post(url('/api/models/3/load'), async ({ request }) => {
        const text = await request.text();
        loads.push(text ? JSON.parse(text) : null);
        return loads.length === 1
          ? fail(507, 'INSUFFICIENT_MEMORY', 'Not enough memory', { required_mb: 5245, available_mb: 4096 })
          : ok(makeModel({ id: 3, name: 'big', status: 'loading' }), 202);
      }),
    );
    const { user } = renderApp();
    await user.click(await screen.findByTestId('load-btn'));

    // Act
    const dialog = await screen.findByRole('dialog');
    expect(dialog).toHaveTextContent('5.1 GiB (5245 MiB)');
    expect(dialog).toHaveTextContent('4.0 GiB (4096 MiB)');
    await user.click(within(dialog).getByTestId('force-load-btn'));

    // Assert
    await waitFor(() => expect(loads).toEqual([null, { force: true }]));
    expect(await screen.findByText('Loading')).toBeInTheDocument();
  });

  it('confirms a delete, saying the shared files are kept, and removes the card', async () => {
    // Arrange
    const q4 = makeModel({ id: 1, name: 'tiny', repo_id: 'org/tiny', quantization: 'Q4' });
    const q8 = makeModel({ id: 2, name: 'tiny', repo_id: 'org/tiny', quantization: 'Q8' });
    const deleted: string[] = [];
    server.use(
      ...backgroundHandlers([q4, q8]),
      http.delete(url('/api/models/:id'), ({ params }) => (deleted.push(String(params.id)), ok(null))),
    );
    const { user } = renderApp();
    const [first] = await screen.findAllByTestId('model-card');

    // Act
    await user.click(within(first!).getByTestId('delete-btn'));
    const dialog = await screen.findByRole('alertdialog');
    expect(dialog).toHaveTextContent('The files of org/tiny (4.7 GiB) are kept: tiny Q8 uses the same download.');
    await user.click(within(dialog).getByTestId('confirm-delete-btn'));

    // Assert
    await waitFor(() => expect(screen.getAllByTestId('model-card')).toHaveLength(1));
    expect(deleted).toEqual(['1']);
  });

  it('says a local folder is never touched by a delete', async () => {
    server.use(...backgroundHandlers([makeModel({ source: 'local', repo_id: null, local_path: '/data/m', name: 'm' })]));
    const { user } = renderApp();
    await user.click(await screen.findByTestId('delete-btn'));
    expect(await screen.findByRole('alertdialog')).toHaveTextContent('The folder /data/m is kept: miLLM never touches local folders.');
  });

  it('confirms a cancel and removes the download', async () => {
    server.use(
      ...backgroundHandlers([makeModel({ id: 4, name: 'slow', status: 'downloading', download_progress: 5 })]),
      http.post(url('/api/models/4/cancel'), () => ok(null)),
    );
    const { user } = renderApp();
    await user.click(await screen.findByTestId('cancel-btn'));
    const dialog = await screen.findByRole('alertdialog');
    expect(dialog).toHaveTextContent('partial files are removed');
    await user.click(within(dialog).getByTestId('confirm-cancel-btn'));
    await waitFor(() => expect(screen.queryByTestId('model-card')).toBeNull());
  });

  it('returns the focus to the button that opened a dialog', async () => {
    server.use(...backgroundHandlers([makeModel({ name: 'tiny' })]));
    const { user } = renderApp();
    const deleteButton = await screen.findByTestId('delete-btn');
    await user.click(deleteButton);
    await screen.findByRole('alertdialog');
    await user.keyboard('{Escape}');
    await waitFor(() => expect(screen.queryByRole('alertdialog')).toBeNull());
    await waitFor(() => expect(deleteButton).toHaveFocus());
  });

  it('shows a failed request with its code', async () => {
    server.use(
      ...backgroundHandlers([makeModel({ id: 5, name: 'tiny', status: 'loaded' })]),
      http.post(url('/api/models/5/unload'), () => fail(503, 'GPU_WORKER_UNAVAILABLE', 'No GPU worker is live')),
    );
    const { user } = renderApp();
    await user.click(await screen.findByTestId('unload-btn'));
    expect(await screen.findByText('No GPU worker is live (GPU_WORKER_UNAVAILABLE)')).toBeInTheDocument();
  });

  it('keeps a load that failed before its 202 reply arrived on Error, not on the older Loading', async () => {
    // Arrange: the reply (written at :01) is held back until the error (written at :02) has been shown.
    const ready = makeModel({ id: 7, name: 'tiny', status: 'ready', updated_at: '2026-11-29T10:00:00Z' });
    const loading = { ...ready, status: 'loading' as const, updated_at: '2026-11-29T10:00:01.000Z' };
    const failed = {
      ...ready,
      status: 'error' as const,
      error_stage: 'load' as const,
      error_message: 'bad file',
      updated_at: '2026-11-29T10:00:01.035Z',
    };
    let models: Model[] = [ready];
    let fetches = 0;
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    let requested = false;
    server.use(
      http.get(url('/api/models'), () => {
        fetches += 1;
        return ok(models);
      }),
      http.post(url('/api/models/7/load'), async () => {
        requested = true;
        await held;
        return ok(loading, 202);
      }),
      ...backgroundHandlers(),
    );
    const { user, socket } = renderApp();
    act(() => socket().serverConnect());
    await user.click(await screen.findByTestId('load-btn'));
    await waitFor(() => expect(requested).toBe(true));

    // Act: the error event (and the refetch it triggers) come first, then the late reply.
    models = [failed];
    const before = fetches;
    act(() => socket().emitEvent('model:load:error', { model_id: 7, error: { code: 'MODEL_LOAD_FAILED', message: 'bad file', details: {} } }));
    await waitFor(() => expect(fetches).toBeGreaterThan(before));
    await within(card('tiny')).findByText('Error');
    act(() => release());

    // Assert
    await waitFor(() => expect(screen.getByTestId('load-btn')).toBeEnabled());
    expect(within(card('tiny')).getByTestId('model-status')).toHaveTextContent('Error');
    expect(card('tiny')).toHaveTextContent('bad file');
  });
});
