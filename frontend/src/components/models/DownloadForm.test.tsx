import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http } from 'msw';
import { makeModel, makePreview } from '@/test/fixtures';
import { renderWithClient } from '@/test/render';
import { fail, ok, server, url } from '@/test/server';
import type { CreateModelBody, PreviewBody } from '@/types';
import { DownloadForm } from './DownloadForm';

function capture<T>() {
  const bodies: T[] = [];
  return { bodies, record: async (request: Request) => bodies.push((await request.json()) as T) };
}

function setup() {
  const user = userEvent.setup();
  renderWithClient(<DownloadForm />);
  return { user, repo: screen.getByTestId('repo-input') };
}

describe('the download form', () => {
  it('turns a pasted hub URL into org/name', async () => {
    const { user, repo } = setup();
    await user.click(repo);
    await user.paste('https://huggingface.co/org/tiny-llama/tree/main');
    expect(repo).toHaveValue('org/tiny-llama');
  });

  it('refuses a URL of another branch with a message, without a request', async () => {
    const { user, repo } = setup();
    await user.click(repo);
    await user.paste('https://huggingface.co/org/tiny-llama/tree/dev');
    await user.click(screen.getByTestId('preview-btn'));
    expect(screen.getByRole('alert')).toHaveTextContent(/downloads only the main branch/);
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('refuses an invalid id inline with the seed message when Enter is pressed', async () => {
    const { user, repo } = setup();
    await user.type(repo, 'not a repo id!{Enter}');
    expect(screen.getByText('Invalid format. Use owner/repo-name (e.g., google/gemma-2-2b)')).toBeVisible();
    expect(repo).toHaveAttribute('aria-invalid', 'true');
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('opens the preview on Enter with each quantization, its fits marks and memory labelled an estimate', async () => {
    // Arrange
    const sent = capture<PreviewBody>();
    server.use(http.post(url('/api/models/preview'), async ({ request }) => (await sent.record(request), ok(makePreview()))));
    const { user, repo } = setup();

    // Act
    await user.type(repo, 'org/tiny-llama{Enter}');

    // Assert
    const dialog = await screen.findByRole('dialog');
    expect(sent.bodies).toEqual([{ repo_id: 'org/tiny-llama', hf_token: null }]);
    expect(dialog).toHaveTextContent('LlamaForCausalLM');
    expect(dialog).toHaveTextContent('Memory (estimate)');
    expect(dialog).toHaveTextContent('~2.1 GiB (estimate)');
    expect(within(dialog).getAllByText('Does not fit')).toHaveLength(1);
    expect(within(dialog).getAllByText('Fits')).toHaveLength(5);
    expect(dialog).toHaveTextContent('Free disk in the model cache: 97.7 GiB (100000 MiB)');
  });

  it('shows small free figures once, without repeating them in MiB', async () => {
    // Arrange
    server.use(http.post(url('/api/models/preview'), () => ok(makePreview({ available_disk_mb: 60, available_memory_mb: 56 }))));
    const { user, repo } = setup();

    // Act
    await user.type(repo, 'org/tiny-llama{Enter}');

    // Assert
    const dialog = await screen.findByRole('dialog');
    expect(dialog).toHaveTextContent('Free disk in the model cache: 60 MiB.');
    expect(dialog).toHaveTextContent('Memory available for a model: 56 MiB.');
    expect(dialog).not.toHaveTextContent('(60 MiB)');
  });

  it('says when memory fit is unknown because no GPU worker is live', async () => {
    const sizes = makePreview().estimated_sizes;
    const unknown = { ...sizes.Q4, fits_memory: null };
    const preview = makePreview({ available_memory_mb: null, estimated_sizes: { Q4: unknown, Q8: unknown, FP16: unknown } });
    server.use(http.post(url('/api/models/preview'), () => ok(preview)));
    const { user, repo } = setup();
    await user.type(repo, 'org/tiny-llama{Enter}');
    const dialog = await screen.findByRole('dialog');
    expect(dialog).toHaveTextContent('No GPU worker live');
    expect(within(dialog).getAllByText(/Unknown: no GPU worker live/)).toHaveLength(3);
  });

  it('traps the focus in the preview and returns it to the field when closed', async () => {
    server.use(http.post(url('/api/models/preview'), () => ok(makePreview())));
    const { user, repo } = setup();
    await user.type(repo, 'org/tiny-llama{Enter}');
    const dialog = await screen.findByRole('dialog');
    for (let i = 0; i < 12; i += 1) {
      await user.tab();
      expect(dialog).toContainElement(document.activeElement as HTMLElement);
    }
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(repo).toHaveFocus();
  });

  it('downloads the quantization chosen in the preview and closes it', async () => {
    // Arrange
    const created = capture<CreateModelBody>();
    server.use(
      http.post(url('/api/models/preview'), () => ok(makePreview())),
      http.post(url('/api/models'), async ({ request }) => (await created.record(request), ok(makeModel(), 202))),
    );
    const { user, repo } = setup();
    await user.type(repo, 'org/tiny-llama{Enter}');
    const dialog = await screen.findByRole('dialog');

    // Act
    await user.click(within(dialog).getByRole('radio', { name: /Q8/ }));
    await user.click(within(dialog).getByTestId('download-btn'));

    // Assert
    expect(created.bodies).toEqual([
      { source: 'huggingface', repo_id: 'org/tiny-llama', quantization: 'Q8', hf_token: null, trust_remote_code: false, custom_name: null },
    ]);
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(repo).toHaveValue('');
  });

  it('asks for a token inside the preview of a gated repo and shows the refusal there', async () => {
    // Arrange
    const created = capture<CreateModelBody>();
    server.use(
      http.post(url('/api/models/preview'), () => ok(makePreview({ is_gated: true, loadable: null }))),
      http.post(url('/api/models'), async ({ request }) => {
        await created.record(request);
        return fail(401, 'INVALID_HF_TOKEN', 'The hub refused this token');
      }),
    );
    const { user, repo } = setup();
    await user.type(repo, 'org/gated{Enter}');
    const dialog = await screen.findByRole('dialog');

    // Act
    const token = within(dialog).getByTestId('token-input');
    await user.type(token, 'hf_wrong');
    await user.click(within(dialog).getByTestId('download-btn'));

    // Assert
    expect(token).toHaveAttribute('type', 'password');
    expect(await within(dialog).findByText('The hub refused this token (INVALID_HF_TOKEN)')).toBeVisible();
    expect(created.bodies[0]).toMatchObject({ hf_token: 'hf_wrong' });
  });

  it('shows why a repo cannot be loaded and does not offer the download', async () => {
    const reason = 'The repo ships Python code (auto_map); miLLM runs no Python';
    server.use(http.post(url('/api/models/preview'), () => ok(makePreview({ loadable: false, unsupported_reason: reason, requires_trust_remote_code: true }))));
    const { user, repo } = setup();
    await user.type(repo, 'org/remote{Enter}');
    const dialog = await screen.findByRole('dialog');
    expect(dialog).toHaveTextContent(reason);
    expect(within(dialog).getByTestId('download-btn')).toBeDisabled();
  });

  it('shows a failed preview with the API message and code', async () => {
    server.use(http.post(url('/api/models/preview'), () => fail(404, 'REPO_NOT_FOUND', 'No repo org/missing on the hub')));
    const { user, repo } = setup();
    await user.type(repo, 'org/missing{Enter}');
    expect(await screen.findByText('No repo org/missing on the hub (REPO_NOT_FOUND)')).toBeVisible();
  });

  it('downloads straight from the form with its quantization', async () => {
    const created = capture<CreateModelBody>();
    server.use(http.post(url('/api/models'), async ({ request }) => (await created.record(request), ok(makeModel(), 202))));
    const { user, repo } = setup();
    await user.type(repo, 'org/tiny');
    await user.selectOptions(screen.getByTestId('quantization-select'), 'FP16');
    await user.click(screen.getByTestId('download-btn'));
    expect(created.bodies[0]).toMatchObject({ repo_id: 'org/tiny', quantization: 'FP16' });
  });

  it('defaults to Q4 with the seed labels', () => {
    setup();
    const select = screen.getByTestId('quantization-select');
    expect(select).toHaveValue('Q4');
    expect(within(select).getAllByRole('option').map((o) => o.textContent)).toEqual([
      'Q4 (4-bit, smallest, recommended)',
      'Q8 (8-bit, balanced)',
      'FP16 (full precision, largest)',
    ]);
  });

  it('keeps trust-remote-code disabled and says why', async () => {
    const { user } = setup();
    const box = screen.getByRole('checkbox', { name: 'Trust remote code' });
    expect(box).toBeDisabled();
    expect(box).toHaveAccessibleDescription(/runs no Python/);
    await user.hover(screen.getByRole('button', { name: /Why is trust remote code disabled/ }));
    expect((await screen.findAllByText(/refused at preview/)).length).toBeGreaterThan(0);
  });

  it('keeps the access token in a password field', () => {
    setup();
    expect(screen.getByTestId('token-input')).toHaveAttribute('type', 'password');
  });
});

describe('the local folder tab', () => {
  it('shows the API refusal next to the field', async () => {
    // Arrange
    server.use(http.post(url('/api/models'), () => fail(400, 'INVALID_LOCAL_PATH', '/nope does not exist')));
    const user = userEvent.setup();
    renderWithClient(<DownloadForm />);
    await user.click(screen.getByRole('tab', { name: /local/i }));

    // Act
    await user.type(screen.getByTestId('local-path-input'), '/nope');
    await user.click(screen.getByTestId('register-btn'));

    // Assert
    const panel = screen.getByRole('tabpanel');
    expect(await within(panel).findByText('/nope does not exist (INVALID_LOCAL_PATH)')).toBeVisible();
    expect(screen.getByTestId('local-path-input')).toHaveAccessibleDescription(/does not exist/);
  });

  it('wants an absolute path before asking the API', async () => {
    const user = userEvent.setup();
    renderWithClient(<DownloadForm />);
    await user.click(screen.getByRole('tab', { name: /local/i }));
    await user.type(screen.getByTestId('local-path-input'), 'relative/dir{Enter}');
    expect(screen.getByRole('alert')).toHaveTextContent(/absolute path/);
  });

  it('registers a folder', async () => {
    const created = capture<CreateModelBody>();
    server.use(http.post(url('/api/models'), async ({ request }) => (await created.record(request), ok(makeModel({ source: 'local' }), 202))));
    const user = userEvent.setup();
    renderWithClient(<DownloadForm />);
    await user.click(screen.getByRole('tab', { name: /local/i }));
    await user.type(screen.getByTestId('local-path-input'), '/data/m{Enter}');
    expect(created.bodies).toEqual([{ source: 'local', local_path: '/data/m', quantization: 'Q4', custom_name: null }]);
    expect(screen.getByTestId('local-path-input')).toHaveValue('');
  });
});
