// Who may do what. The auth middleware (auth.ts) puts the caller's principal on res.locals; the routers ask
// the questions below instead of each writing its own checks, so every route answers the same way.
import type { RequestHandler, Response } from 'express';
import { sendError } from './errors.js';

export const ROLES = ['admin', 'deployer', 'viewer', 'registry-writer', 'codec-viewer'] as const;
export type Role = (typeof ROLES)[number];

export interface Principal {
  name: string;
  roles: Role[];
  /** Organizations whose exchanges the principal sees; ignored for admin, which sees all. */
  orgs: string[];
}

/** Who every caller is when no principal is configured (development only; src/main/api.ts refuses it in production). */
export const ANONYMOUS_ADMIN: Principal = Object.freeze({ name: 'anonymous', roles: ['admin'], orgs: [] }) as Principal;

/** Role sets per action, named once so the routers and the README table cannot drift apart. */
export const CAN = {
  readExchanges: ['deployer', 'viewer'],
  mutateExchanges: ['deployer'],
  writeRegistry: ['registry-writer'],
  readAllRegistry: ['registry-writer'],
  decodePayloads: ['codec-viewer'],
  encodePayloads: [],
} as const satisfies Record<string, readonly Role[]>;

/**
 * The authenticated caller. A router mounted without the auth middleware in front of it has no principal: that is
 * a wiring mistake, and it fails closed (500) instead of serving anyone.
 */
export function principalOf(res: Response): Principal {
  const p = res.locals.principal as Principal | undefined;
  if (!p) throw new Error('no principal on the request: the route is mounted without authentication');
  return p;
}

export function isAdmin(p: Principal): boolean {
  return p.roles.includes('admin');
}

/** admin holds every role. */
export function hasRole(p: Principal, allowed: readonly Role[]): boolean {
  return isAdmin(p) || p.roles.some((r) => allowed.includes(r));
}

/** Whether an exchange with these org ids is the caller's to see and change: one shared org is enough. */
export function canSeeOrgs(p: Principal, orgIds: readonly string[]): boolean {
  return isAdmin(p) || orgIds.some((o) => p.orgs.includes(o));
}

/** The first of `orgIds` the caller does not belong to (admin belongs to all). */
export function foreignOrg(p: Principal, orgIds: readonly string[]): string | undefined {
  return isAdmin(p) ? undefined : orgIds.find((o) => !p.orgs.includes(o));
}

function roleList(allowed: readonly Role[]): string {
  return [...allowed, 'admin'].map((r) => `'${r}'`).join(' or ');
}

export function forbidRole(res: Response, allowed: readonly Role[]): void {
  sendError(res, 403, `Forbidden: this needs the role ${roleList(allowed)}`, { error_type: 'Forbidden' });
}

/** 403 unless the caller holds one of `allowed` (or admin). */
export function requireRole(allowed: readonly Role[]): RequestHandler {
  return (_req, res, next) => {
    if (hasRole(principalOf(res), allowed)) return next();
    forbidRole(res, allowed);
  };
}
