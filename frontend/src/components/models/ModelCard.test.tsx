import { act, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useConnectionStore } from '@/stores/connectionStore';
import { STALL_AFTER_MS, useProgressStore } from '@/stores/progressStore';
import { makeModel, makeProgress } from '@/test/fixtures';
import type { Model } from '@/types';
import { ModelCard } from './ModelCard';

function renderCard(model: Model) {
  const handlers = { onLoad: vi.fn(), onUnload: vi.fn(), onRetry: vi.fn(), onDelete: vi.fn(), onCancel: vi.fn() };
  render(<ModelCard model={model} {...handlers} />);
  return { handlers, card: screen.getByTestId('model-card') };
}

describe('ModelCard', () => {
  beforeEach(() => useConnectionStore.getState().setSocket('connected'));

  it('shows a download that has not received a byte as Queued, with a bar at 0 and Cancel', () => {
    const { card } = renderCard(makeModel({ name: 'tiny', status: 'downloading', download_progress: null }));
    expect(within(card).getByTestId('model-status')).toHaveTextContent('Queued');
    expect(within(card).getByTestId('progress-bar')).toHaveAttribute('aria-valuenow', '0');
    expect(within(card).getByTestId('cancel-btn')).toBeEnabled();
  });

  it('shows a running download with percent, speed, ETA and bytes', () => {
    // Arrange
    const model = makeModel({ id: 7, status: 'downloading', download_progress: 30 });
    useProgressStore.getState().recordDownload(makeProgress({ model_id: 7, progress: 41.96, speed_mbps: 0.5 }));

    // Act
    const { card } = renderCard(model);

    // Assert
    expect(within(card).getByTestId('model-status')).toHaveTextContent('Downloading');
    const bar = within(card).getByTestId('progress-bar');
    expect(bar).toHaveAttribute('role', 'progressbar');
    expect(bar).toHaveAttribute('aria-valuenow', '41.9');
    expect(card).toHaveTextContent('41.9% · 512 KiB/s · ETA 4 s · 2.0 GiB of 4.7 GiB · files 2/5');
  });

  it('shows the last percent and bytes but no frozen speed or ETA while the socket reconnects', () => {
    // Arrange
    useProgressStore.getState().recordDownload(makeProgress({ model_id: 7, progress: 20 }));
    useConnectionStore.getState().setSocket('reconnecting');

    // Act
    const { card } = renderCard(makeModel({ id: 7, status: 'downloading' }));

    // Assert
    expect(card).toHaveTextContent('20.0% · paused: reconnecting… · 2.0 GiB of 4.7 GiB');
    expect(card).not.toHaveTextContent('812.4 MiB/s');
    expect(card).not.toHaveTextContent('ETA');
  });

  it('says live updates are lost while the socket is offline', () => {
    useProgressStore.getState().recordDownload(makeProgress({ model_id: 7, progress: 20 }));
    useConnectionStore.getState().setSocket('offline');
    const { card } = renderCard(makeModel({ id: 7, status: 'downloading' }));
    expect(card).toHaveTextContent('paused: live updates lost');
    expect(card).not.toHaveTextContent('ETA');
  });

  it('starts a page opened mid-download at the list percent', () => {
    const { card } = renderCard(makeModel({ status: 'downloading', download_progress: 63.25 }));
    expect(within(card).getByTestId('progress-bar')).toHaveAttribute('aria-valuenow', '63.2');
  });

  it('says stalled instead of a frozen speed after 10 s without new bytes', () => {
    // Arrange
    vi.useFakeTimers({ now: 1_000_000 });
    try {
      useProgressStore.getState().recordDownload(makeProgress({ model_id: 7, progress: 20 }), Date.now());
      const { card } = renderCard(makeModel({ id: 7, status: 'downloading' }));
      expect(card).toHaveTextContent('812.4 MiB/s');

      // Act
      act(() => vi.advanceTimersByTime(STALL_AFTER_MS + 1000));

      // Assert
      expect(card).toHaveTextContent(/stalled: no new bytes for 11 s/);
      expect(card).not.toHaveTextContent('812.4 MiB/s');
    } finally {
      vi.useRealTimers();
    }
  });

  it('offers Load and Delete for a ready model, and calls back with its id', async () => {
    const { card, handlers } = renderCard(makeModel({ id: 5, status: 'ready' }));
    expect(within(card).getByTestId('model-status')).toHaveTextContent('Ready');
    await userEvent.click(within(card).getByTestId('load-btn'));
    await userEvent.click(within(card).getByTestId('delete-btn'));
    expect(handlers.onLoad).toHaveBeenCalledWith(5);
    expect(handlers.onDelete).toHaveBeenCalledWith(5);
    expect(within(card).queryByTestId('unload-btn')).toBeNull();
  });

  it('shows the load stage while loading, with a way to stop', () => {
    useProgressStore.getState().recordLoad(5, 'quantizing', 55);
    const { card } = renderCard(makeModel({ id: 5, status: 'loading' }));
    expect(within(card).getByTestId('model-status')).toHaveTextContent('Loading');
    expect(card).toHaveTextContent('Loading: quantizing (55%)');
    expect(within(card).getByTestId('unload-btn')).toBeEnabled();
    expect(within(card).getByTestId('delete-btn')).toBeDisabled();
  });

  it('shows a loaded model with its estimated and measured memory, Unload, and no Delete', () => {
    const { card } = renderCard(makeModel({ status: 'loaded', estimated_memory_mb: 2163, memory_used_mb: 1712 }));
    expect(within(card).getByTestId('model-status')).toHaveTextContent('Loaded');
    expect(card).toHaveTextContent('Memory: ~2.1 GiB (estimate) · 1.7 GiB (measured)');
    expect(within(card).getByTestId('unload-btn')).toBeEnabled();
    expect(within(card).getByTestId('delete-btn')).toBeDisabled();
  });

  it('shows a failed download with its message and Retry', async () => {
    const { card, handlers } = renderCard(
      makeModel({ id: 9, status: 'error', error_stage: 'download', error_message: 'The hub failed' }),
    );
    expect(within(card).getByTestId('model-status')).toHaveTextContent('Error');
    expect(card).toHaveTextContent('Download failed: The hub failed');
    await userEvent.click(within(card).getByTestId('retry-btn'));
    expect(handlers.onRetry).toHaveBeenCalledWith(9);
    expect(within(card).queryByTestId('load-btn')).toBeNull();
  });

  it('shows a failed load with its message and Load again', () => {
    const { card } = renderCard(makeModel({ status: 'error', error_stage: 'load', error_message: 'bad shapes' }));
    expect(card).toHaveTextContent('Load failed: bad shapes');
    expect(within(card).getByTestId('load-btn')).toHaveTextContent('Load again');
    expect(within(card).getByTestId('load-btn')).toBeEnabled();
    expect(within(card).queryByTestId('retry-btn')).toBeNull();
  });

  it('shows the message of a ready model whose last load failed', () => {
    const { card } = renderCard(makeModel({ status: 'ready', error_stage: 'load', error_message: 'out of memory' }));
    expect(within(card).getByTestId('model-status')).toHaveTextContent('Ready');
    expect(card).toHaveTextContent('Last load failed: out of memory');
  });

  it('links a hub model to its hub page and shows a local model by its path', () => {
    renderCard(makeModel({ repo_id: 'org/tiny' }));
    expect(screen.getByRole('link', { name: /org\/tiny/ })).toHaveAttribute('href', 'https://huggingface.co/org/tiny');
  });

  it('shows a local folder by its path, without a hub link', () => {
    const { card } = renderCard(makeModel({ source: 'local', repo_id: null, local_path: '/data/m', name: 'm' }));
    expect(card).toHaveTextContent('/data/m');
    expect(within(card).queryByRole('link')).toBeNull();
  });

  it('lets a local path and a repo id break after their slashes, never mid-word first', () => {
    // Arrange
    const path = '/srv/models/tiny-local/snapshots';

    // Act
    const { card } = renderCard(makeModel({ source: 'local', repo_id: null, local_path: path, name: 'tiny-local' }));

    // Assert
    const shown = within(card).getByText((_, el) => el?.tagName === 'SPAN' && el.textContent === path);
    expect(shown.querySelectorAll('wbr')).toHaveLength(4);
    expect(shown).toHaveClass('wrap-anywhere');
    expect(shown).not.toHaveClass('break-all');
  });

  it('wraps a long error message inside the card and keeps its lines', () => {
    // Arrange
    const message = `cannot open /var/lib/millm/${'a-very-long-folder-name/'.repeat(10)}model.safetensors\nline 2\nline 3`;

    // Act
    const { card } = renderCard(makeModel({ name: 'tiny-full', status: 'error', error_stage: 'load', error_message: message }));

    // Assert
    const line = within(card).getByText((_, el) => el?.tagName === 'P' && (el.textContent ?? '').startsWith('Load failed:'));
    expect(line).toHaveTextContent('model.safetensors');
    expect(line).toHaveClass('wrap-anywhere', 'whitespace-pre-line');
    expect(within(card).getByRole('heading', { name: 'tiny-full' })).toHaveClass('wrap-anywhere');
  });

  it('names the model in every button for screen readers', () => {
    renderCard(makeModel({ name: 'tiny', status: 'ready' }));
    expect(screen.getByRole('button', { name: 'Load tiny' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Delete tiny' })).toBeInTheDocument();
  });
});
