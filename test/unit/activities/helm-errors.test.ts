import { boundStderr, classifyHelmFailure, STDERR_LINE_CHARS, STDERR_TAIL_CHARS, summarizeStderr } from '../../../activities/helm-errors.js';
import { FailureType } from '../../../workflows/shared.js';

type Case = [name: string, stderr: string, type: FailureType, retryable: boolean];

describe('classifyHelmFailure', () => {
  it.each<Case>([
    [
      'a refused connection to the cluster is unavailable and retried',
      'Error: Kubernetes cluster unreachable: Get "https://127.0.0.1:1/version": dial tcp 127.0.0.1:1: connect: connection refused',
      FailureType.helmUnavailable,
      true,
    ],
    [
      'an i/o timeout is unavailable and retried',
      'Error: Kubernetes cluster unreachable: Get "https://10.0.0.1:6443/version": dial tcp 10.0.0.1:6443: i/o timeout',
      FailureType.helmUnavailable,
      true,
    ],
    [
      'a TLS handshake timeout is unavailable and retried',
      'Error: Kubernetes cluster unreachable: Get "https://api.example.com:6443/version": net/http: TLS handshake timeout',
      FailureType.helmUnavailable,
      true,
    ],
    [
      'an API server unable to handle the request is unavailable and retried',
      'Error: UPGRADE FAILED: the server is currently unable to handle the request (get statefulsets.apps nats)',
      FailureType.helmUnavailable,
      true,
    ],
    ['an unknown host is unavailable and retried', 'Error: Kubernetes cluster unreachable: Get "https://nope.invalid/version": dial tcp: lookup nope.invalid: no such host', FailureType.helmUnavailable, true],
    ['a context deadline is unavailable and retried', 'Error: UPGRADE FAILED: context deadline exceeded', FailureType.helmUnavailable, true],
    ['an unexpected EOF is unavailable and retried', 'Error: Get "https://api.example.com/version": EOF', FailureType.helmUnavailable, true],
    ['a chart download failure is unavailable and retried', 'Error: failed to download "nats" at version "1.2.6"', FailureType.helmUnavailable, true],
    [
      'an upgrade of a release that was never deployed is not found and final',
      'Error: UPGRADE FAILED: "nats-exchange-1" has no deployed releases',
      FailureType.releaseNotFound,
      false,
    ],
    ['a missing release is not found and final', 'Error: release: not found', FailureType.releaseNotFound, false],
    [
      'a release held by another operation is locked and retried',
      'Error: UPGRADE FAILED: another operation (install/upgrade/rollback) is in progress',
      FailureType.releaseLocked,
      true,
    ],
    [
      'a name still in use already exists and is final',
      'Error: INSTALLATION FAILED: cannot re-use a name that is still in use',
      FailureType.releaseAlreadyExists,
      false,
    ],
    [
      'objects that do not build from the manifest are rejected',
      'Error: INSTALLATION FAILED: unable to build kubernetes objects from release manifest: error validating "": error validating data: ValidationError(StatefulSet.spec.replicas): invalid type for io.k8s.api.apps.v1.StatefulSetSpec.replicas: got "string", expected "integer"',
      FailureType.helmRejected,
      false,
    ],
    [
      'a YAML parse error in a template is rejected',
      'Error: UPGRADE FAILED: YAML parse error on nats/templates/configmap.yaml: error converting YAML to JSON: yaml: line 12: did not find expected key',
      FailureType.helmRejected,
      false,
    ],
    [
      'a template execution error is rejected',
      'Error: INSTALLATION FAILED: template: nats/templates/statefulset.yaml:30:14: executing "nats/templates/statefulset.yaml" at <.Values.config.x>: nil pointer evaluating interface {}.x',
      FailureType.helmRejected,
      false,
    ],
    [
      'values failing the chart schema are rejected',
      "Error: INSTALLATION FAILED: values don't meet the specifications of the schema(s) in the following chart(s):\nnats:\n- config.cluster.replicas: Invalid type. Expected: integer, given: string",
      FailureType.helmRejected,
      false,
    ],
    ['a chart that does not exist is rejected', 'Error: INSTALLATION FAILED: chart "natz" not found in https://nats-io.github.io/k8s/helm/charts/ repository', FailureType.helmRejected, false],
    ['Unauthorized is unauthorized and final', 'Error: Unauthorized', FailureType.helmUnauthorized, false],
    [
      'a forbidden namespace creation is unauthorized and final',
      'Error: INSTALLATION FAILED: namespaces is forbidden: User "system:serviceaccount:default:deployer" cannot create resource "namespaces" in API group "" at the cluster scope',
      FailureType.helmUnauthorized,
      false,
    ],
    [
      'a must-be-logged-in answer is unauthorized and final',
      'Error: Kubernetes cluster unreachable: the server has asked for the client to provide credentials; You must be logged in to the server',
      FailureType.helmUnauthorized,
      false,
    ],
    [
      'a lock message wins over an unreachable-looking line',
      'Error: UPGRADE FAILED: another operation (install/upgrade/rollback) is in progress\ncontext deadline exceeded',
      FailureType.releaseLocked,
      true,
    ],
    ['an unknown failure with an exit code is rejected and final', 'Error: something nobody has seen before', FailureType.helmRejected, false],
    ['empty stderr with an exit code is rejected and final', '', FailureType.helmRejected, false],
  ])('%s', (_name, stderr, type, retryable) => {
    expect(classifyHelmFailure(stderr, 1)).toMatchObject({ type, retryable });
  });

  it.each<[string, string]>([
    ['with empty stderr', ''],
    ['with an unrecognised message', 'Killed'],
  ])('a helm that was killed (no exit code) is unavailable and retried, %s', (_name, stderr) => {
    expect(classifyHelmFailure(stderr, undefined)).toMatchObject({ type: FailureType.helmUnavailable, retryable: true });
  });

  it('a recognised message wins over the missing exit code', () => {
    expect(classifyHelmFailure('Error: release: not found', undefined)).toMatchObject({ type: FailureType.releaseNotFound, retryable: false });
  });

  it('WARNING lines do not influence the classification', () => {
    const stderr = [
      'WARNING: Kubernetes configuration file is group-readable. This is insecure. Location: /tmp/ned-kube-x/kubeconfig.yaml',
      'WARNING: connection refused earlier, retrying',
      'Error: release: not found',
    ].join('\n');
    expect(classifyHelmFailure(stderr, 1).type).toBe(FailureType.releaseNotFound);
    expect(classifyHelmFailure('WARNING: i/o timeout\nError: something new', 1)).toMatchObject({ type: FailureType.helmRejected, retryable: false });
  });

  it('the summary is scrubbed with the extra redact strings', () => {
    const failure = classifyHelmFailure('Error: Unauthorized for tok-SECRET-123 at /tmp/ned-kube-q1/kubeconfig.yaml', 1, ['tok-SECRET-123']);
    expect(failure.summary).toBe('Error: Unauthorized for [redacted] at <kubeconfig>');
  });

  // numbers in rejection messages (line 502, port 401) are not HTTP statuses
  it.each<Case>([
    [
      'a YAML parse error on line 502 is still rejected',
      'Error: UPGRADE FAILED: YAML parse error on nats/templates/statefulset.yaml: error converting YAML to JSON: yaml: line 502: did not find expected key',
      FailureType.helmRejected,
      false,
    ],
    [
      'a YAML parse error on line 401 is still rejected',
      'Error: INSTALLATION FAILED: YAML parse error on nats/templates/configmap.yaml: error converting YAML to JSON: yaml: line 401: mapping values are not allowed in this context',
      FailureType.helmRejected,
      false,
    ],
    ['an invalid port value of 500 is still rejected', 'Error: INSTALLATION FAILED: Service "nats" is invalid: spec.ports[0].port: Invalid value: 500: must be 4222', FailureType.helmRejected, false],
  ])('%s', (_name, stderr, type, retryable) => {
    expect(classifyHelmFailure(stderr, 1)).toMatchObject({ type, retryable });
  });
});

