// One zod schema per route, shaped { params, body }. They are the only validation the API does, and they run
// the same pure checks the worker runs again (kubeconfig policy, value expansion), so a request that passes
// here does not fail later for a reason the caller could have been told at once.
import { z } from 'zod';
import { KubeconfigError, resolveKubeconfig, type KubeconfigPolicy } from '../domain/kubeconfig.js';
import { expandDottedKeys, ValuesError } from '../domain/values.js';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const ID_TOKEN = /^[A-Za-z0-9][A-Za-z0-9._:@-]*$/;

const k8sName = (max: number) =>
  z
    .string({ error: 'must be a string' })
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`)
    .regex(DNS_LABEL, 'must be a Kubernetes name: lower-case letters, digits and "-", starting and ending with a letter or digit');

export const releaseName = k8sName(53);
export const namespace = k8sName(63).default('communication');
export const systemIdParam = z.object({ system_id: z.uuid({ error: 'must be a UUID' }) });

const objectOf = (what: string) =>
  z.custom<Record<string, unknown>>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), { error: `must be ${what}` });

function kubeconfigField(policy: KubeconfigPolicy) {
  return z.unknown().superRefine((value, ctx) => {
    if (value === undefined || value === null) {
      ctx.addIssue({ code: 'custom', message: 'is required' });
      return;
    }
    try {
      resolveKubeconfig(value, policy);
    } catch (err) {
      if (!(err instanceof KubeconfigError)) throw err;
      for (const issue of err.issues) ctx.addIssue({ code: 'custom', message: issue.reason, path: issue.path ? [issue.path] : [] });
    }
  });
}

const MAX_VALUES_JSON = 256 * 1024;
const MAX_JSON_DEPTH = 32;

interface Crumb {
  key: string;
  up: Crumb | undefined;
}

/**
 * The first node of a free-form JSON value (helm_values, metadata) that cannot travel on: an Infinity (JSON.parse
 * turns 1e400 into one, and every serializer after us would turn it into null) or nesting so deep that
 * JSON.stringify overflows the stack. Walked without recursion, so the check itself cannot overflow.
 */
function unserializableNode(value: unknown): { path: string; reason: string } | undefined {
  const stack: [unknown, Crumb | undefined, number][] = [[value, undefined, 0]];
  const at = (crumb: Crumb | undefined) => {
    const keys: string[] = [];
    for (let c = crumb; c; c = c.up) keys.unshift(c.key);
    return keys.join('.').replace(/\.\[/g, '[');
  };
  while (stack.length > 0) {
    const [v, crumb, depth] = stack.pop() as [unknown, Crumb | undefined, number];
    if (typeof v === 'number' && !Number.isFinite(v)) {
      return { path: at(crumb), reason: 'must be a finite number (1e400 and the like parse as Infinity, which would be stored as null)' };
    }
    if (typeof v !== 'object' || v === null) continue;
    if (depth >= MAX_JSON_DEPTH) return { path: at(crumb), reason: `nesting deeper than ${MAX_JSON_DEPTH} levels` };
    if (Array.isArray(v)) v.forEach((x, i) => stack.push([x, { key: `[${i}]`, up: crumb }, depth + 1]));
    else for (const [k, x] of Object.entries(v)) stack.push([x, { key: k, up: crumb }, depth + 1]);
  }
  return undefined;
}

const helmValues = objectOf('an object of helm value overrides').superRefine((value, ctx) => {
  const bad = unserializableNode(value);
  if (bad) {
    ctx.addIssue({ code: 'custom', message: bad.reason, path: bad.path ? [bad.path] : [] });
    return;
  }
  if (JSON.stringify(value).length > MAX_VALUES_JSON) {
    ctx.addIssue({ code: 'custom', message: `must be at most ${MAX_VALUES_JSON} bytes as JSON` });
    return;
  }
  try {
    expandDottedKeys(value);
  } catch (err) {
    if (!(err instanceof ValuesError)) throw err;
    ctx.addIssue({ code: 'custom', message: err.reason, path: [err.key] });
  }
});

const orgIds = z
  .union([z.string({ error: 'must be a string' }), z.array(z.string({ error: 'must be a string' }))], { error: 'must be a string (comma-separated) or a list of strings' })
  .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter(Boolean))
  .pipe(
    z
      .array(z.string().max(128, 'each org id must be at most 128 characters').regex(ID_TOKEN, 'each org id must be letters, digits and . _ : @ -'))
      .min(1, 'must name at least one organization')
      .max(100, 'must name at most 100 organizations'),
  );

const filter = z.string().min(1, 'must not be empty').max(256, 'must be at most 256 characters').optional();

export const listExchangesQuery = z.strictObject({
  org_id: filter,
  cluster_id: filter,
  namespace: filter,
  name: filter,
  limit: z.coerce.number({ error: 'must be a number' }).int('must be an integer').min(1, 'must be at least 1').max(500, 'must be at most 500').default(100),
  cursor: z.string().min(1).max(1024, 'must be at most 1024 characters').optional(),
});

export const operationParams = z.object({
  system_id: z.uuid({ error: 'must be a UUID' }),
  // operation ids are Temporal run ids (UUIDs)
  operation_id: z.uuid({ error: 'must be a UUID' }),
});

const flag = z.enum(['true', 'false'], { error: 'must be true or false' }).transform((v) => v === 'true');

/**
 * POST/PUT /exchange query: `dry_run=true` previews the change instead of making it, `manifests=true` adds each
 * rendered object. Strict: a misspelt flag (`dryrun=true`) must not turn a preview into the real change.
 */
export const mutationQuery = z
  .strictObject({
    dry_run: flag.optional().meta({ description: '`true`: change nothing, answer what the change would do (a preview).' }),
    manifests: flag.optional().meta({ description: '`true` (with dry_run): include every rendered object in full (Secret values hidden).' }),
  })
  .superRefine((q, ctx) => {
    if (q.manifests && !q.dry_run) ctx.addIssue({ code: 'custom', message: 'is only allowed with dry_run=true', path: ['manifests'] });
  });

export function createSchemas(policy: KubeconfigPolicy) {
  const kubeconfig = kubeconfigField(policy);
  return {
    listExchanges: { query: listExchangesQuery },
    getExchange: { params: systemIdParam },
    getOperation: { params: operationParams },
    createExchange: {
      query: mutationQuery,
      body: z.strictObject({
        kubeconfig,
        helm_values: helmValues,
        release_name: releaseName,
        org_ids: orgIds,
        cluster_id: z.string({ error: 'must be a string' }).min(1, 'must not be empty').max(128, 'must be at most 128 characters').regex(ID_TOKEN, 'must be letters, digits and . _ : @ -'),
        name: z.string({ error: 'must be a string' }).trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters'),
        namespace,
        metadata: objectOf('an object')
          .superRefine((value, ctx) => {
            const bad = unserializableNode(value);
            if (bad) ctx.addIssue({ code: 'custom', message: bad.reason, path: bad.path ? [bad.path] : [] });
          })
          .default({}),
      }),
    },
    updateExchange: {
      params: systemIdParam,
      query: mutationQuery,
      body: z.strictObject({ kubeconfig, release_name: releaseName, helm_values: helmValues, namespace }),
    },
    rollbackExchange: {
      params: systemIdParam,
      body: z.strictObject({
        kubeconfig,
        release_name: releaseName,
        namespace,
        revision: z
          .number({ error: 'must be a number' })
          .int('must be an integer')
          .min(1, 'must be at least 1')
          .max(2147483647, 'must be at most 2147483647')
          .meta({ description: 'The helm revision to return to (see POST /exchange/{system_id}/revisions/query).' }),
      }),
    },
    queryRevisions: {
      params: systemIdParam,
      body: z.strictObject({ kubeconfig, release_name: releaseName, namespace }),
    },
    cancelOperation: {
      params: systemIdParam,
      body: z.strictObject({ kubeconfig, release_name: releaseName, namespace }),
    },
    removeExchange: {
      params: systemIdParam,
      body: z.strictObject({
        kubeconfig,
        release_name: releaseName,
        namespace,
        // helm uninstall leaves the JetStream claims (the chart sets no retention); true deletes them too
        delete_data: z.boolean().default(false).meta({ description: 'Also delete the exchange’s JetStream PersistentVolumeClaims (default: keep them)' }),
      }),
    },
  };
}

export type Schemas = ReturnType<typeof createSchemas>;
export type CreateExchangeBody = z.output<Schemas['createExchange']['body']>;
export type UpdateExchangeBody = z.output<Schemas['updateExchange']['body']>;
export type RemoveExchangeBody = z.output<Schemas['removeExchange']['body']>;
