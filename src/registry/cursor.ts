// The one cursor codec of both stores: a page ends at (created_at, system_id), written as base64url JSON with a tag
// naming the store's format, so a cursor of one store is refused by the other instead of misread.
import { BackboneInvalidCursorError } from './types.js';

export function encodeCursor(tag: string, createdAt: string, systemId: string): string {
  return Buffer.from(JSON.stringify([tag, createdAt, systemId]), 'utf8').toString('base64url');
}

/** [created_at, system_id] of a cursor this store (tag) wrote; BackboneInvalidCursorError for anything else. */
export function decodeCursor(tag: string, cursor: string): [string, string] {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && parsed.length === 3 && parsed[0] === tag) {
      const [, createdAt, systemId] = parsed as unknown[];
      if (typeof createdAt === 'string' && typeof systemId === 'string' && isIso(createdAt)) return [createdAt, systemId];
    }
  } catch {
    // fall through
  }
  throw new BackboneInvalidCursorError();
}

/** created_at as the stores write it (ISO-8601, fixed width): anything else is not a cursor of ours. */
function isIso(s: string): boolean {
  const d = new Date(s);
  return !Number.isNaN(d.getTime()) && d.toISOString() === s;
}
