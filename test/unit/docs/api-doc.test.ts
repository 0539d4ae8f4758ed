import { readFileSync } from 'node:fs';
import { renderApiMarkdown } from '../../../src/api/openapi-markdown.js';
import { servedOpenApi } from '../../support/served-openapi.js';

describe('docs/api.md', () => {
  it('is the markdown of the OpenAPI document the API serves (regenerate with `npm run docs`)', async () => {
    const generated = renderApiMarkdown(await servedOpenApi());
    expect(readFileSync('docs/api.md', 'utf8')).toBe(generated);
    // and it says something: every seed route is in it
    for (const route of ['## POST /exchange', '## PUT /exchange/{system_id}', '## DELETE /exchange/{system_id}']) expect(generated).toContain(route);
  });
});
