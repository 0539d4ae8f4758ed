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
});
