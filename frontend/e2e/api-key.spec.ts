import { expect, test } from '@playwright/test';
import { api, control, removeModel, waitForModel } from './helpers/api';
import { modelName, run } from './helpers/run';
import { card, statusOf } from './helpers/ui';

const repo = () => run().repos.api_key;
let keyed: { url: string; api_key: string } | undefined;

test.beforeEach(async () => {
  // A model on the shared database, so the keyed page has something to list once the key is accepted.
  await api('POST', '/api/models', { source: 'huggingface', repo_id: repo(), quantization: 'Q4' });
  await waitForModel(repo(), (m) => m?.status === 'ready');
  keyed = (await control('keyed-gateway/start')) as unknown as { url: string; api_key: string };
});

test.afterEach(async () => {
  await control('keyed-gateway/stop');
  await removeModel(repo());
});

test('a gateway with an API key asks for it, says when it is wrong, and keeps it for the session', async ({
  page,
}) => {
  // Arrange
  const { url, api_key: key } = keyed!;
  const [status, refused] = await api('GET', '/api/models', undefined, url, 'not-the-key');
  expect(status).toBe(401);

  // Act: the first 401 opens the dialog; a wrong key first.
  await page.goto(url);
  const field = page.getByTestId('api-key-input');
  await expect(field).toBeVisible();
  await field.fill('not-the-key');
  await field.press('Enter');

  // Assert
  const wrongKey = new RegExp(`${refused.error!.message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}|wrong|invalid`, 'i');
  await expect(page.getByRole('dialog')).toContainText(wrongKey);

  // Act: the right key.
  await field.fill(key);
  await field.press('Enter');

  // Assert: the list loads, the key is kept for the session, and a reload does not ask again.
  await expect(field).toBeHidden();
  await expect(statusOf(card(page, modelName(repo())))).toHaveText(/ready/i);
  // The socket takes the key too (handshake auth.token): live updates connect.
  await expect(page.getByText(/\bconnected\b/i).first()).toBeVisible();
  expect(await page.evaluate(() => JSON.stringify({ ...sessionStorage }))).toContain(key);
  expect(await page.evaluate(() => JSON.stringify({ ...localStorage }))).not.toContain(key);
  await page.reload();
  await expect(card(page, modelName(repo()))).toBeVisible();
  await expect(page.getByTestId('api-key-input')).toHaveCount(0);
});
