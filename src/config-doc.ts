// The configuration table of docs/operating.md, generated from EnvSchema: every variable the processes read, its
// default and its description (`.describe()` in config.ts). scripts/config-doc.ts writes it; a unit test fails
// when the committed table differs.
import { EnvSchema } from './config.js';

export const CONFIG_TABLE_BEGIN = '<!-- configuration table: generated from EnvSchema by `npm run docs` -->';
export const CONFIG_TABLE_END = '<!-- end of configuration table -->';

export function configTable(): string {
  const defaults = EnvSchema.parse({}) as Record<string, unknown>;
  const rows = Object.entries(EnvSchema.shape).map(([name, schema]) => {
    const d = defaults[name];
    const shown = d === undefined ? '—' : `\`${typeof d === 'string' ? d : JSON.stringify(d)}\``;
    const description = (schema as { description?: string }).description ?? '';
    return `| \`${name}\` | ${shown} | ${description.replace(/\|/g, '\\|')} |`;
  });
  return ['| variable | default | meaning |', '|---|---|---|', ...rows].join('\n');
}

/** `doc` with the text between the markers replaced by `table`. */
export function withConfigTable(doc: string, table: string): string {
  const a = doc.indexOf(CONFIG_TABLE_BEGIN);
  const b = doc.indexOf(CONFIG_TABLE_END);
  if (a < 0 || b < a) throw new Error('docs/operating.md has no configuration table markers');
  return `${doc.slice(0, a + CONFIG_TABLE_BEGIN.length)}\n${table}\n${doc.slice(b)}`;
}
