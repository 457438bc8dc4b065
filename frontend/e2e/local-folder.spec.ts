import { existsSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { errorOf, removeModel } from './helpers/api';
import { run } from './helpers/run';
import { card, openModels, recordState, statusOf } from './helpers/ui';

test.afterEach(async () => {
  await removeModel(run().local.valid);
});

test('local folders that are not models are refused next to the field, and a model folder is registered ready', async ({
  page,
}) => {
  // Arrange: what the API says about each bad path, which the page must show.
  const register = (localPath: string) => ({ source: 'local', local_path: localPath, quantization: 'Q4' });
  const notAModel = await errorOf('/api/models', register(run().local.not_a_model));
  const missing = await errorOf('/api/models', register(run().local.missing));
  expect([notAModel.code, missing.code]).toEqual(['INVALID_LOCAL_PATH', 'INVALID_LOCAL_PATH']);
  await openModels(page);
  await page.getByRole('tab', { name: /local/i }).click();
  const field = page.getByTestId('local-path-input');
  const panel = page.getByRole('tabpanel');

  // Act + Assert: a folder without config.json, then a path that does not exist.
  await field.fill(run().local.not_a_model);
  await page.getByTestId('register-btn').click();
  await expect(panel).toContainText(notAModel.message);
  await field.fill(run().local.missing);
  await page.getByTestId('register-btn').click();
  await expect(panel).toContainText(missing.message);
  await recordState(page, 'local-path-refused');

  // Act + Assert: a model folder is listed at once, ready, with its path as its source.
  await field.fill(run().local.valid);
  await page.getByTestId('register-btn').click();
  const modelCard = card(page, path.basename(run().local.valid));
  await expect(statusOf(modelCard)).toHaveText(/ready/i);
  await expect(modelCard).toContainText(run().local.valid);

  // Act + Assert: deleting a local model keeps its folder, which miLLM does not manage.
  await modelCard.getByTestId('delete-btn').click();
  await page.getByTestId('confirm-delete-btn').click();
  await expect(modelCard).toHaveCount(0);
  expect(existsSync(path.join(run().local.valid, 'config.json'))).toBe(true);
});
