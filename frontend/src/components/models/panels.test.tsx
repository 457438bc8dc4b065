import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useConnectionStore } from '@/stores/connectionStore';
import { makeGpu, makeHealth, makeModel, NO_GPU_WORKER } from '@/test/fixtures';
import { GpuPanel } from './GpuPanel';
import { ListFooter } from './ListFooter';
import { ModelList } from './ModelList';
import { StatusBar } from './StatusBar';
import { WorkerBanner } from './WorkerBanner';

describe('GpuPanel', () => {
  it('shows each device, its memory and the loaded model', () => {
    const loaded = makeModel({ id: 7, name: 'tiny', status: 'loaded', memory_used_mb: 1712 });
    render(<GpuPanel gpu={makeGpu({ loaded_model_id: 7 })} models={[loaded]} />);
    const panel = screen.getByTestId('gpu-panel');
    expect(panel).toHaveTextContent('0: cpu');
    expect(panel).toHaveTextContent('3.0 GiB used, 20.4 GiB free of 23.4 GiB');
    expect(panel).toHaveTextContent('Loaded model: tiny (1.7 GiB measured)');
  });

  it('draws an empty device as an empty bar: a neutral track, with only the used part coloured', () => {
    // Arrange
    const gpu = makeGpu({ devices: [{ index: 0, name: 'cpu', total_mb: 24000, used_mb: 0, free_mb: 24000 }] });

    // Act
    render(<GpuPanel gpu={gpu} models={[]} />);

    // Assert
    const panel = screen.getByTestId('gpu-panel');
    const track = panel.querySelector('[data-part="memory-track"]')!;
    const used = panel.querySelector<HTMLElement>('[data-part="memory-used"]')!;
    expect(track.className).toMatch(/\bbg-neutral-200\b/);
    expect(track.className).toMatch(/\bdark:bg-neutral-700\b/);
    expect(track.className).not.toMatch(/green/);
    expect(used.style.width).toBe('0%');
  });

  it('titles the panel Memory (CPU) on the CPU and says host memory stands in for GPU memory', () => {
    render(<GpuPanel gpu={makeGpu({ device: 'cpu' })} models={[]} />);
    expect(screen.getByRole('heading', { name: 'Memory (CPU)' })).toBeInTheDocument();
    expect(screen.getByTestId('gpu-panel')).toHaveTextContent('host memory stands in for GPU memory');
    expect(screen.getByTestId('gpu-panel')).not.toHaveTextContent('GPU (cpu)');
  });

  it('titles the panel GPU with its device on a GPU', () => {
    render(<GpuPanel gpu={makeGpu({ device: 'cuda' })} models={[]} />);
    expect(screen.getByRole('heading', { name: /^GPU\s*\(cuda\)$/ })).toBeInTheDocument();
  });

  it('says clearly when no GPU worker is live', () => {
    render(<GpuPanel gpu={NO_GPU_WORKER} models={[]} />);
    expect(screen.getByTestId('gpu-panel')).toHaveTextContent('No GPU worker live');
  });

  it('says none when nothing is loaded', () => {
    render(<GpuPanel gpu={makeGpu()} models={[]} />);
    expect(screen.getByTestId('gpu-panel')).toHaveTextContent('Loaded model: none');
  });
});

describe('StatusBar', () => {
  it('names the loaded model', () => {
    render(<StatusBar models={[makeModel({ name: 'tiny', status: 'loaded' })]} />);
    expect(screen.getByTestId('status-bar-model')).toHaveTextContent('tiny');
  });

  it.each([
    ['connected', 'Live updates: connected'],
    ['reconnecting', 'Live updates: reconnecting…'],
    ['offline', 'Live updates: offline'],
  ] as const)('shows the socket %s', (state, text) => {
    useConnectionStore.getState().setSocket(state);
    render(<StatusBar models={[]} />);
    expect(screen.getByRole('status')).toHaveTextContent(text);
    expect(screen.getByTestId('status-bar-model')).toHaveTextContent('no model');
  });

  it('shows a lost connection as bold text on a tinted pill, not only as a dot', () => {
    // Arrange
    useConnectionStore.getState().setSocket('reconnecting');

    // Act
    render(<StatusBar models={[]} />);

    // Assert
    const state = screen.getByRole('status');
    expect(state).toHaveAttribute('data-state', 'reconnecting');
    expect(state).toHaveClass('bg-amber-100', 'text-amber-950', 'font-semibold', 'dark:bg-amber-950');
    expect(state).toHaveTextContent('progress shown is the last known');
  });
});

