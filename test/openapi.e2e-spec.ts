import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildOpenApiDocumentOffline } from '../src/openapi';

describe('openapi.json', () => {
  it('is up to date with the code (run `npm run openapi` after changing an endpoint)', async () => {
    const committed = JSON.parse(readFileSync(join(__dirname, '..', 'openapi.json'), 'utf8'));
    expect(await buildOpenApiDocumentOffline()).toEqual(committed);
  });
});
