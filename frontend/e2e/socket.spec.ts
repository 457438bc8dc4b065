import { expect, test } from '@playwright/test';
import { cachedFiles, control, models, rateLimit, removeModel } from './helpers/api';
import { modelName, run } from './helpers/run';
import { card, openModels, progressOf, recordState, statusOf } from './helpers/ui';

const repo = () => run().repos.socket;
let gatewayStopped = false;

test.afterEach(async () => {
  await rateLimit(repo(), null);
  if (gatewayStopped) await control('gateway/start');
  gatewayStopped = false;
  await removeModel(repo());
});

declare global {
  interface Window {
    sameDocument?: boolean;
  }
}

test('when the gateway goes away and comes back, the page reconnects by itself and shows what happened meanwhile', async ({
  page,
}) => {
  // Arrange: a download under way, on a page that must not be reloaded.
  await rateLimit(repo(), 128 * 1024);
  await openModels(page);
  await page.getByTestId('repo-input').fill(repo());
  await page.getByTestId('download-btn').click();
  const modelCard = card(page, modelName(repo()));
  await expect.poll(() => progressOf(modelCard), { timeout: 30_000 }).toBeGreaterThan(0);
  await page.evaluate(() => {
    window.sameDocument = true;
  });

  // Act: the gateway stops; the download finishes while it is away; the gateway comes back.
  await control('gateway/stop');
  gatewayStopped = true;
  await expect(page.getByText(/reconnecting|offline/i).first()).toBeVisible();
  await recordState(page, 'gateway-away');
  await rateLimit(repo(), null);
  await expect
    .poll(() => cachedFiles(repo()).some((file) => file.startsWith('snapshots')), { timeout: 60_000 })
    .toBe(true);
  await control('gateway/start');
  gatewayStopped = false;

  // Assert: the same page shows the model ready and the list as the API has it.
  await expect(statusOf(modelCard)).toHaveText(/ready/i, { timeout: 30_000 });
  await expect(page.getByText(/reconnecting|offline/i)).toHaveCount(0);
  await expect(page.getByText(/\bconnected\b/i).first()).toBeVisible();
  await expect(page.getByTestId('model-card')).toHaveCount((await models()).length);
  expect(await page.evaluate(() => window.sameDocument)).toBe(true);
});
