// The one canonical JSON of the project: object keys sorted, bounded in size and depth. Digests of manifests and
// the registry's comparison of metadata both use it.

import { MAX_DOCUMENT_DEPTH } from './limits.js';

export class CanonicalJsonError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CanonicalJsonError';
  }
}

/** Canonical JSON is bounded: YAML aliases could make a small document expand without end. */
const MAX_CANONICAL_CHARS = 32 * 1024 * 1024;

/**
 * JSON with object keys sorted (recursively), no whitespace, array order kept; keys whose value is undefined are
 * left out (as JSON.stringify does). Two objects with the same content give the same text.
 */
export function canonicalJson(value: unknown): string {
  const parts: string[] = [];
  let size = 0;
  const emit = (s: string) => {
    size += s.length;
    if (size > MAX_CANONICAL_CHARS) throw new CanonicalJsonError(`an object is larger than ${MAX_CANONICAL_CHARS} characters as JSON`);
    parts.push(s);
  };
  const walk = (v: unknown, depth: number): void => {
    if (depth > MAX_DOCUMENT_DEPTH) throw new CanonicalJsonError(`an object is nested deeper than ${MAX_DOCUMENT_DEPTH} levels`);
    if (v === null || typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string') {
      emit(JSON.stringify(typeof v === 'number' && !Number.isFinite(v) ? null : v));
    } else if (Array.isArray(v)) {
      emit('[');
      v.forEach((x, i) => {
        if (i) emit(',');
        walk(x === undefined ? null : x, depth + 1);
      });
      emit(']');
    } else if (v instanceof Date) {
      emit(JSON.stringify(v.toISOString()));
    } else if (typeof v === 'object') {
      emit('{');
      let first = true;
      for (const k of Object.keys(v).sort()) {
        const x = (v as Record<string, unknown>)[k];
        if (x === undefined) continue;
        if (!first) emit(',');
        first = false;
        emit(`${JSON.stringify(k)}:`);
        walk(x, depth + 1);
      }
      emit('}');
    } else {
      emit('null');
    }
  };
  walk(value, 0);
  return parts.join('');
}
