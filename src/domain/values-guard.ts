// One decision over a request's helm values, used by the API before a workflow starts and by the worker again
// with the release's deployed values: the operator's policy (which keys a caller may set, over the request's and
// the retained values), the chart rules (switches a key needs, implied; contradictions refused) and the chart's
// schema (over the merged values: base + retained + new).
import { deepMerge, type Values } from './values.js';
import { impliedSwitches, withImplied, type ImpliedSwitch } from './chart-rules.js';
import type { PolicyViolation, ValuesPolicy } from './values-policy.js';
import type { ValuesIssue, ValuesSchema } from './values-schema.js';

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

/** What a request's values become: the request's with the switches it needs, and those over the retained ones. */
export interface ResolvedValues {
  values: Values;
  implied: ImpliedSwitch[];
  /** retained + values: the overrides helm gets after the base values. */
  overrides: Values;
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
  return { values: resolved, implied: opts.currentKnown === false ? [] : implied, overrides: deepMerge(retained, resolved) };
}

export function isRefusal(r: ResolvedValues | ValuesRefusal): r is ValuesRefusal {
  return 'status' in r;
}
