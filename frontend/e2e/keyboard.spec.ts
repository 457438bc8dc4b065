import { expect, test } from '@playwright/test';
import { removeModel } from './helpers/api';
import { modelName, run } from './helpers/run';
import { card, focusIsVisible, openModels, statusOf, tabTo } from './helpers/ui';

const repo = () => run().repos.keyboard;

test.afterEach(async () => {
  await removeModel(repo());
});

test('a model is downloaded, loaded, unloaded and deleted with the keyboard alone', async ({ page }) => {
  // Arrange
  await openModels(page);
  const modelCard = card(page, modelName(repo()));

  // Act + Assert: type the repo, Enter previews, and the dialog's Download is reachable by Tab.
  await tabTo(page, page.getByTestId('repo-input'));
  await page.keyboard.type(repo());
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog');
  await expect(dialog).toBeVisible();
  await tabTo(page, dialog.getByTestId('download-btn'));
  await page.keyboard.press('Enter');
  await expect(statusOf(modelCard)).toHaveText(/ready/i, { timeout: 30_000 });

  // Act + Assert: load and unload.
  await tabTo(page, modelCard.getByTestId('load-btn'));
  expect.soft(await focusIsVisible(page), 'the focused Load button shows a focus ring').toBe(true);
  await page.keyboard.press('Enter');
  await expect(statusOf(modelCard)).toHaveText(/loaded/i, { timeout: 60_000 });
  await tabTo(page, modelCard.getByTestId('unload-btn'));
  await page.keyboard.press('Enter');
  await expect(statusOf(modelCard)).toHaveText(/ready/i, { timeout: 30_000 });

  // Act + Assert: delete, confirming in the dialog, whose focus is trapped.
  await tabTo(page, modelCard.getByTestId('delete-btn'));
  await page.keyboard.press('Enter');
  await tabTo(page, page.getByTestId('confirm-delete-btn'), 10);
  await page.keyboard.press('Enter');
  await expect(modelCard).toHaveCount(0);
});
