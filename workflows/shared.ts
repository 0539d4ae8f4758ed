// Types and names shared by the API, the worker and workflow code. Pure: this file is bundled into the
// workflow sandbox, so it must not import Node built-ins or anything with side effects.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { ImpliedSwitch } from '../src/domain/chart-rules.js';
import type { ManifestDiff, ObjectRef } from '../src/domain/manifest-diff.js';

export type { ImpliedSwitch };

export const TASK_QUEUE = 'nats-exchange-deployer';

/** One exchange has at most one mutation in flight: every workflow of an exchange uses this id. */
export function exchangeWorkflowId(systemId: string): string {
  return `exchange-${systemId}`;
}

/** A kubeconfig reduced to the current context's cluster and user (see activities/kubeconfig.ts). */
export type Kubeconfig = Record<string, unknown>;

/** Nested helm values, after dotted keys were expanded. */
export type HelmValues = Record<string, unknown>;

export interface ReleaseRef {
  kubeconfig: Kubeconfig;
  releaseName: string;
  namespace: string;
}

export interface DeployExchangeInput extends ReleaseRef {
  systemId: string;
  helmValues: HelmValues;
  orgIds: string[];
  clusterId: string;
  name: string;
  metadata: Record<string, unknown>;
  /** Digest of the target cluster's server URL and CA (src/api/cluster-fingerprint.ts), kept in the registry record. */
  clusterFingerprint?: string;
  /** Switches the API turned on with the request's values (already in helmValues), recorded in history. */
  implied?: ImpliedSwitch[];
}

export interface DeployExchangeResult {
  systemId: string;
  releaseName: string;
  namespace: string;
  publicUrl: string;
  revision: number;
  implied?: ImpliedSwitch[];
}

export interface UpdateExchangeInput extends ReleaseRef {
  systemId: string;
  helmValues: HelmValues;
}

export interface UpdateExchangeResult {
  systemId: string;
  releaseName: string;
  namespace: string;
  revision: number;
  /** Switches the worker turned on with the request's values, given the release's current values. */
  implied?: ImpliedSwitch[];
}

export interface RemoveExchangeInput extends ReleaseRef {
  systemId: string;
  /** Also delete the release's JetStream PersistentVolumeClaims (helm uninstall leaves them). */
  deleteData?: boolean;
}

/** What a removal did with the release's JetStream volumes. */
export interface VolumesOutcome {
  action: 'kept' | 'deleted';
  claims: string[];
}

export interface RemoveExchangeResult {
  systemId: string;
  releaseName: string;
  namespace: string;
  releaseUninstalled: boolean;
  recordDeleted: boolean;
  volumes?: VolumesOutcome;
}

/** A rollback runs under the exchange's id (the same lock); preview and revision reads do not take it. */
export interface RollbackExchangeInput extends ReleaseRef {
  systemId: string;
  /** The helm revision whose values and chart come back. */
  revision: number;
}

export interface RollbackExchangeResult {
  systemId: string;
  releaseName: string;
  namespace: string;
  /** The revision the rollback made (helm numbers it after the newest). */
  revision: number;
  restoredRevision: number;
}

export interface PreviewExchangeInput extends ReleaseRef {
  systemId: string;
  helmValues: HelmValues;
  /** install: preview of a POST (the release must not exist); upgrade: of a PUT (merged over the deployed values). */
  mode: 'install' | 'upgrade';
  /** Also return each rendered object in full (Secrets' values hidden). */
  manifests: boolean;
}

export interface PreviewObject extends ObjectRef {
  manifest?: Record<string, unknown>;
}

/** An object the change would fail on: by the chart rules (before helm) or by the API server's dry run. */
export interface RefusedObject {
  kind: string;
  name: string;
  reason: string;
  source: 'chart-rules' | 'api-server';
}

export interface PreviewExchangeResult {
  systemId: string;
  releaseName: string;
  namespace: string;
  mode: 'install' | 'upgrade';
  chartVersion: string | null;
  /** The values helm would get: base values, the release's retained overrides (upgrade) and the request's. */
  values: HelmValues;
  objects: PreviewObject[];
  refused: RefusedObject[];
  /** upgrade: the deployed revision the render is compared with, and the difference object by object. */
  baseRevision?: number;
  diff?: ManifestDiff;
  /** Objects the API server's dry run did not check, and why (e.g. a namespace that does not exist yet). */
  unchecked: Array<{ kind: string; name: string; reason: string }>;
  /** Switches the request needs that the service turns on with it (e.g. config.cluster.enabled for replicas > 1). */
  implied?: ImpliedSwitch[];
}

/** One helm revision of a release, as helm's release record holds it (values as a digest only). */
export interface ReleaseRevision {
  revision: number;
  status: string;
  chartVersion: string | null;
  appVersion: string | null;
  /** When it was deployed (RFC 3339). */
  time: string | null;
  description: string | null;
  /** sha256 of the revision's values (canonical JSON). */
  valuesDigest: string;
}

export interface ExchangeRevisionsResult {
  systemId: string;
  releaseName: string;
  namespace: string;
  /** Oldest first, as `helm history` lists them. */
  revisions: ReleaseRevision[];
}

export const Operation = { deploy: 'deploy', update: 'update', remove: 'remove', rollback: 'rollback' } as const;
export type Operation = (typeof Operation)[keyof typeof Operation];

/** What the `progress` query answers while a workflow runs and after it ended. */
export interface Progress {
  operation: Operation;
  step: string;
  status: 'running' | 'succeeded' | 'failed' | 'compensating';
  attempts: Record<string, number>;
  lastError: string | null;
  /** What the running step reports, e.g. "2/3 NATS pods ready" while helm waits for readiness. */
  detail?: string | null;
}

/** Sent by a helm activity to its workflow each time the release's readiness changes. */
export const READINESS_SIGNAL = 'readiness';

// the failure taxonomy lives in the pure domain, where the API's HTTP mapping and the activities read it too
export { FailureType, NON_RETRYABLE_ACTIVITY_FAILURES } from '../src/domain/failure-types.js';

/**
 * Search attributes that make exchanges findable in the Web UI and `temporal workflow list --query`.
 * Registered by scripts/temporal-dev.sh (dev server) and the compose stack's temporal-setup service.
 */
export const SearchAttr = {
  exchangeId: defineSearchAttributeKey('ExchangeId', SearchAttributeType.KEYWORD),
  releaseName: defineSearchAttributeKey('ReleaseName', SearchAttributeType.KEYWORD),
  clusterId: defineSearchAttributeKey('ClusterId', SearchAttributeType.KEYWORD),
  orgIds: defineSearchAttributeKey('OrgIds', SearchAttributeType.KEYWORD_LIST),
  operation: defineSearchAttributeKey('Operation', SearchAttributeType.KEYWORD),
  status: defineSearchAttributeKey('ExchangeStatus', SearchAttributeType.KEYWORD),
} as const;

/** The label on helm's release record naming the exchange that created the release (`helm upgrade --labels`). */
export const EXCHANGE_LABEL = 'exchange-id';

/** Sent by helmInstallExchange, and recorded, before it runs helm: a deploy without it has nothing to undo. */
export const HELM_STARTED_SIGNAL = 'helm-started';
