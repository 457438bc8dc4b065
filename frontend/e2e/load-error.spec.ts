import { expect, test } from '@playwright/test';
import { api, removeModel, waitForModel } from './helpers/api';
import { modelName, run } from './helpers/run';
import { card, openModels, recordState, statusOf } from './helpers/ui';

const repo = () => run().repos.broken;

test.afterEach(async () => {
  await removeModel(repo());
});

test('a model whose weights do not match its config fails to load and shows why, at which stage, and Load again', async ({
  page,
}) => {
  // Arrange: downloaded, ready.
  await api('POST', '/api/models', { source: 'huggingface', repo_id: repo(), quantization: 'Q4' });
  await waitForModel(repo(), (m) => m?.status === 'ready');
  await openModels(page);
  const modelCard = card(page, modelName(repo()));

  // Act
  await modelCard.getByTestId('load-btn').click();

  // Assert: the card shows the API's message and the stage, and offers to load again.
  const failed = await waitForModel(repo(), (m) => m?.error_stage === 'load', 60_000);
  await expect(statusOf(modelCard)).toHaveText(/error/i);
  await expect(modelCard).toContainText(failed!.error_message!);
  await expect(modelCard).toContainText(/load/i);
  await expect(modelCard.getByTestId('load-btn')).toBeEnabled();
  await recordState(page, 'error');
});
