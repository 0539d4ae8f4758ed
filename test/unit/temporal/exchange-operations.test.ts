import { originOf, statusForFailure } from '../../../src/temporal/exchange-operations.js';
import { FailureType } from '../../../workflows/shared.js';

describe('statusForFailure', () => {
  it.each<[string, string | undefined, string | undefined, number]>([
    ['a failed registration is a bad gateway', FailureType.registrationFailed, undefined, 502],
    ['a failed registration stays 502 whatever its cause', FailureType.registrationFailed, FailureType.invalidValues, 502],
    ['a deploy that found the release already there is a conflict', FailureType.deployFailed, FailureType.releaseAlreadyExists, 409],
    ['a deploy rejected by helm is unprocessable', FailureType.deployFailed, FailureType.helmRejected, 422],
    ['a deploy with invalid values is a bad request', FailureType.deployFailed, FailureType.invalidValues, 400],
    ['a deploy with an invalid kubeconfig is a bad request', FailureType.deployFailed, FailureType.invalidKubeconfig, 400],
    ['a deploy refused by the cluster credentials is a bad gateway', FailureType.deployFailed, FailureType.helmUnauthorized, 502],
    ['a deploy to an unreachable cluster is a bad gateway', FailureType.deployFailed, FailureType.helmUnavailable, 502],
    ['an update of a release that is gone is not found', FailureType.updateFailed, FailureType.releaseNotFound, 404],
    ['an update of a locked release is a conflict', FailureType.updateFailed, FailureType.releaseLocked, 409],
    ['a registry conflict is a conflict', FailureType.deployFailed, FailureType.registryConflict, 409],
    ['a registry that is down is a bad gateway', FailureType.removeFailed, FailureType.registryUnavailable, 502],
    ['a registry that refuses is a bad gateway', FailureType.removeFailed, FailureType.registryRejected, 502],
    ['a failure type alone maps when there is no cause', FailureType.helmRejected, undefined, 422],
    ['invalid values without a wrapper are a bad request', FailureType.invalidValues, undefined, 400],
    ['an unknown cause falls back to the failure type', FailureType.helmRejected, 'SomethingElse', 422],
    ['a workflow-level failure with no known cause is an internal error', FailureType.deployFailed, undefined, 500],
    ['an unknown type is an internal error', 'Weird', undefined, 500],
    ['an unknown type and cause are an internal error', 'Weird', 'Stranger', 500],
    ['no type at all is an internal error', undefined, undefined, 500],
    ['an empty cause is ignored', FailureType.releaseNotFound, '', 404],
    ['a rollback refused by the values policy is unprocessable', FailureType.rollbackFailed, FailureType.valuesPolicy, 422],
    ['a rollback to an immutable change is unprocessable', FailureType.rollbackFailed, FailureType.immutableField, 422],
    ['a rollback to a revision helm no longer keeps is not found', FailureType.rollbackFailed, FailureType.revisionNotFound, 404],
    ['a preview of a release that exists already is a conflict', FailureType.previewFailed, FailureType.releaseAlreadyExists, 409],
  ])('%s', (_name, type, causeType, status) => {
    expect(statusForFailure(type, causeType)).toBe(status);
  });
});

describe('originOf', () => {
  const t = (iso: string) => Date.parse(iso);
  const run = (revision: number, runId: string, start: string, close: string, operation = 'update') => ({
    revision,
    operation,
    runId,
    workflowId: 'exchange-x',
    start: t(start),
    close: t(close),
  });
  const origins = [
    run(1, 'old-deploy', '2025-01-01T00:00:00Z', '2025-01-01T00:01:00Z', 'deploy'),
    run(1, 'new-deploy', '2025-02-01T00:00:00Z', '2025-02-01T00:01:00Z', 'deploy'),
    run(2, 'update', '2025-02-01T01:00:00Z', '2025-02-01T01:02:00Z'),
  ];

  it('is the run with the same revision whose time span holds the revision time', () => {
    expect(originOf({ revision: 2, time: '2025-02-01T01:01:00Z' }, origins)).toEqual({ operation: 'update', operation_id: 'update', workflow_id: 'exchange-x' });
  });

  it('tells a redeployed release from its earlier life by time', () => {
    expect(originOf({ revision: 1, time: '2025-01-01T00:00:30Z' }, origins)?.operation_id).toBe('old-deploy');
    expect(originOf({ revision: 1, time: '2025-02-01T00:00:30Z' }, origins)?.operation_id).toBe('new-deploy');
  });

  it('allows for some clock difference between cluster and Temporal, but not much', () => {
    expect(originOf({ revision: 2, time: '2025-02-01T00:59:30Z' }, origins)?.operation_id).toBe('update');
    expect(originOf({ revision: 2, time: '2025-02-01T03:00:00Z' }, origins)).toBeNull();
  });

  it('is null for a revision no run made (helm by hand), and the latest run when the revision has no time', () => {
    expect(originOf({ revision: 3, time: '2025-02-01T01:01:00Z' }, origins)).toBeNull();
    expect(originOf({ revision: 1, time: null }, origins)?.operation_id).toBe('new-deploy');
  });
});
