import { expect, test } from '@playwright/test';
import { api, cachedFiles, modelOf, rateLimit, removeModel, waitForModel } from './helpers/api';
import { modelName, run } from './helpers/run';
import { card, openModels, progressOf } from './helpers/ui';

const repo = () => run().repos.cancel;

test.afterEach(async () => {
  await rateLimit(repo(), null);
  await removeModel(repo());
  await removeModel(run().repos.after_cancel);
});

test('a download cancelled mid-way leaves neither a record nor any of its files in the cache', async ({ page }) => {
  // Arrange: a capped hub keeps the download going for most of a minute.
  await rateLimit(repo(), 128 * 1024);
  await openModels(page);
  await page.getByTestId('repo-input').fill(repo());
  await page.getByTestId('download-btn').click();
  const modelCard = card(page, modelName(repo()));
  await expect.poll(() => progressOf(modelCard), { timeout: 30_000 }).toBeGreaterThan(0);
  await expect.poll(() => cachedFiles(repo()).length).toBeGreaterThan(0);

  // Act
  await modelCard.getByTestId('cancel-btn').click();
  await page.getByTestId('confirm-cancel-btn').click();

  // Assert
  await expect(modelCard).toHaveCount(0);
  expect(await modelOf(repo())).toBeUndefined();
  await expect.soft(async () => expect(cachedFiles(repo())).toEqual([])).toPass({ timeout: 20_000 });

  // Assert: the downloader still takes the next job.
  await api('POST', '/api/models', { source: 'huggingface', repo_id: run().repos.after_cancel, quantization: 'Q4' });
  const next = await waitForModel(run().repos.after_cancel, (m) => m?.status !== 'downloading', 30_000).catch(
    () => undefined,
  );
  expect(next?.status, 'a download queued after a cancel is picked up and completes').toBe('ready');
});
