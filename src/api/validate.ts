import type { Request } from 'express';
import type { z } from 'zod';
import { toFieldIssues } from '../domain/field-issues.js';
import { ValidationError } from '../http/errors.js';

/** Parses one part of the request with its schema; a failure becomes a 400 naming every bad field. */
export function parsePart<S extends z.ZodType>(schema: S, req: Request, part: 'body' | 'params' | 'query'): z.output<S> {
  const value: unknown = part === 'body' ? (req.body ?? undefined) : req[part];
  if (part === 'body' && (value === undefined || typeof value !== 'object' || value === null || Array.isArray(value))) {
    throw new ValidationError([{ field: 'body', reason: 'must be a JSON object' }]);
  }
  const parsed = schema.safeParse(value, { reportInput: true }); // toFieldIssues tells "is required" from a wrong type by issue.input
  if (!parsed.success) throw new ValidationError(toFieldIssues(parsed.error, { root: part }));
  return parsed.data;
}
