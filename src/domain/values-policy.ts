// The operator's values policy (chart/values-policy.yaml by default): which helm value keys a caller may set.
// Evaluated on every key of the values that reach helm from a caller — the request's and those retained from the
// release in the caller's own cluster — before any workflow starts and again on the worker. The file format is
// documented at its top.
//
// Two layers:
//  1. a floor in this code that no policy file can lower: keys that the chart would render as a template
//     (`$tplYaml`, `$tplYamlSpread`, `{{`), strings with control characters (the chart renders several values
//     unquoted, so a newline is YAML injection), and typed image fields (an image tag is a tag);
//  2. the file: `allowed` (an allow-list of key globs; any key no entry matches is refused) and `rules` (deny
//     rules evaluated first, to carve dangerous corners out of an allowed area, or allow rules that pass a key).
// An allow-list rather than a growing deny-list: the chart exposes `merge`/`patch` hooks on every object, so a
// deny-list has to foresee every path to the pod spec; an allow-list only has to name what tenants need.
import picomatch from 'picomatch';
import yaml from 'js-yaml';
import { z } from 'zod';
import { leafPaths, valueAt } from './chart-rules.js';
import { MAX_VALUES_DEPTH } from './limits.js';
import type { Values } from './values.js';

const RuleSchema = z.object({
  name: z.string().min(1),
  paths: z.array(z.string().min(1)).min(1),
  action: z.enum(['deny', 'allow']),
  contains: z.string().optional(),
  reason: z.string().default('not allowed by the values policy'),
});

const PolicySchema = z.object({
  templateStrings: z.enum(['deny', 'allow']).default('deny'),
  /** Globs of the keys callers may set; empty or absent = every key not denied by a rule (no allow-list). */
  allowed: z.array(z.string().min(1)).default([]),
  rules: z.array(RuleSchema).default([]),
});

export type ValuesPolicyDocument = z.infer<typeof PolicySchema>;

export interface PolicyViolation {
  /** Dotted key path the caller set. */
  path: string;
  rule: string;
  reason: string;
  /** Where the key came from: the request, or the release's values kept from its last deployed revision. */
  source?: 'request' | 'retained';
}

