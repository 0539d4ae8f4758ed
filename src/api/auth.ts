// Bearer-token authentication. Every token belongs to a principal (name, roles, orgs). Tokens are kept only as
// SHA-256 digests and compared in constant time, so neither a memory dump nor the timing of a refusal tells an
// attacker anything about a token.
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { RequestHandler } from 'express';
import yaml from 'js-yaml';
import { z } from 'zod';
import { ANONYMOUS_ADMIN, ROLES, type Principal } from '../http/access.js';
import { sendError } from '../http/errors.js';

export function sha256(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

const HEX64 = /^[0-9a-f]{64}$/i;

/** One entry of API_PRINCIPALS / API_PRINCIPALS_FILE. */
const principalEntry = z
  .strictObject({
    name: z.string({ error: 'must be a string' }).regex(/^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/, 'must be 1-128 letters, digits and . _ : @ -'),
    token_sha256: z.string({ error: 'must be a quoted string' }).regex(HEX64, 'must be the SHA-256 of the token as 64 hex characters'),
    roles: z.array(z.enum(ROLES, { error: `each role must be one of ${ROLES.join(', ')}` })).min(1, 'must name at least one role'),
    orgs: z.array(z.string().min(1, 'org ids must not be empty').max(128, 'org ids must be at most 128 characters')).default([]),
  })
  .superRefine((p, ctx) => {
    // a deployer or viewer without orgs could never see anything: almost certainly a configuration slip
    if (p.orgs.length === 0 && !p.roles.includes('admin') && p.roles.some((r) => r === 'deployer' || r === 'viewer')) {
      ctx.addIssue({ code: 'custom', path: ['orgs'], message: 'must name at least one org for the deployer and viewer roles' });
    }
  });
export type PrincipalConfig = z.output<typeof principalEntry>;

export class PrincipalConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PrincipalConfigError';
  }
}

/**
 * Parses and checks the principals list (JSON, or YAML for a file: JSON is YAML too). Every problem is named by
 * entry and field; messages never quote a value, so nothing configured leaks into a log line.
 */
export function parsePrincipals(text: string, source: string): PrincipalConfig[] {
  let raw: unknown;
  try {
    raw = yaml.load(text, { schema: yaml.JSON_SCHEMA });
  } catch {
    throw new PrincipalConfigError(`${source}: not valid JSON or YAML`);
  }
  const parsed = z.array(principalEntry, { error: 'must be a list of principals' }).safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => {
      const [index, ...field] = i.path;
      const name = typeof index === 'number' ? (raw as Array<{ name?: unknown }>)[index]?.name : undefined;
      const where = typeof index === 'number' ? `entry ${index}${typeof name === 'string' && name ? ` (${name.slice(0, 128)})` : ''}` : 'list';
      return `${where}${field.length ? ` ${field.join('.')}` : ''}: ${i.message}`;
    });
    throw new PrincipalConfigError(`${source}: ${issues.join('; ')}`);
  }
  const names = new Set<string>();
  const digests = new Set<string>();
  for (const p of parsed.data) {
    if (names.has(p.name)) throw new PrincipalConfigError(`${source}: principal name '${p.name}' is used twice`);
    // two principals with one token would make the caller's identity depend on list order
    if (digests.has(p.token_sha256.toLowerCase())) throw new PrincipalConfigError(`${source}: principal '${p.name}' has the same token_sha256 as another entry`);
    names.add(p.name);
    digests.add(p.token_sha256.toLowerCase());
  }
  return parsed.data;
}

