// The failure taxonomy: the ApplicationFailure types activities and workflows raise, and which of them a retry
// cannot fix. Pure constants: workflows (re-exported by workflows/shared.ts), activities and the API read them.

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
  /** The request sets a key under a section and switches that same section off. */
  contradictoryValues: 'ContradictoryValues',
  /** A key the operator's values policy does not let callers set. */
  valuesPolicy: 'ValuesPolicy',
  /** Workflow-level outcomes. */
  registrationFailed: 'RegistrationFailed',
  deployFailed: 'DeployFailed',
  updateFailed: 'UpdateFailed',
  removeFailed: 'RemoveFailed',
  rollbackFailed: 'RollbackFailed',
  previewFailed: 'PreviewFailed',
  revisionsFailed: 'RevisionsFailed',
  /** A rollback named a revision the release's history does not hold (helm keeps HELM_HISTORY_MAX of them). */
  revisionNotFound: 'RevisionNotFound',
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
  FailureType.contradictoryValues,
  FailureType.valuesPolicy,
];
