// /exchange — the seed's contract (POST/PUT/DELETE) plus the read side. Mutations: validate, start the
// workflow under the exchange's id, wait (up to a limit), answer in the seed's shape; extra fields carry the
// workflow id and a link to it in the Temporal Web UI. `Prefer: respond-async` (or a wait past the limit)
// answers 202 with a URL to poll. Every route acts for the caller's principal: its roles and orgs decide what it
// may see and change (access.ts, exchange-access.ts).
import { Router, type Request, type Response } from 'express';
import { v5 as uuidv5 } from 'uuid';
import type { ExchangeOperations, OperationFailure, OperationPending, Outcome } from '../temporal/exchange-operations.js';
import type { DeployExchangeResult } from '../../workflows/shared.js';
import { expandDottedKeys } from '../domain/values.js';
import { resolveKubeconfig, type KubeconfigPolicy } from '../domain/kubeconfig.js';
import { CAN, foreignOrg, principalOf, requireRole } from './access.js';
import { clusterFingerprint } from './cluster-fingerprint.js';
import { HttpError } from './errors.js';
import { ExchangeAccess, notFound, type ExchangeDirectory, type OperationOwner } from './exchange-access.js';
import { createRevisionRoutes } from './revision-routes.js';
import { createSchemas } from './schemas.js';
import { OrgLimiter } from './org-limits.js';
import { refuseValues, type ValuesGuard } from '../domain/values-guard.js';
import { parsePart } from './validate.js';

export type { ExchangeDirectory } from './exchange-access.js';

export interface ExchangeRouteDeps {
  operations: ExchangeOperations;
  directory?: ExchangeDirectory;
  kubeconfigPolicy: KubeconfigPolicy;
  temporalUiUrl: string;
  temporalNamespace: string;
  /** Longest synchronous wait before answering 202; undefined = wait until the workflow ends. */
  syncWaitMs?: number;
  /** The values policy and chart schema every POST/PUT passes before a workflow starts. */
  valuesGuard?: ValuesGuard;
  /** Deploys and updates in flight per org before 429 (0 or unset = no limit; DELETE is never limited). */
  orgMaxOperations?: number;
}

// Fixed namespace for exchange ids: the same (cluster, namespace, release) always gets the same system_id, so
// concurrent POSTs of one release meet on one workflow id and only one of them deploys.
const EXCHANGE_ID_NAMESPACE = '4f1c2a67-8a0e-4e53-9a57-0c2b5d7e1f30';

export function exchangeSystemId(clusterId: string, namespace: string, releaseName: string): string {
  return uuidv5(`${clusterId}\n${namespace}\n${releaseName}`, EXCHANGE_ID_NAMESPACE);
}

function prefersAsync(req: Request): boolean {
  return /(^|[,;\s])respond-async([,;\s]|$)/i.test(String(req.headers.prefer ?? ''));
}

