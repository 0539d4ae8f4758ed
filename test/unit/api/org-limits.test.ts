import type { Response } from 'express';
import { OrgLimiter } from '../../../src/api/org-limits.js';
import { HttpError } from '../../../src/http/errors.js';
import type { Outcome } from '../../../src/temporal/exchange-operations.js';

const res = () => {
  const headers: Record<string, string> = {};
  return { headers, res: { setHeader: (k: string, v: string) => (headers[k] = v) } as unknown as Response };
};
const done = (): Promise<Outcome<string>> => Promise.resolve({ ok: true, result: 'x', workflowId: 'w', runId: 'r' });

describe('OrgLimiter', () => {
  it('answers 429 naming the org once it has max operations in flight, with Retry-After', async () => {
    const limiter = new OrgLimiter(2);
    let finish!: () => void;
    const settled = new Promise<void>((ok) => (finish = ok));
    const pending = (): Promise<Outcome<string>> => Promise.resolve({ ok: 'pending', workflowId: 'w', runId: 'r', settled });
    await limiter.run(res().res, ['org-a'], pending);
    await limiter.run(res().res, ['org-a', 'org-b'], pending);
    expect(limiter.count('org-a')).toBe(2);
    const r = res();
    const err = await limiter.run(r.res, ['org-b', 'org-a'], done).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpError);
    expect(err).toMatchObject({ status: 429, extra: { error_type: 'TooManyOperations', org_id: 'org-a' } });
    expect(r.headers['Retry-After']).toBe('10');
    // another org is not affected
    await expect(limiter.run(res().res, ['org-c'], done)).resolves.toMatchObject({ ok: true });
    // the slots of a 202'd operation come back when its workflow ends
    finish();
    await settled;
    await new Promise((ok) => setImmediate(ok));
    expect(limiter.count('org-a')).toBe(0);
    await expect(limiter.run(res().res, ['org-a'], done)).resolves.toMatchObject({ ok: true });
  });

  it('frees the slot when the start fails, and 0 means no limit', async () => {
    const limiter = new OrgLimiter(1);
    await expect(limiter.run(res().res, ['o'], () => Promise.reject(new Error('temporal down')))).rejects.toThrow('temporal down');
    expect(limiter.count('o')).toBe(0);
    const open = new OrgLimiter(0);
    for (let i = 0; i < 50; i++) await open.run(res().res, ['o'], done);
    expect(open.count('o')).toBe(0);
  });

  it('counts what Temporal lists as running for the org (all replicas), and the larger of that and its own count decides', async () => {
    const running: Record<string, number> = { 'org-a': 2, 'org-b': 0 };
    const limiter = new OrgLimiter(2, (org) => Promise.resolve(running[org] ?? 0));
    // this process started nothing for org-a, another replica has 2 running: full
    await expect(limiter.run(res().res, ['org-a'], done)).rejects.toMatchObject({ status: 429, extra: { org_id: 'org-a' } });
    // org-b: Temporal lists none yet, but this process holds 2 whose runs visibility has not listed
    let finish!: () => void;
    const settled = new Promise<void>((ok) => (finish = ok));
    const pending = (): Promise<Outcome<string>> => Promise.resolve({ ok: 'pending', workflowId: 'w', runId: 'r', settled });
    await limiter.run(res().res, ['org-b'], pending);
    await limiter.run(res().res, ['org-b'], pending);
    await expect(limiter.run(res().res, ['org-b'], done)).rejects.toMatchObject({ status: 429 });
    finish();
    await settled;
    await new Promise((ok) => setImmediate(ok));
    running['org-a'] = 1;
    await expect(limiter.run(res().res, ['org-a', 'org-b'], done)).resolves.toMatchObject({ ok: true });
  });
});
