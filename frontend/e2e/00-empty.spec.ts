// Runs first (files run in alphabetical order on one worker), while the launcher's database is still empty.
import { expect, test } from '@playwright/test';
import { models } from './helpers/api';
import { openModels, recordState } from './helpers/ui';

test('a fresh install shows no models and the live CPU worker', async ({ page }) => {
  // Arrange
  const existing = await models();

  // Act
  await openModels(page);

  // Assert
  expect(existing).toEqual([]);
  await expect(page.getByTestId('model-card')).toHaveCount(0);
  await expect(page.getByTestId('gpu-panel')).toContainText(/cpu/i);
  await recordState(page, 'empty');
});
