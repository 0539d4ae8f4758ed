// Per-org concurrency limit for everything that runs on the worker (deploys, updates, rollbacks, previews,
// revision reads): one team's tooling cannot take every worker slot. Counted from Temporal's visibility (running
// workflows carrying the org in their OrgIds search attribute), so every API replica sees the same count; this
// process's own count of operations it started covers the moment before visibility lists a new run, and the
// larger of the two decides.
import type { Response } from 'express';
import type { Outcome } from '../temporal/exchange-operations.js';
import { HttpError } from '../http/errors.js';

export class OrgLimiter {
  private readonly inFlight = new Map<string, number>();

  /**
   * @param max operations in flight per org; 0 = no limit
   * @param durableCount the org's running operations as Temporal lists them (all replicas'); none = this process only
   */
  constructor(
    readonly max: number,
    private readonly durableCount?: (org: string) => Promise<number>,
  ) {}

  /** A slot in each of the orgs, or the first org that is full. */
  async acquire(orgIds: readonly string[]): Promise<{ release: () => void } | { full: string }> {
    if (this.max <= 0) return { release: () => undefined };
    const orgs = [...new Set(orgIds)];
    const counts = new Map<string, number>();
    for (const o of orgs) counts.set(o, Math.max(this.inFlight.get(o) ?? 0, this.durableCount ? await this.durableCount(o) : 0));
    const full = orgs.find((o) => (counts.get(o) ?? 0) >= this.max);
    if (full !== undefined) return { full };
    for (const o of orgs) this.inFlight.set(o, (this.inFlight.get(o) ?? 0) + 1);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        for (const o of orgs) {
          const n = (this.inFlight.get(o) ?? 1) - 1;
          if (n <= 0) this.inFlight.delete(o);
          else this.inFlight.set(o, n);
        }
      },
    };
  }

  /** Runs a mutation in a slot of each of its orgs, held until its workflow ended; 429 when an org is full. */
  async run<O extends Pick<Outcome<unknown>, 'ok'> & { settled?: Promise<unknown> }>(res: Response, orgIds: string[], start: () => Promise<O>): Promise<O> {
    const slot = await this.acquire(orgIds);
    if ('full' in slot) {
      res.setHeader('Retry-After', '10');
      throw new HttpError(429, `Organization '${slot.full}' has ${this.max} operations in flight (the limit, across every API replica); retry later`, { error_type: 'TooManyOperations', org_id: slot.full });
    }
    try {
      const o = await start();
      if (o.ok === 'pending' && o.settled) void o.settled.then(slot.release);
      else slot.release();
      return o;
    } catch (err) {
      slot.release();
      throw err;
    }
  }

  count(org: string): number {
    return this.inFlight.get(org) ?? 0;
  }
}
