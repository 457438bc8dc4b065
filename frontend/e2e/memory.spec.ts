import { expect, test } from '@playwright/test';
import { modelOf, removeModel } from './helpers/api';
import { modelName, run } from './helpers/run';
import { card, openModels, recordState, statusOf } from './helpers/ui';

const repo = () => run().repos.big;

test.afterEach(async () => {
  await removeModel(repo());
});

test('a model over the memory limit is refused with the required and available memory, and loads with Load anyway', async ({
  page,
}) => {
  // Arrange: the launcher set DEVICE_MEMORY_LIMIT_MB between this model's weights and its estimate.
  const { big_estimate_mb: required, device_memory_limit_mb: available } = run();
  expect(required).toBeGreaterThan(available);
  await openModels(page);
  await page.getByTestId('repo-input').fill(repo());
  await page.getByTestId('download-btn').click();
  const modelCard = card(page, modelName(repo()));
  await expect(statusOf(modelCard)).toHaveText(/ready/i, { timeout: 60_000 });

  // Act
  await modelCard.getByTestId('load-btn').click();

  // Assert: the 507 names both figures and offers to proceed.
  const force = page.getByTestId('force-load-btn');
  await expect(force).toBeVisible();
  const body = page.locator('body');
  await expect(body).toContainText(new RegExp(`\\b${required}\\b`));
  await expect(body).toContainText(new RegExp(`\\b${available}\\b`));
  expect((await modelOf(repo()))?.status).toBe('ready');
  await recordState(page, 'insufficient-memory');

  // Act + Assert: Load anyway loads it, since its weights do fit.
  await force.click();
  await expect(statusOf(modelCard)).toHaveText(/loaded/i, { timeout: 90_000 });
  await expect(page.getByTestId('status-bar-model')).toContainText(modelName(repo()));
  await modelCard.getByTestId('unload-btn').click();
  await expect(statusOf(modelCard)).toHaveText(/ready/i, { timeout: 30_000 });
});
