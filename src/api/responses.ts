// Answers more than one router sends: registry records (the registry's own routes and GET /exchange) and the
// 202 of an operation still running (every mutation of /exchange).
import { z } from 'zod';
import { json } from '../http/documented-router.js';

export const uuid = z.uuid();

/** Switches the service turned on with a request's values because a key of the request needs them. */
export const impliedFields = {
  implied: z
    .record(z.string(), z.union([z.literal(true), z.string()]))
    .optional()
    .meta({
      description: 'Present when the request needed a switch it did not send: each switch the service turned on with it, and `because` (why).',
      example: { 'config.cluster.enabled': true, because: 'config.cluster.replicas > 1' },
    }),
  implied_switches: z
    .array(z.object({ key: z.string(), value: z.literal(true), because: z.string() }))
    .optional()
    .meta({ description: 'The same, one entry per switch.' }),
};

export function impliedAnswer(implied: ReadonlyArray<{ key: string; value: true; because: string }> | undefined): {
  implied?: Record<string, true | string>;
  implied_switches?: Array<{ key: string; value: true; because: string }>;
} {
  if (!implied?.length) return {};
  const map: Record<string, true | string> = {};
  for (const s of implied) map[s.key] = true;
  map.because = [...new Set(implied.map((s) => s.because))].join('; ');
  return { implied: map, implied_switches: implied.map((s) => ({ key: s.key, value: true as const, because: s.because })) };
}

export const workflowFields = {
  operation_id: z.string().meta({ description: 'Id of this operation (the workflow run); poll /exchange/{system_id}/operations/{operation_id}.' }),
  workflow_id: z.string().meta({ description: 'Temporal workflow id (exchange-<system_id>).' }),
  workflow_url: z.string().meta({ description: 'The workflow in the Temporal Web UI.' }),
};

// the registry's own answers, shown by GET /exchange too
export { Backbone, BackboneList } from '../registry/responses.js';

export const OperationAccepted = z
  .object({
    success: z.literal(true),
    status: z.literal('running'),
    system_id: uuid,
    release_name: z.string().optional(),
    namespace: z.string().optional(),
    operation_id: workflowFields.operation_id,
    status_url: z.string().meta({ description: 'Relative URL to poll for the outcome.', example: '/exchange/7b6f0f0e-6a2b-4c1e-9d7a-2f3c4b5a6d7e/operations/0d9c…' }),
    workflow_id: workflowFields.workflow_id,
    workflow_url: workflowFields.workflow_url,
  })
  .openapi('OperationAccepted');

/** The 202 of a mutation: started and still running. */
export const accepted = json(OperationAccepted, 'Started and still running: poll `status_url`. Answered for `Prefer: respond-async`, or when the operation outlasts the synchronous wait.', {
  headers: {
    Location: { description: 'The status URL.', schema: { type: 'string' } },
    'Preference-Applied': { description: '`respond-async` when the Prefer header was honoured.', schema: { type: 'string' } },
  },
});

export const preferHeader = z.object({
  Prefer: z
    .string()
    .optional()
    .meta({ description: '`respond-async`: answer 202 as soon as the operation started, with a status URL to poll.', example: 'respond-async' }),
});
