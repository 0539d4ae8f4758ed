// What the codec endpoint may show of a decoded payload. Workflow inputs carry the caller's kubeconfig: a person
// looking at history in the Web UI may see which cluster (server URL, CA) but not the credentials.

export const REDACTED = '<redacted>';

/**
 * Keys whose values are credentials wherever they appear (kubeconfig users, and helm values such as a NATS
 * authorization token, a user's `pass`, nkey seeds and creds files in `natsBox.contexts`). `username`/`user` and
 * `certificate-authority-data` stay: neither lets anyone in.
 */
const SECRET_KEYS = new Set([
  'token',
  'client-key-data',
  'client-certificate-data',
  'password',
  'auth-provider',
  'exec',
  'pass',
  'auth_token',
  'nkey',
  'creds',
  'seed',
  'jwt',
  'user_jwt',
  'privateKey',
  'private_key',
]);

// scheme://user:secret@host — the userinfo of a URL (leafnode, route, gateway URLs) is a credential
const URL_USERINFO = /([a-z][a-z0-9+.-]*:\/\/)[^\s/@]+@/gi;

function redactString(s: string): { value: string; redacted: boolean } {
  const value = s.replace(URL_USERINFO, `$1${REDACTED}@`);
  return { value, redacted: value !== s };
}

type Slot = Record<string | number, unknown>;

/** A copy of `value` with every SECRET_KEYS value replaced by REDACTED, and how many were replaced. */
export function redactCredentials(value: unknown): { value: unknown; redacted: number } {
  let redacted = 0;
  // iterative on purpose: payload JSON comes from history, and a deep one must not overflow the stack here
  const root: Slot = {};
  const stack: [unknown, Slot, string | number][] = [[value, root, 'v']];
  while (stack.length > 0) {
    const [node, parent, key] = stack.pop() as [unknown, Slot, string | number];
    if (Array.isArray(node)) {
      const copy: unknown[] = new Array<unknown>(node.length).fill(null);
      parent[key] = copy;
      node.forEach((child, i) => stack.push([child, copy as unknown as Slot, i]));
    } else if (typeof node === 'object' && node !== null) {
      // no prototype: a "__proto__" key from JSON.parse stays a plain key instead of replacing the prototype
      const copy = Object.create(null) as Slot;
      parent[key] = copy;
      for (const [k, child] of Object.entries(node)) {
        if (SECRET_KEYS.has(k)) {
          copy[k] = REDACTED;
          redacted++;
        } else {
          copy[k] = null; // holds the key's place, so the copy keeps the original key order
          stack.push([child, copy, k]);
        }
      }
    } else if (typeof node === 'string') {
      const r = redactString(node);
      if (r.redacted) redacted++;
      parent[key] = r.value;
    } else {
      parent[key] = node;
    }
  }
  return { value: root.v, redacted };
}
