import { resolve } from 'node:path';
import type { ValuesGuard } from '../../src/domain/values-guard.js';
import { createValuesGuard } from '../../src/values-loaders.js';

// The workflow and e2e tiers run against servers that scripts/test.sh starts. Missing settings are an error,
// never a skip: a suite that silently skips its real tier proves nothing.
export function requireEnv(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the suite with \`npm test\` (scripts/test.sh starts Temporal and the test cluster)`);
  return v;
}

export function testEnv() {
  return {
    temporalAddress: requireEnv('TEMPORAL_ADDRESS'),
    kubeconfigPath: requireEnv('TEST_KUBECONFIG'),
    kubeServer: requireEnv('TEST_KUBE_SERVER'),
    helmBin: requireEnv('HELM_BIN'),
    chart: requireEnv('TEST_CHART'),
    payloadKeys: requireEnv('PAYLOAD_KEYS'),
  };
}

/** Release and namespace names unique per test, valid as Kubernetes names. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`.slice(0, 40);
}

/** helm values whose pods can never be scheduled (no node has this label), so they never become Ready. */
export const NEVER_READY = { podTemplate: { merge: { spec: { nodeSelector: { 'ned-test/no-such-node': 'true' } } } } };

let guard: ValuesGuard | undefined;

/** The values guard the processes build at start, from the project's own files (chart 2.14.2). */
export function testValuesGuard(): ValuesGuard {
  guard ??= createValuesGuard({
    baseValuesPath: resolve('values.yaml'),
    chartVersion: '2.14.2',
    schemaDir: resolve('chart'),
    schemaOptOut: false,
    policyPath: resolve('chart/values-policy.yaml'),
  });
  return guard;
}
