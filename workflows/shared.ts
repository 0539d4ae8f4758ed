// Types and names shared by the API, the worker and workflow code. Pure: this file is bundled into the
// workflow sandbox, so it must not import Node built-ins or anything with side effects.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

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
}

export interface DeployExchangeResult {
  systemId: string;
  releaseName: string;
  namespace: string;
  publicUrl: string;
  revision: number;
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

export const Operation = { deploy: 'deploy', update: 'update', remove: 'remove' } as const;
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

/**
 * ApplicationFailure types raised by activities and workflows. The API maps them to HTTP statuses; the
 * workflows' retry policies list the non-retryable ones.
 */
export const FailureType = {
  /** Chart or values rejected by helm / the cluster: retrying cannot help. */
  helmRejected: 'HelmRejected',
  /** Cluster unreachable, timeouts, API 5xx: retried. */
  helmUnavailable: 'HelmUnavailable',
  /** helm --wait gave up: the release's resources did not become ready in time (pods crash, no capacity). */
  helmNotReady: 'HelmNotReady',
  /** Credentials refused (401/403): retrying cannot help. */
  helmUnauthorized: 'HelmUnauthorized',
  /** Another helm operation holds the release. */
  releaseLocked: 'ReleaseLocked',
  releaseNotFound: 'ReleaseNotFound',
  releaseAlreadyExists: 'ReleaseAlreadyExists',
  invalidKubeconfig: 'InvalidKubeconfig',
  invalidValues: 'InvalidValues',
  registryRejected: 'RegistryRejected',
  registryUnavailable: 'RegistryUnavailable',
  registryConflict: 'RegistryConflict',
  /** The update would change a StatefulSet field Kubernetes does not allow to change (volumeClaimTemplates). */
  immutableField: 'ImmutableField',
  /** The update sets keys that change nothing because the section they belong to is switched off. */
  ineffectiveOverride: 'IneffectiveOverride',
  /** A key the operator's values policy does not let callers set. */
  valuesPolicy: 'ValuesPolicy',
  /** Workflow-level outcomes. */
  registrationFailed: 'RegistrationFailed',
  deployFailed: 'DeployFailed',
  updateFailed: 'UpdateFailed',
  removeFailed: 'RemoveFailed',
} as const;
export type FailureType = (typeof FailureType)[keyof typeof FailureType];

export const NON_RETRYABLE_ACTIVITY_FAILURES: string[] = [
  FailureType.helmRejected,
  FailureType.helmUnauthorized,
  // another attempt would wait the whole helm timeout again for the same pods
  FailureType.helmNotReady,
  FailureType.releaseNotFound,
  FailureType.releaseAlreadyExists,
  FailureType.invalidKubeconfig,
  FailureType.invalidValues,
  FailureType.registryRejected,
  FailureType.registryConflict,
  FailureType.immutableField,
  FailureType.ineffectiveOverride,
  FailureType.valuesPolicy,
];

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
