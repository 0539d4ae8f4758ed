// The layers the architecture promises, as lint rules (eslint.config.js applies them; test/unit/docs/layers.test.ts
// shows each zone refusing a wrong-way import). Paths are from the project root.
export const layerZones = [
  {
    target: './src/api',
    from: './activities',
    message: 'The API never imports activities/: it runs no helm and reads no cluster (the worker does).',
  },
  {
    target: './src/domain',
    from: ['./src/api', './src/temporal', './src/registry', './src/main', './workflows', './activities'],
    message: 'src/domain is the pure core: it imports nothing from the processes, the workflows or the activities.',
  },
  {
    target: './src/registry',
    from: ['./src/api', './activities', './workflows'],
    message: 'The registry may run on its own (or be external): it does not import the API, the activities or the workflows.',
  },
];

/** Modules with I/O the pure domain may not import (node:crypto is pure computation and stays allowed). */
export const domainForbiddenModules = ['node:fs', 'node:fs/promises', 'fs', 'node:http', 'node:https', 'http', 'https', 'node:net', 'net', 'node:child_process', 'child_process', 'node:dns', 'express', 'axios', 'execa', 'mongodb', 'better-sqlite3'];

export function layerRules() {
  return [
    { rules: { 'import-x/no-restricted-paths': ['error', { zones: layerZones }] } },
    {
      files: ['src/domain/**/*.ts'],
      rules: {
        'no-restricted-imports': ['error', { paths: domainForbiddenModules.map((name) => ({ name, message: 'src/domain does no I/O: load files in configuration, talk HTTP in the API or the activities.' })) }],
      },
    },
  ];
}
