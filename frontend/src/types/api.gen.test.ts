// The committed types must be exactly what openapi-typescript makes of the committed
// openapi.json (which the gateway's own test keeps equal to what it serves).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import openapiTS, { astToString, type OpenAPI3 } from 'openapi-typescript';

const root = path.resolve(__dirname, '..', '..');

describe('src/types/api.gen.ts', () => {
  it('is what `npm run gen:api` generates from openapi.json', async () => {
    // Arrange
    const document = JSON.parse(readFileSync(path.join(root, 'openapi.json'), 'utf8')) as OpenAPI3;
    const committed = readFileSync(path.join(root, 'src/types/api.gen.ts'), 'utf8');

    // Act
    const generated = astToString(await openapiTS(document));

    // Assert: the CLI adds a header comment before the generated code.
    const body = (text: string) => text.slice(text.indexOf('export ')).trim();
    expect(body(committed), 'src/types/api.gen.ts is stale: run `npm run gen:api`').toBe(body(generated));
  }, 30_000);
});
