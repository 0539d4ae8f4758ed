// Text that reaches an answer, a log line or Temporal history may quote what a remote party said (helm's
// stderr, a registry's error body). Credentials are cut out of it before it goes anywhere.

// Each pattern is linear in the text (helm's stderr may quote a remote URL of any length): every repetition starts
// after a literal that cannot occur inside it, or is shorter than 64 characters, so no run is re-scanned from
// every start position. Keep it so when adding one.
const SECRET_PATTERNS: RegExp[] = [
  /(bearer\s+)[A-Za-z0-9._~+/=-]+/gi,
  /((?:token|password|client-key-data|client-certificate-data|certificate-authority-data)["']?\s*[:=]\s*["']?)[^\s"',}]+/gi,
  /-----BEGIN [A-Z ]+-----[\s\S]*?(?:-----END [A-Z ]+-----|$)/g,
  // long base64 runs are certificate or key material
  /[A-Za-z0-9+/]{64,}={0,2}/g,
];

/** Replaces every occurrence of each of `redact` with `[redacted]`: plain string search, no pattern. */
export function redactStrings(text: string, redact: string[] = []): string {
  let out = text;
  for (const secret of redact) if (secret) out = out.split(secret).join('[redacted]');
  return out;
}

/** Replaces tokens, passwords, PEM blocks, long base64 runs and any of `redact` with `[redacted]`. */
export function scrubSecrets(text: string, redact: string[] = []): string {
  let out = redactStrings(text, redact);
  for (const p of SECRET_PATTERNS) out = out.replace(p, (_m, prefix: unknown) => `${typeof prefix === 'string' ? prefix : ''}[redacted]`);
  return out;
}
