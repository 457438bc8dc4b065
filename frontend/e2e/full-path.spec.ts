import { expect, test } from '@playwright/test';
import { cachedFiles, gpu, modelOf, rateLimit, removeModel } from './helpers/api';
import { modelName, run } from './helpers/run';
import { card, openModels, preview, progressOf, recordState, statusOf } from './helpers/ui';

const repo = () => run().repos.full;

test.afterEach(async () => {
  await rateLimit(repo(), null);
  await removeModel(repo());
});

test('a repo is previewed, downloaded with live progress, loaded, unloaded and deleted with its files', async ({
  page,
}) => {
  // Arrange: slow enough that the progress bar is on screen for a few seconds.
  const name = modelName(repo());
  await rateLimit(repo(), 64 * 1024);
  await openModels(page);

  // Act: preview, and download from the dialog.
  const dialog = await preview(page, repo());
  await expect(dialog).toContainText('LlamaForCausalLM');
  await expect(dialog).toContainText(/estimate/i);
  await recordState(page, 'preview');
  await dialog.getByTestId('download-btn').click();
  // The toast that confirms it (sonner's markup); recorded while it shows, since toasts are gone in seconds.
  const toast = page.locator('[data-sonner-toast]').first();
  await expect(toast).toHaveCSS('opacity', '1');
  await recordState(page, 'toast');

  // Assert: progress shows, then the model is ready with its files in the cache.
  const modelCard = card(page, name);
  await expect(modelCard).toBeVisible();
  await expect.poll(() => progressOf(modelCard), { timeout: 20_000 }).toBeGreaterThan(0);
  expect(await progressOf(modelCard)).toBeLessThanOrEqual(100);
  await rateLimit(repo(), null);
  await expect(statusOf(modelCard)).toHaveText(/ready/i, { timeout: 30_000 });
  expect(cachedFiles(repo()).length).toBeGreaterThan(0);

  // Act + Assert: load, and the status bar and GPU panel name it.
  await modelCard.getByTestId('load-btn').click();
  await expect(statusOf(modelCard)).toHaveText(/loaded/i, { timeout: 60_000 });
  await expect(page.getByTestId('status-bar-model')).toContainText(name);
  const gpuPanel = page.getByTestId('gpu-panel');
  await expect(gpuPanel).toContainText(name);
  // The panel's memory figures follow the worker's: the loaded model's footprint is counted as used.
  await expect.poll(async () => (await gpu()).devices[0]?.used_mb ?? 0).toBeGreaterThan(0);
  const used = (await gpu()).devices[0].used_mb;
  await expect(gpuPanel).toContainText(new RegExp(`(^|\\D)${used} MiB used`));
  await recordState(page, 'loaded');

  // Act + Assert: unload.
  await modelCard.getByTestId('unload-btn').click();
  await expect(statusOf(modelCard)).toHaveText(/ready/i, { timeout: 30_000 });
  await expect(page.getByTestId('status-bar-model')).not.toContainText(name);

  // Act + Assert: delete behind its confirmation; the record and the files go.
  await modelCard.getByTestId('delete-btn').click();
  await page.getByTestId('confirm-delete-btn').click();
  await expect(modelCard).toHaveCount(0);
  await expect.poll(() => cachedFiles(repo()), { timeout: 20_000 }).toEqual([]);
  expect(await modelOf(repo())).toBeUndefined();
});
