// The project's JSON Schema for the chart's values (chart/nats-<version>.values.schema.json), checked with ajv.
// Every POST/PUT's merged values pass through it before a workflow starts: unknown keys and wrong types answer
// 400 naming the key path, with the nearest known key for a typo.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { closest, distance } from 'fastest-levenshtein';

export interface ValuesIssue {
  /** Dotted key path, e.g. config.jetstream.enabeld */
  path: string;
  reason: string;
}

export class ValuesSchema {
  private readonly validate: ValidateFunction;
  /** Every dotted path the schema knows, for "did you mean". */
  private readonly knownPaths: string[];

  constructor(
    readonly schema: Record<string, unknown>,
    readonly chartVersion: string,
  ) {
    const ajv = new Ajv({ allErrors: true, strict: false });
    this.validate = ajv.compile(schema);
    this.knownPaths = collectPaths(schema, []);
  }

  check(values: unknown): ValuesIssue[] {
    if (this.validate(values)) return [];
    const issues = (this.validate.errors ?? []).map((e) => this.issue(e));
    // one line per key: ajv's anyOf reports the same key several times
    const seen = new Set<string>();
    return issues.filter((i) => (seen.has(i.path + i.reason) ? false : (seen.add(i.path + i.reason), true)));
  }

  private issue(e: ErrorObject): ValuesIssue {
    const base = e.instancePath
      .split('/')
      .slice(1)
      .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
    if (e.keyword === 'additionalProperties') {
      const key = [...base, String((e.params as { additionalProperty: string }).additionalProperty)].join('.');
      const near = this.suggest(key);
      return { path: key, reason: `is not a value of the nats chart ${this.chartVersion}${near ? ` (did you mean ${near}?)` : ''}` };
    }
    const path = base.join('.') || '(values)';
    if (e.keyword === 'pattern') return { path, reason: 'must be a Kubernetes quantity such as 512Mi, 10Gi or 500m' };
    return { path, reason: e.message ?? 'is invalid' };
  }

  private suggest(key: string): string | undefined {
    const parent = key.split('.').slice(0, -1).join('.');
    const siblings = this.knownPaths.filter((p) => p.split('.').slice(0, -1).join('.') === parent);
    const pool = siblings.length ? siblings : this.knownPaths;
    const best = closest(key, pool);
    return best && distance(key, best) <= Math.max(2, Math.floor(key.split('.').pop()!.length / 3)) ? best : undefined;
  }
}

function collectPaths(schema: unknown, prefix: string[]): string[] {
  const props = (schema as { properties?: Record<string, unknown> }).properties;
  if (!props) return [];
  return Object.entries(props).flatMap(([k, v]) => [[...prefix, k].join('.'), ...collectPaths(v, [...prefix, k])]);
}
