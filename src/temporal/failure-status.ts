// The failure taxonomy as callers see it: each ApplicationFailure type a workflow or activity raises maps to one
// HTTP status. Pure, so the API and its tests share it.
import { FailureType } from '../domain/failure-types.js';

const STATUS_BY_TYPE: Record<string, number> = {
  [FailureType.releaseAlreadyExists]: 409,
  [FailureType.registryConflict]: 409,
  [FailureType.releaseNotFound]: 404,
  [FailureType.revisionNotFound]: 404,
  [FailureType.invalidKubeconfig]: 400,
  [FailureType.invalidValues]: 400,
  [FailureType.helmRejected]: 422,
  [FailureType.immutableField]: 422,
  [FailureType.contradictoryValues]: 422,
  [FailureType.valuesPolicy]: 422,
  [FailureType.helmUnauthorized]: 502,
  [FailureType.helmUnavailable]: 502,
  [FailureType.helmNotReady]: 504,
  [FailureType.releaseLocked]: 409,
  [FailureType.registrationFailed]: 502,
  [FailureType.registryUnavailable]: 502,
  [FailureType.registryRejected]: 502,
};

/** Pure: the HTTP status for a workflow's final ApplicationFailure (its own type, then the cause it names). */
export function statusForFailure(type: string | undefined, causeType: string | undefined): number {
  if (type === FailureType.registrationFailed) return 502;
  return (causeType && STATUS_BY_TYPE[causeType]) || (type && STATUS_BY_TYPE[type]) || 500;
}
