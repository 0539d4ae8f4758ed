// /exchange — the seed's contract (POST/PUT/DELETE) plus the read side. Mutations: validate, start the
// workflow under the exchange's id, wait (up to a limit), answer in the seed's shape; extra fields carry the
// workflow id and a link to it in the Temporal Web UI. `Prefer: respond-async` (or a wait past the limit)
// answers 202 with a URL to poll. Every route acts for the caller's principal: its roles and orgs decide what it
// may see and change (access.ts, exchange-access.ts).
import { v5 as uuidv5 } from 'uuid';
import { z } from 'zod';
import type { Outcome } from '../temporal/exchange-operations.js';
import type { DeployExchangeResult } from '../../workflows/shared.js';
import { CAN, foreignOrg, principalOf, requireRole } from '../http/access.js';
import { clusterFingerprint } from './cluster-fingerprint.js';
import { DocumentedRouter, errors, json, MUTATION_ERRORS, reply } from '../http/documented-router.js';
import { HttpError } from '../http/errors.js';
import type { OperationOwner } from './exchange-access.js';
import { createExchangeKit, type ExchangeRouteDeps } from './exchange-kit.js';
import { declareReadRoutes } from './exchange-read-routes.js';
import { accepted, impliedAnswer, impliedFields, preferHeader, uuid, workflowFields } from './responses.js';
import { declareRevisionRoutes, PreviewResponse } from './revision-routes.js';
import { parsePart } from './validate.js';

export type { ExchangeDirectory } from './exchange-access.js';
export type { ExchangeRouteDeps } from './exchange-kit.js';

const CreateExchangeResponse = z
  .object({
    success: z.literal(true),
    system_id: uuid.meta({ description: 'Id of the exchange, derived from (cluster fingerprint, namespace, release_name): the same release on the same cluster always gets the same id.' }),
    release_name: z.string(),
    namespace: z.string(),
    public_url: z.string().meta({ description: 'URL clients use to reach the exchange.', example: 'https://edge.example.com/nats/exchange-a' }),
    revision: z.number().int().meta({ description: 'Helm release revision.' }),
    ...impliedFields,
    ...workflowFields,
  })
  .openapi('CreateExchangeResponse');

const UpdateExchangeResponse = z
  .object({
    success: z.literal(true),
    message: z.string().meta({ example: "Exchange 'exchange-a' updated successfully" }),
    system_id: uuid,
    release_name: z.string().meta({ description: 'The release that was upgraded (the exchange’s own).' }),
    revision: z.number().int(),
    ...impliedFields,
    warnings: z.array(z.string()).optional().meta({ description: 'What the service did differently from what the body said, e.g. a release_name that is not the exchange’s.' }),
    ...workflowFields,
  })
  .openapi('UpdateExchangeResponse');

const RemoveExchangeResponse = z
  .object({
    success: z.literal(true),
    message: z.string().meta({ example: "Exchange 'exchange-a' removed from cluster and DB" }),
    system_id: uuid,
    release_uninstalled: z.boolean().meta({ description: 'false when the release was already gone.' }),
    record_deleted: z.boolean().meta({ description: 'false when the registry had no record.' }),
    volumes: z
      .object({
        action: z.enum(['kept', 'deleted']),
        claims: z.array(z.string()).meta({ description: 'The JetStream PersistentVolumeClaims of the release.' }),
        note: z.string(),
      })
      .meta({ description: 'What happened to the exchange’s JetStream data: kept unless `delete_data` was true.' }),
    ...workflowFields,
  })
  .openapi('RemoveExchangeResponse');

// Fixed namespace for exchange ids: the same (cluster, namespace, release) always gets the same system_id, so
// concurrent POSTs of one release meet on one workflow id and only one of them deploys. The cluster is its
// fingerprint (server URL + CA), not the caller-chosen `cluster_id` label: a label cannot squat another org's
// cluster, and the id tells nobody anything their own kubeconfig for that cluster does not. Records made under
// the earlier (cluster_id label) derivation keep their ids: an id is stored in the record and every later request
// names it; only a new POST derives one.
const EXCHANGE_ID_NAMESPACE = '4f1c2a67-8a0e-4e53-9a57-0c2b5d7e1f30';

export function exchangeSystemId(clusterFingerprint: string, namespace: string, releaseName: string): string {
  return uuidv5(`cluster-fingerprint:${clusterFingerprint}\n${namespace}\n${releaseName}`, EXCHANGE_ID_NAMESPACE);
}

