// POST/PUT/DELETE /exchange — the seed's contract. Each handler: validate, start the workflow, wait, answer in
// the seed's shape (extra fields: workflow_id and a link to it in the Temporal Web UI).
import { randomUUID } from 'node:crypto';
import { Router, type Response } from 'express';
import type { ExchangeOperations, OperationFailure } from '../temporal/exchange-operations.js';
import { expandDottedKeys } from '../../activities/values.js';
import { resolveKubeconfig, type KubeconfigPolicy } from '../../activities/kubeconfig.js';
import { createSchemas } from './schemas.js';
import { parsePart } from './validate.js';

export interface ExchangeRouteDeps {
  operations: ExchangeOperations;
  kubeconfigPolicy: KubeconfigPolicy;
  temporalUiUrl: string;
  temporalNamespace: string;
}

export function createExchangeRouter(deps: ExchangeRouteDeps): Router {
  const schemas = createSchemas(deps.kubeconfigPolicy);
  const router = Router();
  const workflowUrl = (workflowId: string) =>
    `${deps.temporalUiUrl}/namespaces/${encodeURIComponent(deps.temporalNamespace)}/workflows/${encodeURIComponent(workflowId)}`;
  const fail = (res: Response, f: OperationFailure, extra: Record<string, unknown>) =>
    res.status(f.status).json({ success: false, error: f.error, error_type: f.type, ...extra, workflow_id: f.workflowId, workflow_url: workflowUrl(f.workflowId) });
  // only the context helm will use travels into the workflow (and, encrypted, into its history)
  const minimalKubeconfig = (raw: unknown) => resolveKubeconfig(raw, deps.kubeconfigPolicy).minimal;

  router.post('/', async (req, res) => {
    const body = parsePart(schemas.createExchange.body, req, 'body');
    const systemId = randomUUID();
    const outcome = await deps.operations.deploy({
      systemId,
      kubeconfig: minimalKubeconfig(body.kubeconfig),
      releaseName: body.release_name,
      namespace: body.namespace,
      helmValues: expandDottedKeys(body.helm_values),
      orgIds: body.org_ids,
      clusterId: body.cluster_id,
      name: body.name,
      metadata: body.metadata,
    });
    if (!outcome.ok) return fail(res, outcome, { system_id: systemId, release_name: body.release_name, namespace: body.namespace });
    const r = outcome.result;
    res.status(200).json({
      success: true,
      system_id: r.systemId,
      release_name: r.releaseName,
      namespace: r.namespace,
      public_url: r.publicUrl,
      revision: r.revision,
      workflow_id: outcome.workflowId,
      workflow_url: workflowUrl(outcome.workflowId),
    });
  });

  router.put('/:system_id', async (req, res) => {
    const { system_id } = parsePart(schemas.updateExchange.params, req, 'params');
    const body = parsePart(schemas.updateExchange.body, req, 'body');
    const outcome = await deps.operations.update({
      systemId: system_id,
      kubeconfig: minimalKubeconfig(body.kubeconfig),
      releaseName: body.release_name,
      namespace: body.namespace,
      helmValues: expandDottedKeys(body.helm_values),
    });
    if (!outcome.ok) return fail(res, outcome, { system_id, release_name: body.release_name });
    res.status(200).json({
      success: true,
      message: `Exchange '${body.release_name}' updated successfully`,
      system_id,
      revision: outcome.result.revision,
      workflow_id: outcome.workflowId,
      workflow_url: workflowUrl(outcome.workflowId),
    });
  });

  router.delete('/:system_id', async (req, res) => {
    const { system_id } = parsePart(schemas.removeExchange.params, req, 'params');
    const body = parsePart(schemas.removeExchange.body, req, 'body');
    const outcome = await deps.operations.remove({
      systemId: system_id,
      kubeconfig: minimalKubeconfig(body.kubeconfig),
      releaseName: body.release_name,
      namespace: body.namespace,
    });
    if (!outcome.ok) return fail(res, outcome, { system_id, release_name: body.release_name });
    res.status(200).json({
      success: true,
      message: `Exchange '${body.release_name}' removed from cluster and DB`,
      system_id,
      release_uninstalled: outcome.result.releaseUninstalled,
      record_deleted: outcome.result.recordDeleted,
      workflow_id: outcome.workflowId,
      workflow_url: workflowUrl(outcome.workflowId),
    });
  });

  return router;
}

