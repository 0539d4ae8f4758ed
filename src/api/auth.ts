// Bearer-token authentication. Tokens are kept only as SHA-256 digests and compared in constant time, so
// neither the process memory dump nor the timing of a refusal tells an attacker anything about a token.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { sendError } from './errors.js';

export function sha256(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

export class TokenVerifier {
  private readonly digests: Buffer[];

  constructor(opts: { tokens?: string[]; sha256Hex?: string[] }) {
    // a mistyped digest is refused, not dropped: dropping the only one would leave the API open without saying why
    const malformed = (opts.sha256Hex ?? []).filter((h) => !/^[0-9a-f]{64}$/i.test(h)).length;
    if (malformed > 0) throw new Error(`${malformed} configured token digest(s) are not SHA-256 hex (64 hex characters)`);
    this.digests = [...(opts.tokens ?? []).map(sha256), ...(opts.sha256Hex ?? []).map((h) => Buffer.from(h, 'hex'))];
  }

  get enabled(): boolean {
    return this.digests.length > 0;
  }

  verify(token: string): boolean {
    const presented = sha256(token);
    // every digest is compared, so the time taken does not say which (or whether an early) one matched
    let ok = false;
    for (const d of this.digests) ok = timingSafeEqual(presented, d) || ok;
    return ok;
  }
}

/** 401 without a bearer token, 403 with a wrong one; a no-op when no tokens are configured. */
export function requireBearer(verifier: TokenVerifier): RequestHandler {
  return (req, res, next) => {
    if (!verifier.enabled || req.method === 'OPTIONS') return next();
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match?.[1]) {
      res.setHeader('WWW-Authenticate', 'Bearer');
      return sendError(res, 401, 'Authentication required: send Authorization: Bearer <token>');
    }
    if (!verifier.verify(match[1])) return sendError(res, 403, 'The bearer token is not accepted');
    next();
  };
}
