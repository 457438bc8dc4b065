import { expect, test } from '@playwright/test';
import { rateLimit, removeModel } from './helpers/api';
import { modelName, run } from './helpers/run';
import { card, openModels, progressOf, recordState } from './helpers/ui';

const repo = () => run().repos.reload;

test.afterEach(async () => {
  await rateLimit(repo(), null);
  await removeModel(repo());
});

declare global {
  interface Window {
    progressSeen?: number[];
  }
}

test('a page reloaded mid-download starts at the current percent and never goes back', async ({ page }) => {
  // Arrange: a download held at a few hundred KiB/s, well under way.
  await rateLimit(repo(), 192 * 1024);
  await openModels(page);
  await page.getByTestId('repo-input').fill(repo());
  await page.getByTestId('download-btn').click();
  const modelCard = card(page, modelName(repo()));
  await expect.poll(() => progressOf(modelCard), { timeout: 40_000 }).toBeGreaterThanOrEqual(10);
  await recordState(page, 'downloading');
  // Every value the bar shows after the reload, from the first render on.
  await page.addInitScript(() => {
    const seen: number[] = [];
    window.progressSeen = seen;
    const record = () => {
      const bar = document.querySelector('[data-testid="progress-bar"]');
      const value = bar?.getAttribute('aria-valuenow');
      if (value != null && Number(value) !== seen[seen.length - 1]) seen.push(Number(value));
    };
    new MutationObserver(record).observe(document, {
      subtree: true,
      childList: true,
      attributes: true,
      attributeFilter: ['aria-valuenow'],
    });
  });
  const before = await progressOf(modelCard);

  // Act
  await page.reload();
  await expect(modelCard.getByTestId('progress-bar')).toBeVisible();
  await page.waitForTimeout(1_500);

  // Assert
  const seen = (await page.evaluate(() => window.progressSeen)) ?? [];
  expect(seen.length).toBeGreaterThan(0);
  expect(seen[0]).toBeGreaterThanOrEqual(before);
  expect(seen).toEqual([...seen].sort((a, b) => a - b));
  expect(Math.max(...seen)).toBeLessThanOrEqual(100);
  await expect(page).toHaveTitle(/\d+(\.\d+)?% · miLLM/);
});
