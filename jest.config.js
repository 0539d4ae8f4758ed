// ESM + ts-jest: execa 9 and the Temporal bundler need real ESM (see README "Development").
const common = {
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }] },
  testEnvironment: 'node',
};

/** @type {import('jest').Config} */
export default {
  // the workflow and e2e tiers drive real helm runs against a real API server
  testTimeout: 180_000,
  // Used only with --coverage, which only `npm run test:workflow-fast` passes: jest 29 reads these from the root
  // config, not from a project. The figure counts what the workflow sandbox executed (test/workflow-fast/support/coverage.ts).
  collectCoverageFrom: ['workflows/**/*.ts'],
  coverageThreshold: { './workflows/': { lines: 95 } },
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    { ...common, displayName: 'workflow', testMatch: ['<rootDir>/test/workflow/**/*.test.ts'] },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.test.ts'] },
    // workflows with mocked activities on a real Temporal server, plus replay of recorded histories (seconds, not minutes)
    { ...common, displayName: 'workflow-fast', testMatch: ['<rootDir>/test/workflow-fast/**/*.test.ts'] },
    // faults on the real stack (registry, worker, Temporal, API, kube-apiserver outages; concurrency), each row in
    // $FAULTS_REPORT; `npm run faults` runs the full sizes (FAULTS_FULL=1), `npm test` the bounded form
    { ...common, displayName: 'faults', testMatch: ['<rootDir>/test/faults/**/*.test.ts'] },
  ],
};