describe('summarizeStderr', () => {
  const PEM = ['-----BEGIN RSA PRIVATE KEY-----', 'MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun', 'VTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK', '-----END RSA PRIVATE KEY-----'].join('\n');

  it.each<[string, string, string, string[]]>([
    ['a token field is redacted', 'Error: bad config: token: abc123def456', 'Error: bad config: token: [redacted]', ['abc123def456']],
    ['a quoted JSON token is redacted', 'Error: {"token":"sekrit","password":"hunter2"}', 'Error: {"token":"[redacted]","password":"[redacted]"}', ['sekrit', 'hunter2']],
    ['key data fields are redacted', 'client-key-data: LS0tS0VZ client-certificate-data=Q0VSVA', 'client-key-data: [redacted] client-certificate-data=[redacted]', ['LS0tS0VZ', 'Q0VSVA']],
    ['a bearer token is redacted', 'Error: Get "https://x/version": Authorization: Bearer eyJhbGciOi.payload.sig', 'Error: Get "https://x/version": Authorization: Bearer [redacted]', ['eyJhbGciOi']],
    ['a PEM block is redacted whole', `Error: bad key\n${PEM}\nError: failed`, 'Error: bad key | [redacted] | Error: failed', ['MIIEow', 'VTLw7', 'BEGIN', 'END']],
    ['an unterminated PEM block is redacted to the end', `Error: bad key -----BEGIN CERTIFICATE-----\nMIIB\nabc`, 'Error: bad key [redacted]', ['MIIB', 'abc']],
    ['a long base64 run is redacted', `Error: x509: bad ${'QUJD'.repeat(20)}== here`, 'Error: x509: bad [redacted] here', ['QUJDQUJD']],
    ['a short base64-looking word is kept', 'Error: chart nats-1.2.6 abcDEF123', 'Error: chart nats-1.2.6 abcDEF123', []],
    [
      'the temp kubeconfig path is replaced',
      'Error: open /tmp/ned-kube-AbC123/kubeconfig.yaml: permission denied',
      'Error: open <kubeconfig> permission denied',
      ['/tmp', 'ned-kube-AbC123'],
    ],
    [
      'WARNING and klog lines are dropped',
      'WARNING: Kubernetes configuration file is world-readable. Location: /tmp/ned-kube-x/kubeconfig.yaml\nW0612 10:00:00.000000 1 warnings.go:70] deprecated\nI0612 10:00:00.000000 1 info.go:1] hi\nError: release: not found',
      'Error: release: not found',
      ['WARNING', 'deprecated', 'hi'],
    ],
    ['only the last three lines are kept', 'line1\nline2\nline3\nline4\n\n', 'line2 | line3 | line4', ['line1']],
    ['blank lines and indentation are dropped', '  Error: a  \n\n   \n\tb\n', 'Error: a | b', []],
    ['empty stderr gets a placeholder', '', 'helm failed without an error message', []],
    ['stderr of only warnings gets a placeholder', 'WARNING: x\nWARNING: y', 'helm failed without an error message', []],
  ])('%s', (_name, stderr, expected, absent) => {
    const summary = summarizeStderr(stderr);
    expect(summary).toBe(expected);
    for (const s of absent) expect(summary).not.toContain(s);
  });

  it('explicit redact strings are removed wherever they occur', () => {
    const summary = summarizeStderr('Error: cluster my-cluster-secret refused my-cluster-secret', { redact: ['my-cluster-secret', ''] });
    expect(summary).toBe('Error: cluster [redacted] refused [redacted]');
  });

  it.each<[string, number | undefined, number]>([
    ['the default cap is 400 characters', undefined, 400],
    ['a custom cap is honoured', 50, 50],
  ])('%s, keeping the end of the message', (_name, maxLength, cap) => {
    const long = `Error: ${'word '.repeat(300)}THE-END`;
    const summary = summarizeStderr(long, maxLength === undefined ? {} : { maxLength });
    expect(summary.length).toBe(cap);
    expect(summary.startsWith('…')).toBe(true);
    expect(summary.endsWith('THE-END')).toBe(true);
  });

  it('a message under the cap is not truncated', () => {
    expect(summarizeStderr('Error: short', { maxLength: 12 })).toBe('Error: short');
  });
});

