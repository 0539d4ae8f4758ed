// Writes docs/api.md from the OpenAPI document the API serves (npm run docs).
import { writeFileSync } from 'node:fs';
import { renderApiMarkdown } from '../src/api/openapi-markdown.js';
import { servedOpenApi } from '../test/support/served-openapi.js';

writeFileSync('docs/api.md', renderApiMarkdown(await servedOpenApi()));
console.log('wrote docs/api.md');
