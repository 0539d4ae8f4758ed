// Small pieces the benchmark files share: command-line options, percentiles, a bounded-concurrency runner and
// the plain-text table the report prints.

export interface Args {
  number(name: string, fallback: number): number;
  flag(name: string): boolean;
}

export function parseArgs(argv: string[]): Args {
  return {
    number(name, fallback) {
      const i = argv.indexOf(`--${name}`);
      if (i < 0) return fallback;
      const v = Number(argv[i + 1]);
      if (!Number.isFinite(v) || v < 0) throw new Error(`--${name} needs a number, got ${argv[i + 1]}`);
      return v;
    },
    flag: (name) => argv.includes(`--${name}`),
  };
}

export interface Stats {
  n: number;
  min: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentiles, rounded to 0.1 ms (the GET figures are a few ms, deploys thousands). */
export function stats(ms: number[]): Stats {
  const s = [...ms].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))] ?? 0;
  const r = (x: number) => Math.round(x * 10) / 10;
  return { n: s.length, min: r(s[0] ?? 0), p50: r(q(0.5)), p95: r(q(0.95)), p99: r(q(0.99)), max: r(s[s.length - 1] ?? 0), mean: r(s.reduce((a, b) => a + b, 0) / (s.length || 1)) };
}

/** Runs fn over items with at most `concurrency` at a time; results in item order. Rejects on the first failure. */
export async function pool<T, R>(items: T[], concurrency: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  });
  await Promise.all(lanes);
  return out;
}

/** Milliseconds a call took, with its result. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t = performance.now();
  const value = await fn();
  return { ms: performance.now() - t, value };
}

export const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

/** A text table with right-aligned columns after the first. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('-|-'), ...rows.map(line)].join('\n');
}

/** A row comparing a figure of raw helm with the service's: ratio, and the difference in ms when asked. */
export function compareRow(figure: string, raw: number, service: number, withOverhead = true): string[] {
  const ratio = raw > 0 ? `${(service / raw).toFixed(2)}x` : '—';
  const overhead = withOverhead ? `${service - raw >= 0 ? '+' : ''}${Math.round(service - raw)} ms` : '';
  return [figure, `${Math.round(raw)} ms`, `${Math.round(service)} ms`, ratio, overhead];
}