describe('a --wait that ran out of time', () => {
  it('is HelmNotReady and not retried: the same pods would be waited on again', () => {
    const f = classifyHelmFailure('Error: resource StatefulSet/ns/r-nats not ready. status: InProgress, message: Replicas: 0/1\ncontext deadline exceeded\n', 1);
    expect(f).toMatchObject({ type: 'HelmNotReady', retryable: false });
    expect(f.summary).toContain('StatefulSet/ns/r-nats not ready');
  });
});

describe('stderr of any size classifies at once', () => {
  const hugeUrl = `https://api.example.com/${'-/'.repeat(450_000)}`;

  it.each<[string, string, FailureType]>([
    ['a server URL repeating -/ 450,000 times', `Error: Kubernetes cluster unreachable: Get "${hugeUrl}": dial tcp: lookup api.example.com: no such host`, FailureType.helmUnavailable],
    ['the same URL around a kubeconfig path', `Error: open /tmp/ned-kube-x${'-/'.repeat(450_000)}/kubeconfig.yaml: permission denied\nError: release: not found`, FailureType.releaseNotFound],
    ['a megabyte of unrelated lines before the error', `${'I0101 noise line\n'.repeat(60_000)}Error: UPGRADE FAILED: another operation (install/upgrade/rollback) is in progress`, FailureType.releaseLocked],
    ['a long line of "chart " words', `Error: ${'chart '.repeat(150_000)}`, FailureType.helmRejected],
    ['a long line of "resource " words', `Error: ${'resource '.repeat(150_000)}`, FailureType.helmRejected],
  ])('%s', (_name, stderr, type) => {
    const started = performance.now();
    const failure = classifyHelmFailure(stderr, 1, ['a-secret-value']);
    expect(performance.now() - started).toBeLessThan(500);
    expect(failure.type).toBe(type);
    expect(failure.summary.length).toBeLessThanOrEqual(400);
  });

  it('looks at a bounded tail only, with lines of bounded length', () => {
    const bounded = boundStderr(`${'x'.repeat(STDERR_TAIL_CHARS * 4)}\nhead ${'y'.repeat(5000)} tail\nError: last`);
    expect(bounded.length).toBeLessThanOrEqual(STDERR_TAIL_CHARS);
    for (const line of bounded.split('\n')) expect(line.length).toBeLessThanOrEqual(STDERR_LINE_CHARS);
    expect(bounded.endsWith('Error: last')).toBe(true);
  });

  it('cuts fall between words, so a key the scrubber knows by its shape is never split into a piece it misses', () => {
    // 68 base64 characters: redacted as a whole, but a 40-character piece of it would not be
    const key = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/QUJD';
    const pieces = Array.from({ length: key.length - 9 }, (_, i) => key.slice(i, i + 10));
    for (let before = 440; before < 530; before += 3) {
      for (const after of [400, 470, 520]) {
        const line = `${'w'.repeat(before - 1)} ${key} ${'v '.repeat(after)}end`;
        const summary = summarizeStderr(`${line}\nError: x`, { maxLength: 5000 });
        for (const p of pieces) expect(summary).not.toContain(p);
      }
    }
  });

  it('the caller’s secrets are redacted even where the tail would cut one in half', () => {
    const secret = 'tok-ABCDEFGHIJKLMNOPQRSTUVWXYZ';
    const stderr = `${secret}${'z'.repeat(STDERR_TAIL_CHARS - 10)}\nError: Unauthorized ${secret}`;
    const failure = classifyHelmFailure(stderr, 1, [secret]);
    expect(failure.summary).not.toContain('ABCDEFG');
    expect(failure.summary).not.toContain('UVWXYZ');
    expect(failure.type).toBe(FailureType.helmUnauthorized);
  });
});

describe('an immutable StatefulSet change', () => {
  it('is ImmutableField (not a credentials problem), and final', () => {
    const stderr =
      'Error: UPGRADE FAILED: cannot patch "x-nats" with kind StatefulSet: StatefulSet.apps "x-nats" is invalid: spec: Forbidden: updates to statefulset spec for fields other than \'replicas\', \'ordinals\', \'template\', \'updateStrategy\', \'persistentVolumeClaimRetentionPolicy\' and \'minReadySeconds\' are forbidden';
    expect(classifyHelmFailure(stderr, 1)).toMatchObject({ type: 'ImmutableField', retryable: false });
  });
});