export function createExchangeRouter(deps: ExchangeRouteDeps): DocumentedRouter {
  const kit = createExchangeKit(deps);
  const { schemas, access, operations, workflowUrl } = kit;
  const router = new DocumentedRouter({ tags: ['exchange'] });
  // previews (?dry_run=true), revisions and rollback: src/api/revision-routes.ts
  const { preview } = declareRevisionRoutes(router, kit);

  router.post(
    '/',
    {
      operationId: 'createExchange',
      summary: 'Deploy an exchange',
      description:
        'Installs the NATS release on the cluster and registers the exchange. Waits for the outcome unless `Prefer: respond-async` is sent. ' +
        'With `dry_run=true` nothing changes: the answer (always synchronous) is a PreviewResponse of what the deploy would apply.',
      request: { query: schemas.createExchange.query, headers: preferHeader, body: { name: 'CreateExchangeRequest', schema: schemas.createExchange.body } },
      responses: { 200: json(z.union([CreateExchangeResponse, PreviewResponse]), 'Deployed and registered; with dry_run=true, the preview.'), 202: accepted, ...errors(...MUTATION_ERRORS) },
    },
    requireRole(CAN.mutateExchanges),
    async (req, res) => {
      const flags = parsePart(schemas.createExchange.query, req, 'query');
      const body = parsePart(schemas.createExchange.body, req, 'body');
      const foreign = foreignOrg(principalOf(res), body.org_ids);
      if (foreign) throw new HttpError(403, `Forbidden: not a member of organization '${foreign}'`, { error_type: 'Forbidden', org_id: foreign });
      const { values: helmValues, implied } = kit.checkValues(body.helm_values);
      const kubeconfig = kit.minimalKubeconfig(body.kubeconfig);
      // the registry record keeps it, so later changes can be held to the same cluster
      const fingerprint = clusterFingerprint(kubeconfig);
      const systemId = exchangeSystemId(fingerprint, body.namespace, body.release_name);
      // the registry knows this exchange already: answer at once, nothing to start
      const { record: existing, hidden } = await access.visibleRecord(principalOf(res), systemId);
      if (hidden) {
        // another org's exchange: the answer a release in the cluster without any record of ours gets, no id
        throw new HttpError(409, `Release '${body.release_name}' already exists in namespace '${body.namespace}'`, { error_type: 'ReleaseAlreadyExists' });
      }
      if (existing) {
        throw new HttpError(409, `Exchange '${body.release_name}' already exists in namespace '${body.namespace}' of cluster '${body.cluster_id}'`, {
          error_type: 'ExchangeAlreadyExists',
          existing_system_id: systemId,
          system_id: systemId,
        });
      }
      const target = { systemId, kubeconfig, releaseName: body.release_name, namespace: body.namespace, helmValues };
      if (flags.dry_run) return preview(req, res, { ...target, mode: 'install', manifests: flags.manifests === true }, body.org_ids, implied);
      const owner: OperationOwner = { orgIds: body.org_ids, releaseName: body.release_name, namespace: body.namespace, clusterFingerprint: fingerprint };
      // while this request waits, a DELETE by the same orgs may cancel the deploy (ExchangeAccess.forChange)
      const answered = access.owners.waitingFor(systemId, owner);
      let outcome: Outcome<DeployExchangeResult>;
      try {
        outcome = await kit.limited(res, body.org_ids, () =>
          operations.deploy(
            { ...target, clusterFingerprint: fingerprint, orgIds: body.org_ids, clusterId: body.cluster_id, name: body.name, metadata: body.metadata, implied },
            kit.runOptions(req),
          ),
        );
      } finally {
        answered();
      }
      kit.remember(outcome, owner);
      kit.logOutcome(req, res, 'deploy', systemId, outcome);
      const ids = { release_name: body.release_name, namespace: body.namespace };
      if (outcome.ok === 'pending') return kit.accepted(req, res, systemId, outcome, ids);
      if (outcome.ok === false) return kit.fail(res, outcome, { system_id: systemId, existing_system_id: outcome.status === 409 ? systemId : undefined, ...ids });
      const r = outcome.result;
      reply(res, 200, CreateExchangeResponse, {
        success: true,
        system_id: r.systemId,
        release_name: r.releaseName,
        namespace: r.namespace,
        public_url: r.publicUrl,
        revision: r.revision,
        ...impliedAnswer(r.implied ?? implied),
        operation_id: outcome.runId,
        workflow_id: outcome.workflowId,
        workflow_url: workflowUrl(outcome.workflowId),
      });
    },
  );

  router.put(
    '/:system_id',
    {
      operationId: 'updateExchange',
      summary: 'Change an exchange',
      description:
        'Upgrades the release with the new value overrides on top of the ones it has. With `dry_run=true` nothing changes: the answer is a ' +
        'PreviewResponse with the difference to the live release; a change the real PUT would be refused for (an immutable StatefulSet ' +
        'field, an object the API server rejects) is listed in `refused` with 200 and `applicable: false`.',
      request: { params: schemas.updateExchange.params, query: schemas.updateExchange.query, headers: preferHeader, body: { name: 'UpdateExchangeRequest', schema: schemas.updateExchange.body } },
      responses: { 200: json(z.union([UpdateExchangeResponse, PreviewResponse]), 'Upgraded; with dry_run=true, the preview.'), 202: accepted, ...errors(...MUTATION_ERRORS) },
    },
    requireRole(CAN.mutateExchanges),
    async (req, res) => {
      const { system_id } = parsePart(schemas.updateExchange.params, req, 'params');
      const flags = parsePart(schemas.updateExchange.query, req, 'query');
      const body = parsePart(schemas.updateExchange.body, req, 'body');
      // the release's current values live in the cluster: the worker checks again with them and implies switches
      const { values: helmValues } = kit.checkValues(body.helm_values, { currentKnown: false });
      const kubeconfig = kit.minimalKubeconfig(body.kubeconfig);
      const owner = await access.forChange(
        principalOf(res),
        system_id,
        { releaseName: body.release_name, namespace: body.namespace, clusterFingerprint: clusterFingerprint(kubeconfig) },
        { releaseNameIsHint: true },
      );
      const warnings =
        owner.releaseName === body.release_name
          ? undefined
          : [`release_name '${body.release_name}' is not this exchange's release; its release '${owner.releaseName}' was upgraded`];
      const target = { systemId: system_id, kubeconfig, releaseName: owner.releaseName, namespace: body.namespace, helmValues };
      if (flags.dry_run) return preview(req, res, { ...target, mode: 'upgrade', manifests: flags.manifests === true }, owner.orgIds);
      const outcome = await kit.limited(res, owner.orgIds, () => operations.update(target, kit.runOptions(req, owner.orgIds)));
      kit.remember(outcome, owner);
      kit.logOutcome(req, res, 'update', system_id, outcome);
      if (outcome.ok === 'pending') return kit.accepted(req, res, system_id, outcome, { release_name: owner.releaseName });
      if (outcome.ok === false) return kit.fail(res, outcome, { system_id, release_name: owner.releaseName });
      reply(res, 200, UpdateExchangeResponse, {
        success: true,
        // the seed's message names the release as the caller sent it
        message: `Exchange '${body.release_name}' updated successfully`,
        system_id,
        release_name: owner.releaseName,
        revision: outcome.result.revision,
        ...impliedAnswer(outcome.result.implied),
        ...(warnings ? { warnings } : {}),
        operation_id: outcome.runId,
        workflow_id: outcome.workflowId,
        workflow_url: workflowUrl(outcome.workflowId),
      });
    },
  );

  router.delete(
    '/:system_id',
    {
      operationId: 'removeExchange',
      summary: 'Remove an exchange',
      description: 'Uninstalls the release and deletes the registry record; either being gone already is success.',
      request: { params: schemas.removeExchange.params, headers: preferHeader, body: { name: 'RemoveExchangeRequest', schema: schemas.removeExchange.body } },
      responses: { 200: json(RemoveExchangeResponse, 'Removed.'), 202: accepted, ...errors(...MUTATION_ERRORS) },
    },
    requireRole(CAN.mutateExchanges),
    async (req, res) => {
      const { system_id } = parsePart(schemas.removeExchange.params, req, 'params');
      const body = parsePart(schemas.removeExchange.body, req, 'body');
      const kubeconfig = kit.minimalKubeconfig(body.kubeconfig);
      // a deploy still running has no record yet: DELETE may still cancel it (ExchangeAccess.forChange)
      const owner = await access.forChange(
        principalOf(res),
        system_id,
        { releaseName: body.release_name, namespace: body.namespace, clusterFingerprint: clusterFingerprint(kubeconfig) },
        { runningDeploy: true },
      );
      const outcome = await operations.remove(
        { systemId: system_id, kubeconfig, releaseName: body.release_name, namespace: body.namespace, deleteData: body.delete_data },
        kit.runOptions(req, owner.orgIds),
      );
      kit.remember(outcome, owner);
      kit.logOutcome(req, res, 'remove', system_id, outcome);
      if (outcome.ok === 'pending') return kit.accepted(req, res, system_id, outcome, { release_name: body.release_name });
      if (outcome.ok === false) return kit.fail(res, outcome, { system_id, release_name: body.release_name });
      const volumes = outcome.result.volumes ?? { action: 'kept' as const, claims: [] };
      const note = !volumes.claims.length
        ? 'the exchange had no JetStream volumes'
        : volumes.action === 'kept'
          ? `${volumes.claims.length} JetStream volume claim(s) kept with their data; DELETE with "delete_data": true removes them, and a new exchange with this release name would reuse them`
          : `${volumes.claims.length} JetStream volume claim(s) deleted with their data`;
      reply(res, 200, RemoveExchangeResponse, {
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
    },
  );

  // cancel, the list, one exchange and one operation: src/api/exchange-read-routes.ts
  declareReadRoutes(router, kit);
  return router;
}
