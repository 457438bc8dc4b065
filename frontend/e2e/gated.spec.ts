import { expect, test } from '@playwright/test';
import { errorOf, removeModel } from './helpers/api';
import { modelName, run } from './helpers/run';
import { card, openModels, preview, recordState, statusOf } from './helpers/ui';

const repo = () => run().repos.gated;

test.afterEach(async () => {
  await removeModel(repo());
});

test('a gated repo asks for a token in the preview, says a wrong one is refused, and downloads with a good one', async ({
  page,
}) => {
  // Arrange: what the API says to a wrong token, which the dialog must show.
  const request = { source: 'huggingface', repo_id: repo(), quantization: 'Q4' };
  const wrong = await errorOf('/api/models', { ...request, hf_token: run().tokens.wrong });
  expect(wrong.code).toBe('INVALID_HF_TOKEN');
  await openModels(page);

  // Act: preview without a token and try to download.
  const dialog = await preview(page, repo());
  await expect(dialog).toContainText(/gated/i);
  await dialog.getByTestId('download-btn').click();

  // Assert: the dialog asks for a token, in a field the browser does not keep.
  const token = dialog.getByTestId('token-input');
  await expect(token).toBeVisible();
  await expect(token).toHaveAttribute('type', 'password');
  await recordState(page, 'gated-asks-for-token');

  // Act + Assert: a wrong token is refused with the API's message.
  await token.fill(run().tokens.wrong);
  await dialog.getByTestId('download-btn').click();
  await expect(dialog).toContainText(wrong.message);

  // Act + Assert: the good token downloads the model.
  await token.fill(run().tokens.gated);
  await dialog.getByTestId('download-btn').click();
  const modelCard = card(page, modelName(repo()));
  await expect(statusOf(modelCard)).toHaveText(/ready/i, { timeout: 30_000 });
});
