// Turns a failed helm run into a decision: retry (the cluster may come back) or give up (the chart, the values
// or the credentials are wrong). The summary is what callers and the Web UI see, so it is short and scrubbed.
import { scrubSecrets } from '../src/scrub.js';
import { FailureType } from '../workflows/shared.js';

export interface HelmFailure {
  type: FailureType;
  retryable: boolean;
  summary: string;
}

interface Rule {
  pattern: RegExp;
  type: FailureType;
  retryable: boolean;
}

// Order matters: the first matching rule wins.
const RULES: Rule[] = [
  { pattern: /another operation \(install\/upgrade\/rollback\) is in progress/i, type: FailureType.releaseLocked, retryable: true },
  { pattern: /has no deployed releases|release: not found|release not found/i, type: FailureType.releaseNotFound, retryable: false },
  { pattern: /cannot re-use a name that is still in use/i, type: FailureType.releaseAlreadyExists, retryable: false },
  { pattern: /\bUnauthorized\b|must be logged in|\bforbidden\b(?!: exceeded quota)|(?:status code|HTTP|code:?)\s*40[13]\b/i, type: FailureType.helmUnauthorized, retryable: false },
  // helm 4's watcher names the resource that did not become ready before its timeout
  { pattern: /resource \S+ not ready\. status:/i, type: FailureType.helmNotReady, retryable: false },
  {
    pattern:
      /connection refused|connection reset|i\/o timeout|timed out|TLS handshake timeout|context deadline exceeded|no such host|network is unreachable|EOF$|the server is currently unable|ServiceUnavailable|Internal error occurred|etcdserver|too many requests|(?:status code|HTTP|code:?)\s*50[0234]\b|failed to download|Kubernetes cluster unreachable/im,
    type: FailureType.helmUnavailable,
    retryable: true,
  },
  {
    pattern: /parse error|YAML|unable to build kubernetes objects|execution error|is invalid|chart .* not found|no chart|values don't meet the specifications|template:|error validating|invalid/i,
    type: FailureType.helmRejected,
    retryable: false,
  },
];

/** Removes credentials and local paths, keeps the last meaningful lines, caps the length. */
export function summarizeStderr(stderr: string, opts: { maxLength?: number; redact?: string[] } = {}): string {
  const maxLength = opts.maxLength ?? 400;
  let text = scrubSecrets(stderr, opts.redact);
  text = text.replace(/\/[^\s"']*ned-kube-[^\s"']*/g, '<kubeconfig>');
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/^(WARNING|W\d{4} |I\d{4} )/.test(l));
  let summary = lines.slice(-3).join(' | ');
  if (summary.length > maxLength) summary = `…${summary.slice(summary.length - maxLength + 1)}`;
  return summary || 'helm failed without an error message';
}

export function classifyHelmFailure(stderr: string, exitCode: number | undefined, redact: string[] = []): HelmFailure {
  const summary = summarizeStderr(stderr, { redact });
  const text = stderr.split('\n').filter((l) => !/^WARNING/.test(l.trim())).join('\n');
  for (const rule of RULES) {
    if (rule.pattern.test(text)) return { type: rule.type, retryable: rule.retryable, summary };
  }
  // a helm that was killed (signal, no exit code) is worth another attempt; anything else unknown is not
  if (exitCode === undefined) return { type: FailureType.helmUnavailable, retryable: true, summary };
  return { type: FailureType.helmRejected, retryable: false, summary };
}