// {{ … }} is Go template syntax; $tplYaml is the chart's own hook that renders a string as a template
const TEMPLATE = /\{\{|\$tplYaml/;
// a key the chart's tplYaml helper treats as a template marker, or one carrying template syntax
const TEMPLATE_KEY = /^\$tpl|\{\{/;
// C0 controls and DEL: the chart renders image fields and others unquoted, so a newline injects YAML
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f\u2028\u2029]/;

/** Typed leaves: the chart renders these unquoted into the pod spec, so only their own syntax is accepted. */
const TYPED: Array<{ glob: string; pattern: RegExp; reason: string }> = [
  { glob: '**/image/tag', pattern: /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, reason: 'must be an image tag ([A-Za-z0-9_][A-Za-z0-9_.-]{0,127})' },
  { glob: '**/image/digest', pattern: /^sha256:[a-f0-9]{64}$/, reason: 'must be an image digest (sha256:<64 hex>)' },
  { glob: '**/image/pullPolicy', pattern: /^(Always|IfNotPresent|Never)$/, reason: 'must be Always, IfNotPresent or Never' },
];
const TYPED_MATCHERS = TYPED.map((t) => ({ ...t, match: picomatch(t.glob, { dot: true }) }));

export class ValuesPolicy {
  private readonly compiled: Array<{ rule: ValuesPolicyDocument['rules'][number]; match: (p: string) => boolean; contains?: RegExp }>;
  private readonly allowed: ((p: string) => boolean) | null;

  constructor(readonly document: ValuesPolicyDocument) {
    this.compiled = document.rules.map((rule) => ({
      rule,
      match: picomatch(rule.paths, { dot: true }),
      contains: rule.contains ? new RegExp(rule.contains) : undefined,
    }));
    this.allowed = document.allowed.length ? picomatch(document.allowed, { dot: true }) : null;
  }

  /**
   * Every refused key of `values` (expanded), with the rule that refused it. `requested` (the request's own
   * overrides, when `values` also holds retained ones) marks each violation's source.
   */
  check(values: Values, requested: Values = values): PolicyViolation[] {
    const out: PolicyViolation[] = [];
    for (const path of leafPaths(values)) {
      const v = this.checkLeaf(path, valueAt(values, path));
      if (v) out.push({ ...v, source: valueAt(requested, path) === undefined ? 'retained' : 'request' });
    }
    return out;
  }

  private checkLeaf(path: string[], value: unknown): Omit<PolicyViolation, 'source'> | null {
    const dotted = path.join('.');
    // values read back from a cluster were never expanded (which bounds a request's nesting): refuse, never skip
    const inside = contentsOf(value);
    if (path.length + inside.depth > MAX_VALUES_DEPTH) return { path: dotted, rule: 'nesting', reason: `is nested deeper than ${MAX_VALUES_DEPTH} levels` };
    const keys = [...path, ...inside.keys];
    if (keys.some((k) => TEMPLATE_KEY.test(k)))
      return { path: dotted, rule: 'templateKeys', reason: 'a key is a template marker ($tplYaml, $tplYamlSpread) or holds template syntax, which the chart would render on the worker' };
    if (keys.some((k) => CONTROL.test(k))) return { path: dotted, rule: 'controlCharacters', reason: 'a key contains a control character' };
    // the chart templates keys as well as values
    const strings = [...inside.keys, ...inside.strings];
    if (this.document.templateStrings === 'deny' && strings.some((s) => TEMPLATE.test(s)))
      return { path: dotted, rule: 'templateStrings', reason: 'contains template syntax ({{ … }} or $tplYaml), which the chart would render on the worker' };
    if (strings.some((s) => CONTROL.test(s)))
      return { path: dotted, rule: 'controlCharacters', reason: 'contains a control character (newline, tab, …); the chart renders values unquoted' };
    // "/" separates segments for the globs; a "/" inside a key (a label name) just adds a segment
    const globPath = path.join('/');
    for (const t of TYPED_MATCHERS) {
      if (t.match(globPath) && !(typeof value === 'string' && t.pattern.test(value))) return { path: dotted, rule: 'typedValue', reason: t.reason };
    }
    const json = JSON.stringify(value) ?? '';
    for (const c of this.compiled) {
      if (!c.match(globPath)) continue;
      if (c.contains && !c.contains.test(json)) continue;
      if (c.rule.action === 'deny') return { path: dotted, rule: c.rule.name, reason: c.rule.reason };
      return null;
    }
    if (this.allowed && !this.allowed(globPath)) {
      return { path: dotted, rule: 'allowed', reason: 'is not among the keys callers may set (GET /chart/policy lists them)' };
    }
    return null;
  }
}

/**
 * One walk over a value: the keys of every map inside it (inside lists too), its strings, and how deep maps and
 * lists nest (0 for a scalar). Stops descending past the nesting limit.
 */
function contentsOf(value: unknown): { keys: string[]; strings: string[]; depth: number } {
  const keys: string[] = [];
  const strings: string[] = [];
  const walk = (v: unknown, level: number): number => {
    if (typeof v === 'string') strings.push(v);
    if (typeof v !== 'object' || v === null || level > MAX_VALUES_DEPTH) return 0;
    if (!Array.isArray(v)) keys.push(...Object.keys(v));
    let deepest = 0;
    for (const child of Array.isArray(v) ? v : Object.values(v)) deepest = Math.max(deepest, walk(child, level + 1));
    return 1 + deepest;
  };
  return { keys, strings, depth: walk(value, 0) };
}

export function parseValuesPolicy(text: string, source: string): ValuesPolicy {
  const parsed = PolicySchema.safeParse(yaml.load(text));
  if (!parsed.success) {
    throw new Error(`values policy ${source} is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  for (const r of parsed.data.rules) {
    if (r.contains) {
      try {
        new RegExp(r.contains);
      } catch {
        throw new Error(`values policy ${source}: rule ${r.name} has an invalid 'contains' pattern`);
      }
    }
  }
  return new ValuesPolicy(parsed.data);
}
