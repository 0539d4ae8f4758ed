// The operator's values policy (chart/values-policy.yaml by default): which helm value keys a caller may set.
// Evaluated on every key a request sets, before any workflow starts. The file format is documented at its top.
import { readFileSync } from 'node:fs';
import picomatch from 'picomatch';
import yaml from 'js-yaml';
import { z } from 'zod';
import { leafPaths, valueAt } from './chart-rules.js';
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
  rules: z.array(RuleSchema).default([]),
});

export type ValuesPolicyDocument = z.infer<typeof PolicySchema>;

export interface PolicyViolation {
  /** Dotted key path the caller set. */
  path: string;
  rule: string;
  reason: string;
}

// {{ … }} is Go template syntax; $tplYaml is the chart's own hook that renders a string as a template
const TEMPLATE = /\{\{|\$tplYaml/;

export class ValuesPolicy {
  private readonly compiled: Array<{ rule: ValuesPolicyDocument['rules'][number]; match: (p: string) => boolean; contains?: RegExp }>;

  constructor(readonly document: ValuesPolicyDocument) {
    this.compiled = document.rules.map((rule) => ({
      rule,
      match: picomatch(rule.paths, { dot: true }),
      contains: rule.contains ? new RegExp(rule.contains) : undefined,
    }));
  }

  /** Every refused key of `requested` (expanded overrides), with the rule that refused it. */
  check(requested: Values): PolicyViolation[] {
    const out: PolicyViolation[] = [];
    for (const path of leafPaths(requested)) {
      const dotted = path.join('.');
      const value = valueAt(requested, path);
      const json = JSON.stringify(value) ?? '';
      if (this.document.templateStrings === 'deny' && stringsIn(value).some((s) => TEMPLATE.test(s))) {
        out.push({ path: dotted, rule: 'templateStrings', reason: 'contains template syntax ({{ … }} or $tplYaml), which the chart would render on the worker' });
        continue;
      }
      // "/" separates segments for the globs; a "/" inside a key (a label name) just adds a segment
      const globPath = path.join('/');
      for (const c of this.compiled) {
        if (!c.match(globPath)) continue;
        if (c.contains && !c.contains.test(json)) continue;
        if (c.rule.action === 'deny') out.push({ path: dotted, rule: c.rule.name, reason: c.rule.reason });
        break;
      }
    }
    return out;
  }
}

/** Every string in a value, keys of nested maps included (the chart templates both). */
function stringsIn(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.flatMap(stringsIn);
  if (v && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => [k, ...stringsIn(x)]);
  return [];
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

export function loadValuesPolicy(path: string): ValuesPolicy {
  return parseValuesPolicy(readFileSync(path, 'utf8'), path);
}