/** API_PRINCIPALS (inline JSON) and/or API_PRINCIPALS_FILE (JSON or YAML file); both may be given. */
export function loadPrincipals(opts: { json?: string; file?: string }): PrincipalConfig[] {
  const out: PrincipalConfig[] = [];
  if (opts.json?.trim()) out.push(...parsePrincipals(opts.json, 'API_PRINCIPALS'));
  if (opts.file) {
    let text: string;
    try {
      text = readFileSync(opts.file, 'utf8');
    } catch (err) {
      throw new PrincipalConfigError(`API_PRINCIPALS_FILE: cannot read ${opts.file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    out.push(...parsePrincipals(text, `API_PRINCIPALS_FILE ${opts.file}`));
  }
  return out;
}

export const ANONYMOUS_WARNING = 'AUTHENTICATION DISABLED: every caller is admin — development only';

/**
 * The API's verifier from its settings. Bad principal entries and a production service without any principal or
 * token throw PrincipalConfigError: the process must not start. `anonymous` says the caller should log
 * ANONYMOUS_WARNING.
 */
export function verifierFromSettings(s: {
  production: boolean;
  tokens?: string[];
  tokenSha256?: string[];
  principals?: string;
  principalsFile?: string;
}): { verifier: TokenVerifier; anonymous: boolean } {
  const principals = loadPrincipals({ json: s.principals, file: s.principalsFile });
  let verifier: TokenVerifier;
  try {
    verifier = new TokenVerifier({ tokens: s.tokens, sha256Hex: s.tokenSha256, principals });
  } catch (err) {
    throw new PrincipalConfigError((err as Error).message);
  }
  if (!verifier.enabled && s.production) {
    throw new PrincipalConfigError(
      'no API principals configured: set API_PRINCIPALS, API_PRINCIPALS_FILE, API_TOKENS or API_TOKEN_SHA256 (anonymous access is refused when NODE_ENV=production)',
    );
  }
  return { verifier, anonymous: !verifier.enabled };
}

interface Entry {
  digest: Buffer;
  principal: Principal;
}

export class TokenVerifier {
  private readonly entries: Entry[];

  /**
   * `tokens` / `sha256Hex` are the flat API_TOKENS / API_TOKEN_SHA256 lists: each is an admin. `principals` carry
   * their own roles and orgs.
   */
  constructor(opts: { tokens?: string[]; sha256Hex?: string[]; principals?: PrincipalConfig[] }) {
    // a mistyped digest is refused, not dropped: dropping the only one would leave the API open without saying why
    const malformed = (opts.sha256Hex ?? []).filter((h) => !HEX64.test(h)).length;
    if (malformed > 0) throw new Error(`${malformed} configured token digest(s) are not SHA-256 hex (64 hex characters)`);
    const admin = (i: number): Principal => ({ name: `api-token-${i + 1}`, roles: ['admin'], orgs: [] });
    // the same admin token listed twice (plain and hashed, say) is harmless: keep one
    const flatHex = new Set([...(opts.tokens ?? []).map((t) => sha256(t).toString('hex')), ...(opts.sha256Hex ?? []).map((h) => h.toLowerCase())]);
    const flat = [...flatHex].map((h) => Buffer.from(h, 'hex'));
    this.entries = [
      ...flat.map((digest, i) => ({ digest, principal: admin(i) })),
      ...(opts.principals ?? []).map((p) => ({
        digest: Buffer.from(p.token_sha256, 'hex'),
        principal: { name: p.name, roles: [...new Set(p.roles)], orgs: [...new Set(p.orgs)] },
      })),
    ];
    const seen = new Set<string>();
    for (const e of this.entries) {
      const hex = e.digest.toString('hex');
      if (seen.has(hex)) throw new Error(`principal '${e.principal.name}' has a token that another configured token already has`);
      seen.add(hex);
    }
  }

  get enabled(): boolean {
    return this.entries.length > 0;
  }

  /** Names and roles (never digests), for the start-up log. */
  describe(): { name: string; roles: string[]; orgs: string[] }[] {
    return this.entries.map((e) => ({ name: e.principal.name, roles: e.principal.roles, orgs: e.principal.orgs }));
  }

  /** The principal a token belongs to, or undefined. */
  authenticate(token: string): Principal | undefined {
    const presented = sha256(token);
    // every digest is compared, so the time taken does not say which (or whether an early) one matched
    let found: Principal | undefined;
    for (const e of this.entries) if (timingSafeEqual(presented, e.digest)) found = e.principal;
    return found;
  }

  verify(token: string): boolean {
    return this.authenticate(token) !== undefined;
  }
}

/**
 * 401 without a bearer token, 403 with a wrong one; on success the caller's principal is res.locals.principal.
 * With no tokens configured every caller is ANONYMOUS_ADMIN (development).
 */
export function requireBearer(verifier: TokenVerifier): RequestHandler {
  return (req, res, next) => {
    if (req.method === 'OPTIONS') return next();
    if (!verifier.enabled) {
      res.locals.principal = ANONYMOUS_ADMIN;
      return next();
    }
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match?.[1]) {
      res.setHeader('WWW-Authenticate', 'Bearer');
      return sendError(res, 401, 'Authentication required: send Authorization: Bearer <token>');
    }
    const principal = verifier.authenticate(match[1]);
    if (!principal) return sendError(res, 403, 'The bearer token is not accepted');
    res.locals.principal = principal;
    next();
  };
}
