import { readFileSync } from 'node:fs';
import { configTable, withConfigTable } from '../../../src/config-doc.js';
import { EnvSchema } from '../../../src/config.js';

describe('the configuration table of docs/operating.md', () => {
  const doc = readFileSync('docs/operating.md', 'utf8');

  it('is generated from EnvSchema (regenerate with `npm run docs`)', () => {
    expect(doc).toBe(withConfigTable(doc, configTable()));
  });

  it('names every variable, each with a description', () => {
    for (const [name, schema] of Object.entries(EnvSchema.shape)) {
      expect(doc).toContain(`| \`${name}\` |`);
      expect({ name, description: (schema as { description?: string }).description ?? '' }).toEqual({ name, description: expect.stringMatching(/\S/) });
    }
  });
});
