// Per-org concurrency limit for mutations: one team's tooling cannot take every worker slot. Counted in this API
// process, from the start of an operation until its workflow has ended (also when the caller got a 202).
import type { Response } from 'express';
import type { Outcome } from '../temporal/exchange-operations.js';
import { HttpError } from './errors.js';

export class OrgLimiter {
  private readonly inFlight = new Map<string, number>();

  /** @param max operations in flight per org; 0 = no limit */
  constructor(readonly max: number) {}

  /** A slot in each of the orgs, or the first org that is full. */
  acquire(orgIds: readonly string[]): { release: () => void } | { full: string } {
    if (this.max <= 0) return { release: () => undefined };
    const orgs = [...new Set(orgIds)];
    const full = orgs.find((o) => (this.inFlight.get(o) ?? 0) >= this.max);
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
  async run<T>(res: Response, orgIds: string[], start: () => Promise<Outcome<T>>): Promise<Outcome<T>> {
    const slot = this.acquire(orgIds);
    if ('full' in slot) {
      res.setHeader('Retry-After', '10');
      throw new HttpError(429, `Organization '${slot.full}' has ${this.max} operations in flight; retry later`, { error_type: 'TooManyOperations', org_id: slot.full });
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
