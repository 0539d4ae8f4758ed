// Writes the configuration table of docs/operating.md (between its markers) from EnvSchema (npm run docs).
import { readFileSync, writeFileSync } from 'node:fs';
import { configTable, withConfigTable } from '../src/config-doc.js';

writeFileSync('docs/operating.md', withConfigTable(readFileSync('docs/operating.md', 'utf8'), configTable()));
console.log('wrote the configuration table of docs/operating.md');
