// One decision over a request's helm values, used by the API before a workflow starts and by the worker again
// with the release's deployed values: the operator's policy (which keys a caller may set, over the request's and
// the retained values), the chart rules (switches a key needs, implied; contradictions refused) and the chart's
// schema (over the merged values: base + retained + new).
import { readFileSync } from 'node:fs';
import yaml from 'js-yaml';
import { deepMerge, isPlainObject, type Values } from './values.js';
import { impliedSwitches, withImplied, type ImpliedSwitch } from './chart-rules.js';
import { loadValuesPolicy, type PolicyViolation, type ValuesPolicy } from './values-policy.js';
import { loadValuesSchema, type ValuesIssue, type ValuesSchema } from './values-schema.js';

export interface ValuesGuard {
  base: Values;
  schema: ValuesSchema | null;
  policy: ValuesPolicy;
}

export interface ValuesRefusal {
  status: 400 | 422;
  type: 'InvalidValues' | 'ValuesPolicy' | 'ContradictoryValues';
  message: string;
  issues: Array<ValuesIssue | PolicyViolation | { path: string; reason: string }>;
}

/** What a request's values become: the overrides to apply (the request's, with the switches it needs). */
export interface ResolvedValues {
  values: Values;
  implied: ImpliedSwitch[];
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
 * The request's overrides (expanded) as they will be applied over `retained` (the release's overrides; {} for a
 * deploy): the switches they need turned on (implied), or why they cannot be applied. The policy runs over
 * retained + requested (what reaches helm from a caller, whoever wrote it), the schema over base + retained +
 * requested. `currentKnown: false` (the API on a PUT, which does not read the cluster) implies nothing: the worker
 * resolves again with the release's values.
 */
export function resolveValues(guard: ValuesGuard, requested: Values, retained: Values = {}, opts: { currentKnown?: boolean } = {}): ResolvedValues | ValuesRefusal {
  const overrides = deepMerge(retained, requested);
  const violations = guard.policy.check(overrides, requested);
  if (violations.length) {
    return {
      status: 422,
      type: 'ValuesPolicy',
      message: `Refused by the values policy: ${violations
        .map((v) => `${v.path}${v.source === 'retained' ? ' (kept from the deployed release)' : ''} (rule ${v.rule}: ${v.reason})`)
        .join('; ')}`,
      issues: violations,
    };
  }
  const current = deepMerge(guard.base, retained);
  const { implied, contradictions } = impliedSwitches(requested, deepMerge(current, requested));
  if (contradictions.length) {
    return {
      status: 422,
      type: 'ContradictoryValues',
      message: contradictions.map((c) => `${c.key} needs ${c.switch}, which the same request sets to false: send one of them`).join('; '),
      issues: contradictions.map((c) => ({ path: c.key, reason: `needs ${c.switch}, which the same request sets to false`, conflicts_with: c.switch })),
    };
  }
  const resolved = opts.currentKnown === false ? requested : withImplied(requested, implied);
  const issues = guard.schema?.check(deepMerge(current, resolved)) ?? [];
  if (issues.length) {
    return { status: 400, type: 'InvalidValues', message: `Invalid helm_values: ${issues.map((i) => `${i.path} ${i.reason}`).join('; ')}`, issues };
  }
  return { values: resolved, implied: opts.currentKnown === false ? [] : implied };
}

export function isRefusal(r: ResolvedValues | ValuesRefusal): r is ValuesRefusal {
  return 'status' in r;
}
