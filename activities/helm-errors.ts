// Turns a failed helm run into a decision: retry (the cluster may come back) or give up (the chart, the values
// or the credentials are wrong). The summary is what callers and the Web UI see, so it is short and scrubbed.
// stderr can quote what a remote server sent (a URL of any length), so it is cut to a bounded tail before any
// pattern looks at it, and every pattern here has bounded repetition or no backtracking over a run.
import { redactStrings, scrubSecrets } from '../src/scrub.js';
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
  // before "forbidden": the API server's word for an immutable StatefulSet field is "Forbidden", not a credential problem
  { pattern: /updates to statefulset spec for fields other than|field is immutable/i, type: FailureType.immutableField, retryable: false },
  { pattern: /\bUnauthorized\b|must be logged in|\bforbidden\b(?!: exceeded quota)|(?:status code|HTTP|code:?)\s{0,8}40[13]\b/i, type: FailureType.helmUnauthorized, retryable: false },
  // helm 4's watcher names the resource that did not become ready before its timeout
  { pattern: /resource \S{1,512} not ready\. status:/i, type: FailureType.helmNotReady, retryable: false },
  {
    pattern:
      /connection refused|connection reset|i\/o timeout|timed out|TLS handshake timeout|context deadline exceeded|no such host|network is unreachable|EOF$|the server is currently unable|ServiceUnavailable|Internal error occurred|etcdserver|too many requests|(?:status code|HTTP|code:?)\s{0,8}50[0234]\b|failed to download|Kubernetes cluster unreachable/im,
    type: FailureType.helmUnavailable,
    retryable: true,
  },
  {
    pattern: /parse error|YAML|unable to build kubernetes objects|execution error|is invalid|chart [^\n]{0,256}? not found|no chart|values don't meet the specifications|template:|error validating|invalid/i,
    type: FailureType.helmRejected,
    retryable: false,
  },
];

/** How much of helm's stderr is looked at: its tail (where helm prints the error), in lines of bounded length. */
export const STDERR_TAIL_CHARS = 8 * 1024;
export const STDERR_LINE_CHARS = 1024;

const WHITESPACE = /\s/;

/** Index of the first whitespace character at or after `from`, or -1; a plain loop, no pattern over the run. */
function firstSpace(text: string, from = 0): number {
  for (let i = from; i < text.length; i++) if (WHITESPACE.test(text.charAt(i))) return i;
  return -1;
}

function lastSpace(text: string): number {
  for (let i = text.length - 1; i >= 0; i--) if (WHITESPACE.test(text.charAt(i))) return i;
  return -1;
}

/**
 * The last STDERR_TAIL_CHARS of `stderr`, each line cut to STDERR_LINE_CHARS keeping its start and its end. Cuts
 * fall on whitespace, so no word (a token, a key) is ever split into a piece the scrubber no longer recognises;
 * a word longer than the room it would get is dropped whole.
 */
export function boundStderr(stderr: string): string {
  let tail = stderr;
  if (tail.length > STDERR_TAIL_CHARS) {
    tail = tail.slice(-STDERR_TAIL_CHARS);
    const space = firstSpace(tail);
    tail = space < 0 ? '' : tail.slice(space);
  }
  const half = STDERR_LINE_CHARS / 2;
  return tail
    .split('\n')
    .map((line) => {
      if (line.length <= STDERR_LINE_CHARS) return line;
      const head = line.slice(0, half);
      const end = line.slice(-(half - 1));
      const headCut = lastSpace(head);
      const endCut = firstSpace(end);
      return `${headCut < 0 ? '' : head.slice(0, headCut)} … ${endCut < 0 ? '' : end.slice(endCut + 1)}`;
    })
    .join('\n');
}

/**
 * Replaces every path into a kubeconfig temp dir (from its first `/` to the end of the word) with `<kubeconfig>`.
 * Done word by word: a pattern like `/[^\s]*ned-kube-` backtracks quadratically over a long run of slashes.
 */
function hideKubeconfigPaths(text: string): string {
  return text.replace(/[^\s"']+/g, (word) => {
    const slash = word.indexOf('/');
    return slash >= 0 && word.includes('ned-kube-', slash) ? `${word.slice(0, slash)}<kubeconfig>` : word;
  });
}

/** Removes credentials and local paths, keeps the last meaningful lines, caps the length. */
export function summarizeStderr(stderr: string, opts: { maxLength?: number; redact?: string[] } = {}): string {
  const maxLength = opts.maxLength ?? 400;
  const text = hideKubeconfigPaths(scrubSecrets(boundStderr(redactStrings(stderr, opts.redact)), opts.redact));
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/^(WARNING|W\d{4} |I\d{4} )/.test(l));
  let summary = lines.slice(-3).join(' | ');
  if (summary.length > maxLength) summary = `…${summary.slice(summary.length - maxLength + 1)}`;
  return summary || 'helm failed without an error message';
}

export function classifyHelmFailure(stderr: string, exitCode: number | undefined, redact: string[] = []): HelmFailure {
  // the caller's own secrets are cut from the whole text first (plain string search), before cutting could split one
  const bounded = boundStderr(redactStrings(stderr, redact));
  const summary = summarizeStderr(bounded, { redact });
  const text = bounded.split('\n').filter((l) => !/^WARNING/.test(l.trim())).join('\n');
  for (const rule of RULES) {
    if (rule.pattern.test(text)) return { type: rule.type, retryable: rule.retryable, summary };
  }
  // a helm that was killed (signal, no exit code) is worth another attempt; anything else unknown is not
  if (exitCode === undefined) return { type: FailureType.helmUnavailable, retryable: true, summary };
  return { type: FailureType.helmRejected, retryable: false, summary };
}
