// zod issues as the { field, reason } pairs every 400 of the API and the registry names.
import type { z } from 'zod';

export interface FieldIssue {
  field: string;
  reason: string;
}

export interface FieldIssueOptions {
  /** The value parsed: the field of an issue about all of it, and the prefix of the others unless it is 'body'. */
  root?: string;
  /** List positions as `users[0]` (the API), or as `org_ids.1` (what the registry has always answered). */
  indexes?: 'brackets' | 'dots';
}

/**
 * zod issues → [{ field: 'kubeconfig.users[0].user.exec', reason }]; the reason never quotes the input. Parse with
 * `reportInput: true`: a missing field ("is required") is told from a wrong type by issue.input.
 */
export function toFieldIssues(error: z.ZodError, { root = 'body', indexes = 'brackets' }: FieldIssueOptions = {}): FieldIssue[] {
  return error.issues.map((issue) => {
    const path = issue.path
      .map((p, i) => (typeof p === 'number' && indexes === 'brackets' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
      .join('')
      .replace(/\.\[/g, '[');
    const field = [root === 'body' ? '' : root, path].filter(Boolean).join('.') || root;
    let reason = issue.message;
    if (issue.code === 'unrecognized_keys') reason = `unknown field(s): ${issue.keys.join(', ')}`;
    else if (issue.code === 'invalid_type' && issue.input === undefined) reason = 'is required';
    return { field, reason };
  });
}
