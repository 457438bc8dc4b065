import { expect, test } from '@playwright/test';
import { api, errorOf, modelOf } from './helpers/api';
import { run } from './helpers/run';
import { openModels, preview } from './helpers/ui';

test('an invalid repo id is refused inline with the seed message, before any request', async ({ page }) => {
  // Arrange
  await openModels(page);
  const previews: string[] = [];
  page.on('request', (request) => {
    if (request.url().includes('/api/models/preview')) previews.push(request.url());
  });

  // Act
  await page.getByTestId('repo-input').fill('not a repo id!');
  await page.getByTestId('repo-input').press('Enter');

  // Assert
  await expect(page.getByText(/invalid format/i)).toBeVisible();
  await expect(page.getByRole('dialog')).toHaveCount(0);
  expect(previews).toEqual([]);
});

test('a repo the hub does not have is reported with the API message', async ({ page }) => {
  // Arrange
  const missing = await errorOf('/api/models/preview', { repo_id: run().repos.missing });
  expect(missing.code).toBe('REPO_NOT_FOUND');
  await openModels(page);

  // Act
  await page.getByTestId('repo-input').fill(run().repos.missing);
  await page.getByTestId('preview-btn').click();

  // Assert
  await expect(page.getByText(missing.message).first()).toBeVisible();
  expect(await modelOf(run().repos.missing)).toBeUndefined();
});

test('a repo that needs remote code is previewed with the reason it cannot be loaded', async ({ page }) => {
  // Arrange
  const [status, envelope] = await api<{ unsupported_reason: string | null }>('POST', '/api/models/preview', {
    repo_id: run().repos.remote_code,
  });
  expect(status).toBe(200);
  const reason = envelope.data.unsupported_reason ?? '';
  expect(reason).not.toBe('');
  await openModels(page);

  // Act
  const dialog = await preview(page, run().repos.remote_code);

  // Assert
  await expect(dialog).toContainText(reason);
  expect(await modelOf(run().repos.remote_code)).toBeUndefined();
});