export function createExchangeRouter(deps: ExchangeRouteDeps): Router {
  const schemas = createSchemas(deps.kubeconfigPolicy);
  const access = new ExchangeAccess(deps.directory, (systemId) => deps.operations.status(systemId));
  const router = Router();
  const workflowUrl = (workflowId: string) =>
    `${deps.temporalUiUrl}/namespaces/${encodeURIComponent(deps.temporalNamespace)}/workflows/${encodeURIComponent(workflowId)}`;
  const statusPath = (systemId: string, runId: string) => `/exchange/${systemId}/operations/${runId}`;
  const fail = (res: Response, f: OperationFailure, extra: Record<string, unknown>) =>
    res.status(f.status).json({ success: false, error: f.error, error_type: f.type, ...extra, workflow_id: f.workflowId, workflow_url: workflowUrl(f.workflowId) });
  const accepted = (req: Request, res: Response, systemId: string, p: OperationPending, extra: Record<string, unknown>) => {
    const path = statusPath(systemId, p.runId);
    res.setHeader('Location', path);
    if (prefersAsync(req)) res.setHeader('Preference-Applied', 'respond-async');
    res.status(202).json({
      success: true,
      status: 'running',
      system_id: systemId,
      ...extra,
      operation_id: p.runId,
      status_url: path,
      workflow_id: p.workflowId,
      workflow_url: workflowUrl(p.workflowId),
    });
  };
  const runOptions = (req: Request) => ({ waitMs: prefersAsync(req) ? 0 : deps.syncWaitMs });
  // only the context helm will use travels into the workflow (and, encrypted, into its history)
  const minimalKubeconfig = (raw: unknown) => resolveKubeconfig(raw, deps.kubeconfigPolicy).minimal;
  /** 400/422 before anything starts when the operator's policy or the chart's schema refuses the values. */
  const checkValues = (raw: Record<string, unknown>, opts: { currentKnown?: boolean } = {}) => {
    const values = expandDottedKeys(raw);
    const refusal = deps.valuesGuard ? refuseValues(deps.valuesGuard, values, {}, opts) : null;
    if (refusal) throw new HttpError(refusal.status, refusal.message, { error_type: refusal.type, details: refusal.issues.map((i) => ({ field: `helm_values.${i.path}`, ...i })) });
    return values;
  };
  const limiter = new OrgLimiter(deps.orgMaxOperations ?? 0);
  const limited = <T>(res: Response, orgIds: string[], run: () => Promise<Outcome<T>>) => limiter.run(res, orgIds, run);
  const isPending = <T>(o: Outcome<T>): o is OperationPending => {
    return o.ok === 'pending';
  };
  /** An operation that started (not one refused as busy) is remembered as the orgs' own, for status reads. */
  const remember = <T>(o: Outcome<T>, owner: OperationOwner) => {
    if (o.runId) access.owners.remember(o.runId, owner);
  };
  const logOutcome = <T>(req: Request, res: Response, operation: string, systemId: string, o: Outcome<T>) => {
    const fields = { operation, system_id: systemId, principal: principalOf(res).name, workflow_id: o.workflowId, workflow_url: workflowUrl(o.workflowId) };
    if (o.ok === true) req.log.info(fields, `${operation} succeeded`);
    else if (o.ok === 'pending') req.log.info(fields, `${operation} accepted, still running`);
    else req.log.warn({ ...fields, error_type: o.type, status: o.status }, `${operation} failed`);
  };
  // previews (?dry_run=true), revisions and rollback: src/api/revision-routes.ts
  const revisions = createRevisionRoutes({ operations: deps.operations, schemas, access, workflowUrl, fail, accepted, runOptions, minimalKubeconfig, remember, logOutcome });
  router.use(revisions.router);

  router.post('/', requireRole(CAN.mutateExchanges), async (req, res) => {
    const flags = parsePart(schemas.createExchange.query, req, 'query');
    const body = parsePart(schemas.createExchange.body, req, 'body');
    const foreign = foreignOrg(principalOf(res), body.org_ids);
    if (foreign) throw new HttpError(403, `Forbidden: not a member of organization '${foreign}'`, { error_type: 'Forbidden', org_id: foreign });
    const helmValues = checkValues(body.helm_values);
    const systemId = exchangeSystemId(body.cluster_id, body.namespace, body.release_name);
    // the registry knows this exchange already: answer at once, nothing to start
    const existing = await deps.directory?.get(systemId);
    if (existing) {
      throw new HttpError(409, `Exchange '${body.release_name}' already exists in namespace '${body.namespace}' of cluster '${body.cluster_id}'`, {
        error_type: 'ExchangeAlreadyExists',
        existing_system_id: systemId,
        system_id: systemId,
      });
    }
    const kubeconfig = minimalKubeconfig(body.kubeconfig);
    // the registry record keeps it, so later changes can be held to the same cluster
    const fingerprint = clusterFingerprint(kubeconfig);
    const target = { systemId, kubeconfig, releaseName: body.release_name, namespace: body.namespace, helmValues };
    if (flags.dry_run) return revisions.preview(req, res, { ...target, mode: 'install', manifests: flags.manifests === true });
    const owner: OperationOwner = { orgIds: body.org_ids, releaseName: body.release_name, namespace: body.namespace, clusterFingerprint: fingerprint };
    // while this request waits, a DELETE by the same orgs may cancel the deploy (ExchangeAccess.forChange)
    const answered = access.owners.waitingFor(systemId, owner);
    let outcome: Outcome<DeployExchangeResult>;
    try {
      outcome = await limited(res, body.org_ids, () => deps.operations.deploy(
        {
          systemId,
          kubeconfig,
          clusterFingerprint: fingerprint,
          releaseName: body.release_name,
          namespace: body.namespace,
          helmValues,
          orgIds: body.org_ids,
          clusterId: body.cluster_id,
          name: body.name,
          metadata: body.metadata,
        },
        runOptions(req),
      ));
    } finally {
      answered();
    }
    remember(outcome, owner);
    logOutcome(req, res, 'deploy', systemId, outcome);
    const ids = { release_name: body.release_name, namespace: body.namespace };
    if (isPending(outcome)) return accepted(req, res, systemId, outcome, ids);
    if (outcome.ok === false) return fail(res, outcome, { system_id: systemId, existing_system_id: outcome.status === 409 ? systemId : undefined, ...ids });
    const r = outcome.result;
    res.status(200).json({
      success: true,
      system_id: r.systemId,
      release_name: r.releaseName,
      namespace: r.namespace,
      public_url: r.publicUrl,
      revision: r.revision,
      operation_id: outcome.runId,
      workflow_id: outcome.workflowId,
      workflow_url: workflowUrl(outcome.workflowId),
    });
  });

  router.put('/:system_id', requireRole(CAN.mutateExchanges), async (req, res) => {
    const { system_id } = parsePart(schemas.updateExchange.params, req, 'params');
    const flags = parsePart(schemas.updateExchange.query, req, 'query');
    const body = parsePart(schemas.updateExchange.body, req, 'body');
    // the release's current values live in the cluster: the worker checks again with them
    const helmValues = checkValues(body.helm_values, { currentKnown: false });
    const kubeconfig = minimalKubeconfig(body.kubeconfig);
    const owner = await access.forChange(principalOf(res), system_id, {
      releaseName: body.release_name,
      namespace: body.namespace,
      clusterFingerprint: clusterFingerprint(kubeconfig),
    });
    const target = { systemId: system_id, kubeconfig, releaseName: body.release_name, namespace: body.namespace, helmValues };
    if (flags.dry_run) return revisions.preview(req, res, { ...target, mode: 'upgrade', manifests: flags.manifests === true });
    const outcome = await limited(res, owner.orgIds, () => deps.operations.update(
      {
        systemId: system_id,
        kubeconfig,
        releaseName: body.release_name,
        namespace: body.namespace,
        helmValues,
      },
      runOptions(req),
    ));
    remember(outcome, owner);
    logOutcome(req, res, 'update', system_id, outcome);
    if (isPending(outcome)) return accepted(req, res, system_id, outcome, { release_name: body.release_name });
    if (outcome.ok === false) return fail(res, outcome, { system_id, release_name: body.release_name });
    res.status(200).json({
      success: true,
      message: `Exchange '${body.release_name}' updated successfully`,
      system_id,
      revision: outcome.result.revision,
      operation_id: outcome.runId,
      workflow_id: outcome.workflowId,
      workflow_url: workflowUrl(outcome.workflowId),
    });
  });

  router.delete('/:system_id', requireRole(CAN.mutateExchanges), async (req, res) => {
    const { system_id } = parsePart(schemas.removeExchange.params, req, 'params');
    const body = parsePart(schemas.removeExchange.body, req, 'body');
    const kubeconfig = minimalKubeconfig(body.kubeconfig);
    // a deploy still running has no record yet: DELETE may still cancel it (ExchangeAccess.forChange)
    const owner = await access.forChange(
      principalOf(res),
      system_id,
      { releaseName: body.release_name, namespace: body.namespace, clusterFingerprint: clusterFingerprint(kubeconfig) },
      { runningDeploy: true },
    );
    const outcome = await deps.operations.remove(
      { systemId: system_id, kubeconfig, releaseName: body.release_name, namespace: body.namespace, deleteData: body.delete_data },
      runOptions(req),
    );
    remember(outcome, owner);
    logOutcome(req, res, 'remove', system_id, outcome);
    if (isPending(outcome)) return accepted(req, res, system_id, outcome, { release_name: body.release_name });
    if (outcome.ok === false) return fail(res, outcome, { system_id, release_name: body.release_name });
    const volumes = outcome.result.volumes ?? { action: 'kept' as const, claims: [] };
    const note = !volumes.claims.length
      ? 'the exchange had no JetStream volumes'
      : volumes.action === 'kept'
        ? `${volumes.claims.length} JetStream volume claim(s) kept with their data; DELETE with "delete_data": true removes them, and a new exchange with this release name would reuse them`
        : `${volumes.claims.length} JetStream volume claim(s) deleted with their data`;
    res.status(200).json({
      success: true,
      // the seed's message, unchanged; what happened to the data is in `volumes`
      message: `Exchange '${body.release_name}' removed from cluster and DB`,
      system_id,
      release_uninstalled: outcome.result.releaseUninstalled,
      record_deleted: outcome.result.recordDeleted,
      volumes: { ...volumes, note },
      operation_id: outcome.runId,
      workflow_id: outcome.workflowId,
      workflow_url: workflowUrl(outcome.workflowId),
    });
  });

  // cancels the exchange's running deploy or update (its saga undoes what it did) without deleting anything else
  router.post('/:system_id/cancel', requireRole(CAN.mutateExchanges), async (req, res) => {
    const { system_id } = parsePart(schemas.cancelOperation.params, req, 'params');
    const body = parsePart(schemas.cancelOperation.body, req, 'body');
    const target = { releaseName: body.release_name, namespace: body.namespace, clusterFingerprint: clusterFingerprint(minimalKubeconfig(body.kubeconfig)) };
    await access.forChange(principalOf(res), system_id, target, { runningDeploy: true });
    const c = await deps.operations.cancel(system_id);
    if (!c) throw new HttpError(409, `Nothing is running on exchange '${system_id}'`, { error_type: 'NothingToCancel', system_id });
    req.log.info({ system_id, principal: principalOf(res).name, cancelled: c.operation, status: c.status }, 'operation cancelled');
    res.json({ success: true, system_id, cancelled_operation: c.operation, status: c.status, operation_id: c.runId, workflow_id: c.workflowId, workflow_url: workflowUrl(c.workflowId) });
  });

  router.get('/', requireRole(CAN.readExchanges), async (req, res) => {
    const q = parsePart(schemas.listExchanges.query, req, 'query');
    if (!deps.directory) throw new HttpError(501, 'No registry is configured to list exchanges from');
    const { limit, cursor, ...filter } = q;
    const page = await deps.directory.list(access.listFilter(principalOf(res), filter), { limit, cursor });
    res.json({ success: true, items: page.items, next_cursor: page.next_cursor });
  });

  router.get('/:system_id', requireRole(CAN.readExchanges), async (req, res) => {
    const { system_id } = parsePart(schemas.getExchange.params, req, 'params');
    const principal = principalOf(res);
    const [{ record, hidden }, found] = await Promise.all([access.visibleRecord(principal, system_id), deps.operations.status(system_id)]);
    if (hidden) throw notFound(system_id);
    const latest = found && access.mayReadOperation(principal, record, found.operation_id) ? found : null;
    if (!record && !latest) throw notFound(system_id);
    res.json({
      success: true,
      system_id,
      exchange: record,
      latest_operation: latest ? { ...latest, status_url: statusPath(system_id, latest.operation_id), workflow_url: workflowUrl(latest.workflow_id) } : null,
    });
  });

  router.get('/:system_id/operations/:operation_id', requireRole(CAN.readExchanges), async (req, res) => {
    const { system_id, operation_id } = parsePart(schemas.getOperation.params, req, 'params');
    const principal = principalOf(res);
    const { record, hidden } = await access.visibleRecord(principal, system_id);
    const op = hidden ? null : await deps.operations.status(system_id, operation_id);
    if (!op || !access.mayReadOperation(principal, record, op.operation_id)) throw new HttpError(404, `No operation '${operation_id}' on exchange '${system_id}'`);
    res.json({ success: true, system_id, ...op, workflow_url: workflowUrl(op.workflow_id) });
  });

  return router;
}
