// Helm value overrides: the API accepts the seed's dotted keys ("config.jetstream.enabled": true) and nested
// objects. They are expanded here into one nested object that is written to a values file (never `--set`
// strings), so commas, dots, types and nulls survive exactly.
import { MAX_VALUES_DEPTH } from './limits.js';

export type Values = Record<string, unknown>;

export class ValuesError extends Error {
  constructor(
    readonly key: string,
    readonly reason: string,
  ) {
    super(`helm_values.${key}: ${reason}`);
    this.name = 'ValuesError';
  }
}

const FORBIDDEN_SEGMENTS = new Set(['__proto__', 'prototype', 'constructor']);

export function isPlainObject(v: unknown): v is Values {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;
}

/** Splits a dotted key; `\.` keeps a literal dot (as helm's --set does), e.g. `podLabels.app\.kubernetes\.io/name`. */
export function splitDottedKey(key: string): string[] {
  const segments: string[] = [];
  let current = '';
  for (let i = 0; i < key.length; i++) {
    const ch = key[i];
    if (ch === '\\' && key[i + 1] === '.') {
      current += '.';
      i++;
    } else if (ch === '.') {
      segments.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  segments.push(current);
  return segments;
}

/**
 * Expands dotted keys into nested objects, recursively, merging with nested objects given directly.
 * Throws ValuesError when two keys disagree (`a: 1` and `a.b: 2`), a segment is empty or unsafe.
 */
export function expandDottedKeys(input: Values, path: string[] = [], depth = 0): Values {
  if (depth > MAX_VALUES_DEPTH) throw new ValuesError(path.join('.'), `nesting deeper than ${MAX_VALUES_DEPTH} levels`);
  const out: Values = {};
  for (const [rawKey, rawValue] of Object.entries(input)) {
    const segments = splitDottedKey(rawKey);
    const where = [...path, rawKey].join('.');
    for (const s of segments) {
      if (s === '') throw new ValuesError(where, 'empty key segment');
      if (FORBIDDEN_SEGMENTS.has(s)) throw new ValuesError(where, `key segment '${s}' is not allowed`);
    }
    const value = isPlainObject(rawValue) ? expandDottedKeys(rawValue, [...path, rawKey], depth + 1) : rawValue;
    let target = out;
    for (const s of segments.slice(0, -1)) {
      const existing = target[s];
      if (existing === undefined) {
        const child: Values = {};
        target[s] = child;
        target = child;
      } else if (isPlainObject(existing)) {
        target = existing;
      } else {
        throw new ValuesError(where, `conflicts with a non-object value set for '${s}'`);
      }
    }
    const leaf = segments[segments.length - 1] as string;
    const existing = target[leaf];
    if (existing === undefined) {
      target[leaf] = value;
    } else if (isPlainObject(existing) && isPlainObject(value)) {
      target[leaf] = mergeDisjoint(existing, value, where);
    } else {
      throw new ValuesError(where, 'set twice with different shapes');
    }
  }
  return out;
}

/** Joins two expansions of one request: they may share objects but must not both set the same leaf. */
function mergeDisjoint(a: Values, b: Values, where: string): Values {
  const out: Values = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const existing = out[k];
    if (existing === undefined) out[k] = v;
    else if (isPlainObject(existing) && isPlainObject(v)) out[k] = mergeDisjoint(existing, v, `${where}.${k}`);
    else throw new ValuesError(`${where}.${k}`, 'set twice with different shapes');
  }
  return out;
}

/** Helm's coalescing for maps: objects merge key by key, anything else (arrays, scalars, null) replaces. */
export function deepMerge(base: Values, override: Values): Values {
  const out: Values = { ...base };
  for (const [k, v] of Object.entries(override)) {
    const b = out[k];
    out[k] = isPlainObject(b) && isPlainObject(v) ? deepMerge(b, v) : v;
  }
  return out;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && deepEqual(a[k], b[k]));
  }
  return false;
}

/**
 * The overrides a release carries beyond the base values file. `helm get values` returns base + overrides
 * coalesced into one object; whatever differs from the current base is treated as an override, so an update
 * keeps every earlier override (a PUT that changes replicas does not switch JetStream off) while untouched base
 * keys follow the current base file.
 */
export function retainedOverrides(currentUserValues: Values, baseValues: Values): Values {
  const out: Values = {};
  for (const [k, v] of Object.entries(currentUserValues)) {
    const b = baseValues[k];
    if (isPlainObject(v) && isPlainObject(b)) {
      const nested = retainedOverrides(v, b);
      if (Object.keys(nested).length > 0) out[k] = nested;
    } else if (!deepEqual(v, b)) {
      out[k] = v;
    }
  }
  return out;
}
