// Loading the values guard's files at start (configuration, not domain): the base values, the chart's values schema
// for the pinned version and the operator's values policy. A base values file that fails the schema, or a chart
// version without a schema, stops the process.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import type { ValuesGuard } from './domain/values-guard.js';
import { parseValuesPolicy, type ValuesPolicy } from './domain/values-policy.js';
import { ValuesSchema } from './domain/values-schema.js';
import { isPlainObject } from './domain/values.js';

export function loadValuesPolicy(path: string): ValuesPolicy {
  return parseValuesPolicy(readFileSync(path, 'utf8'), path);
}

export class ValuesSchemaMissing extends Error {}

/**
 * The schema for a chart version from `dir`, or null when the operator opted out. A version without a schema
 * file stops the process unless opted out: unvalidated values are how typos deploy "successfully".
 */
export function loadValuesSchema(dir: string, chartVersion: string, opts: { optOut?: boolean } = {}): ValuesSchema | null {
  const file = join(dir, `nats-${chartVersion}.values.schema.json`);
  if (!existsSync(file)) {
    if (opts.optOut) return null;
    throw new ValuesSchemaMissing(
      `no values schema for nats chart ${chartVersion} (${file}); generate one with scripts/values-schema.ts, or set VALUES_SCHEMA=off to deploy without validation`,
    );
  }
  return new ValuesSchema(JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>, chartVersion);
}

export interface ValuesGuardSettings {
  baseValuesPath: string;
  chartVersion: string;
  schemaDir: string;
  /** VALUES_SCHEMA=off: deploy without a schema (for a chart version the project has none for). */
  schemaOptOut: boolean;
  policyPath: string;
}

/** Loads and cross-checks everything at start: a base values file that fails the schema stops the process. */
export function createValuesGuard(s: ValuesGuardSettings): ValuesGuard {
  const loaded = yaml.load(readFileSync(s.baseValuesPath, 'utf8'));
  const base = isPlainObject(loaded) ? loaded : {};
  const schema = loadValuesSchema(s.schemaDir, s.chartVersion, { optOut: s.schemaOptOut });
  const baseIssues = schema?.check(base) ?? [];
  if (baseIssues.length) throw new Error(`base values ${s.baseValuesPath} fail the chart schema: ${baseIssues.map((i) => `${i.path} ${i.reason}`).join('; ')}`);
  return { base, schema, policy: loadValuesPolicy(s.policyPath) };
}