describe('WorkerBanner', () => {
  it('says downloads wait when no downloader is live', () => {
    render(<WorkerBanner health={makeHealth(0)} />);
    expect(screen.getByRole('status')).toHaveTextContent('No downloader is running');
  });

  it('is absent while a downloader is live', () => {
    const { container } = render(<WorkerBanner health={makeHealth(1)} />);
    expect(container).toBeEmptyDOMElement();
  });
});

describe('ListFooter', () => {
  it('counts downloaded models and their disk once per revision, local folders apart', () => {
    // Arrange
    const models = [
      makeModel({ repo_id: 'org/a', quantization: 'Q4', disk_size_mb: 2048 }),
      makeModel({ repo_id: 'org/a', quantization: 'Q8', disk_size_mb: 2048 }),
      makeModel({ source: 'local', repo_id: null, local_path: '/x', disk_size_mb: 512 }),
    ];

    // Act
    render(<ListFooter models={models} />);

    // Assert
    const footer = screen.getByRole('contentinfo', { name: 'Disk use' });
    expect(footer).toHaveTextContent('2 downloaded models, 2.0 GiB on disk · 1 local folder (not managed by miLLM, 512 MiB)');
    expect(footer).toHaveTextContent('as 1 copy');
  });

  it('says a lone local folder is no downloaded model, without two counts that read as two models', () => {
    // Arrange
    const local = makeModel({ source: 'local', repo_id: null, local_path: '/srv/tiny-local', disk_size_mb: 0 });

    // Act
    render(<ListFooter models={[local]} />);

    // Assert
    const footer = screen.getByRole('contentinfo', { name: 'Disk use' });
    expect(footer).toHaveTextContent(/^0 downloaded models · 1 local folder \(not managed by miLLM\)$/);
    expect(footer).not.toHaveTextContent('1 model,');
  });

  it('counts downloads in flight apart instead of implying their 0 MiB is final', () => {
    render(<ListFooter models={[makeModel({ status: 'downloading', disk_size_mb: null })]} />);
    const footer = screen.getByRole('contentinfo', { name: 'Disk use' });
    expect(footer).toHaveTextContent('0 downloaded models · 1 downloading');
    expect(footer).not.toHaveTextContent('0 MiB on disk');
  });
});

describe('ModelList', () => {
  const handlers = { onLoad: vi.fn(), onUnload: vi.fn(), onRetry: vi.fn(), onDelete: vi.fn(), onCancel: vi.fn() };

  it('sorts by name, size or status', async () => {
    // Arrange
    const models = [
      makeModel({ name: 'b-small', disk_size_mb: 10, status: 'ready' }),
      makeModel({ name: 'a-big', disk_size_mb: 900, status: 'ready' }),
      makeModel({ name: 'c-loaded', disk_size_mb: 100, status: 'loaded' }),
    ];
    render(<ModelList models={models} {...handlers} />);
    const names = () => screen.getAllByTestId('model-card').map((c) => within(c).getByRole('heading').textContent);

    // Act + Assert
    expect(names()).toEqual(['a-big', 'b-small', 'c-loaded']);
    await userEvent.selectOptions(screen.getByLabelText('Sort by'), 'size');
    expect(names()).toEqual(['a-big', 'c-loaded', 'b-small']);
    await userEvent.selectOptions(screen.getByLabelText('Sort by'), 'status');
    expect(names()).toEqual(['c-loaded', 'a-big', 'b-small']);
  });

  it('lays the cards out in a grid whose columns are at least 28rem wide, one column when narrower', () => {
    // Arrange + Act
    render(<ModelList models={[makeModel({ name: 'a' }), makeModel({ name: 'b' })]} {...handlers} />);

    // Assert
    const grid = screen.getAllByTestId('model-card')[0]!.closest('ul')!;
    expect(grid).toHaveClass('grid', 'grid-cols-[repeat(auto-fill,minmax(min(100%,28rem),1fr))]');
    expect(grid).not.toHaveClass('lg:grid-cols-2');
  });

  it('says there are no models yet', () => {
    render(<ModelList models={[]} {...handlers} />);
    expect(screen.getByText(/No models yet/)).toBeInTheDocument();
    expect(screen.queryByTestId('model-card')).toBeNull();
  });
});
