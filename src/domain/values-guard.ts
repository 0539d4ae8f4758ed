// One decision over a request's helm values, used by the API before a workflow starts and by the worker again
// with the release's deployed values: the operator's policy (which keys a caller may set), the chart's schema
// (over the merged values: base + current + new) and the chart rules (keys that would change nothing).
import { readFileSync } from 'node:fs';
import yaml from 'js-yaml';
import { deepMerge, isPlainObject, type Values } from './values.js';
import { describeIneffective, ineffectiveOverrides } from './chart-rules.js';
import { loadValuesPolicy, type PolicyViolation, type ValuesPolicy } from './values-policy.js';
import { loadValuesSchema, type ValuesIssue, type ValuesSchema } from './values-schema.js';

export interface ValuesGuard {
  base: Values;
  schema: ValuesSchema | null;
  policy: ValuesPolicy;
}

export interface ValuesRefusal {
  status: 400 | 422;
  type: 'InvalidValues' | 'ValuesPolicy' | 'IneffectiveOverride';
  message: string;
  issues: Array<ValuesIssue | PolicyViolation | { path: string; reason: string }>;
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

/**
 * Why these overrides (expanded) cannot be applied over `current` (the release's overrides; {} for a deploy), or
 * null. `currentKnown: false` (the API on a PUT, which does not read the cluster) skips the check that needs the
 * release's values to be right; the worker runs it again with them.
 */
export function refuseValues(guard: ValuesGuard, requested: Values, current: Values = {}, opts: { currentKnown?: boolean } = {}): ValuesRefusal | null {
  const violations = guard.policy.check(requested);
  if (violations.length) {
    return {
      status: 422,
      type: 'ValuesPolicy',
      message: `Refused by the values policy: ${violations.map((v) => `${v.path} (rule ${v.rule}: ${v.reason})`).join('; ')}`,
      issues: violations,
    };
  }
  const merged = deepMerge(deepMerge(guard.base, current), requested);
  const issues = guard.schema?.check(merged) ?? [];
  if (issues.length) {
    return { status: 400, type: 'InvalidValues', message: `Invalid helm_values: ${issues.map((i) => `${i.path} ${i.reason}`).join('; ')}`, issues };
  }
  const ineffective = opts.currentKnown === false ? [] : ineffectiveOverrides(requested, merged);
  if (ineffective.length) {
    return {
      status: 422,
      type: 'IneffectiveOverride',
      message: describeIneffective(ineffective),
      issues: ineffective.map((i) => ({ path: i.key, reason: `has no effect while ${i.requires} is false` })),
    };
  }
  return null;
}
