import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { run } from './helpers/run';

const committed = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'openapi.json');

test('the running gateway serves the OpenAPI document the UI types are generated from', async ({ request }) => {
  // Arrange
  const expected: unknown = JSON.parse(readFileSync(committed, 'utf8'));

  // Act
  const response = await request.get(`${run().gateway_url}/api/openapi.json`);

  // Assert
  expect(response.status()).toBe(200);
  expect(await response.json(), 'frontend/openapi.json is stale: regenerate it and the types').toEqual(expected);
});
