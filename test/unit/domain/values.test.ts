import { deepMerge, expandDottedKeys, retainedOverrides, splitDottedKey, ValuesError, type Values } from '../../../src/domain/values.js';

/** JSON.parse keeps `__proto__` as an own key, the way a request body arrives. */
const fromJson = (json: string): Values => JSON.parse(json) as Values;

function valuesErrorOf(fn: () => unknown): ValuesError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ValuesError) return err;
    throw err;
  }
  throw new Error('expected a ValuesError');
}

describe('splitDottedKey', () => {
  it.each<[string, string, string[]]>([
    ['a plain key is one segment', 'replicas', ['replicas']],
    ['dots separate segments', 'config.jetstream.enabled', ['config', 'jetstream', 'enabled']],
    ['an escaped dot keeps the literal dot', 'podLabels.app\\.kubernetes\\.io/name', ['podLabels', 'app.kubernetes.io/name']],
    ['an escaped dot at the start keeps the literal dot', '\\.hidden', ['.hidden']],
    ['a backslash not before a dot is kept', 'a\\b.c', ['a\\b', 'c']],
    ['a trailing backslash is kept', 'a.b\\', ['a', 'b\\']],
    ['a leading dot yields an empty first segment', '.a', ['', 'a']],
    ['a trailing dot yields an empty last segment', 'a.', ['a', '']],
    ['a double dot yields an empty middle segment', 'a..b', ['a', '', 'b']],
    ['the empty key is one empty segment', '', ['']],
  ])('%s', (_name, key, expected) => {
    expect(splitDottedKey(key)).toEqual(expected);
  });
});

describe('expandDottedKeys', () => {
  it('expands the seed example into nested objects and keeps the value types', () => {
    const out = expandDottedKeys({
      'config.jetstream.enabled': true,
      'config.jetstream.fileStore.pvc.size': '5Gi',
      'config.cluster.replicas': 3,
    });
    expect(out).toEqual({
      config: {
        jetstream: { enabled: true, fileStore: { pvc: { size: '5Gi' } } },
        cluster: { replicas: 3 },
      },
    });
    const config = out.config as { jetstream: { enabled: unknown }; cluster: { replicas: unknown } };
    expect(typeof config.jetstream.enabled).toBe('boolean');
    expect(typeof config.cluster.replicas).toBe('number');
  });

  it.each<[string, Values, Values]>([
    ['a nested object passes through unchanged', { config: { cluster: { replicas: 3 } } }, { config: { cluster: { replicas: 3 } } }],
    [
      'a dotted key merges into a nested object given before it',
      { config: { cluster: { replicas: 3 } }, 'config.jetstream.enabled': true },
      { config: { cluster: { replicas: 3 }, jetstream: { enabled: true } } },
    ],
    [
      'a nested object merges into a dotted key given before it',
      { 'config.jetstream.enabled': true, config: { cluster: { replicas: 3 } } },
      { config: { jetstream: { enabled: true }, cluster: { replicas: 3 } } },
    ],
    [
      'dotted keys inside nested objects are expanded too',
      { config: { 'jetstream.enabled': true, cluster: { 'routes.enabled': false } } },
      { config: { jetstream: { enabled: true }, cluster: { routes: { enabled: false } } } },
    ],
    ['a dotted key with an escaped dot keeps the literal dot', { 'podLabels.app\\.kubernetes\\.io/name': 'nats' }, { podLabels: { 'app.kubernetes.io/name': 'nats' } }],
    ['null values are kept', { 'config.tls': null }, { config: { tls: null } }],
    ['arrays are kept as leaves and not expanded', { 'extraArgs': ['--a.b=1', { 'x.y': 1 }] }, { extraArgs: ['--a.b=1', { 'x.y': 1 }] }],
    ['a value with commas survives', { 'config.merge.authorization': 'a,b,c' }, { config: { merge: { authorization: 'a,b,c' } } }],
    ['a value with equals signs survives', { 'config.env': 'KEY=value=more' }, { config: { env: 'KEY=value=more' } }],
    ['a value with brackets and braces survives', { 'config.expr': '[0]{x}' }, { config: { expr: '[0]{x}' } }],
    ['a value with dots survives', { 'image.tag': '2.10.1' }, { image: { tag: '2.10.1' } }],
    ['a string that looks like a number stays a string', { 'config.port': '4222' }, { config: { port: '4222' } }],
    ['an empty object stays an empty object', { 'config.extra': {} }, { config: { extra: {} } }],
  ])('%s', (_name, input, expected) => {
    expect(expandDottedKeys(input)).toEqual(expected);
  });

  it.each<[string, Values, string]>([
    ['a scalar then a dotted key below it', { a: 1, 'a.b': 2 }, 'a.b'],
    ['a dotted key then a scalar at its parent', { 'a.b': 2, a: 1 }, 'a'],
    ['an array then a dotted key below it', { a: [1], 'a.b': 2 }, 'a.b'],
    ['null then a dotted key below it', { a: null, 'a.b': 2 }, 'a.b'],
    ['a nested leaf then the same leaf dotted with another value', { a: { b: 1 }, 'a.b': 2 }, 'a.b'],
    ['conflicting keys inside a nested object name the full path', { config: { x: 1, 'x.y': 2 } }, 'config.x.y'],
  ])('conflict: %s → ValuesError naming the key', (_name, input, key) => {
    const err = valuesErrorOf(() => expandDottedKeys(input));
    expect(err.key).toBe(key);
    expect(err.message).toContain(`helm_values.${key}`);
  });

  it.each<[string, Values, string]>([
    ['a dotted leaf then a nested object setting the same leaf', { 'a.b': 1, a: { b: 2 } }, 'a.b'],
    ['a deeper dotted key then a nested scalar at its parent', { 'a.b.c': 1, a: { b: 2 } }, 'a.b'],
  ])('conflict regardless of key order: %s → ValuesError', (_name, input, key) => {
    expect(valuesErrorOf(() => expandDottedKeys(input)).key).toBe(key);
  });

  it.each<[string, Values, string]>([
    ['a double dot', { 'a..b': 1 }, 'a..b'],
    ['a leading dot', { '.a': 1 }, '.a'],
    ['a trailing dot', { 'a.': 1 }, 'a.'],
    ['the empty key', { '': 1 }, ''],
    ['an empty segment inside a nested object', { config: { 'x..y': 1 } }, 'config.x..y'],
  ])('an empty key segment is refused: %s', (_name, input, key) => {
    const err = valuesErrorOf(() => expandDottedKeys(input));
    expect(err.key).toBe(key);
    expect(err.reason).toBe('empty key segment');
  });

  it.each<[string, string]>([
    ['__proto__ as a top-level key', '{"__proto__": {"polluted": true}}'],
    ['__proto__ as a dotted segment', '{"a.__proto__.polluted": true}'],
    ['__proto__ inside a nested object', '{"a": {"__proto__": {"polluted": true}}}'],
    ['constructor.prototype as dotted segments', '{"constructor.prototype.polluted": true}'],
    ['prototype as a segment', '{"x.prototype": 1}'],
  ])('an unsafe segment is refused: %s', (_name, json) => {
    const err = valuesErrorOf(() => expandDottedKeys(fromJson(json)));
    expect(err.reason).toMatch(/is not allowed/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('nesting deeper than 32 levels is refused', () => {
    let deep: Values = { leaf: 1 };
    for (let i = 0; i < 40; i++) deep = { n: deep };
    expect(() => expandDottedKeys(deep)).toThrow(/nesting deeper than 32 levels/);
  });

  it('does not modify its input', () => {
    const input: Values = { config: { cluster: { replicas: 3 } }, 'config.jetstream.enabled': true };
    const snapshot = structuredClone(input);
    expandDottedKeys(input);
    expect(input).toEqual(snapshot);
  });
});

describe('deepMerge', () => {
  it.each<[string, Values, Values, Values]>([
    ['objects merge key by key', { a: { x: 1, y: 2 } }, { a: { y: 3, z: 4 } }, { a: { x: 1, y: 3, z: 4 } }],
    ['deeply nested objects merge', { a: { b: { c: 1, d: 2 } } }, { a: { b: { d: 3 } } }, { a: { b: { c: 1, d: 3 } } }],
    ['arrays replace and are not concatenated', { a: [1, 2, 3] }, { a: [4] }, { a: [4] }],
    ['a scalar replaces a scalar', { a: 1 }, { a: 2 }, { a: 2 }],
    ['null replaces an object', { a: { b: 1 } }, { a: null }, { a: null }],
    ['an object replaces a scalar', { a: 1 }, { a: { b: 1 } }, { a: { b: 1 } }],
    ['a scalar replaces an object', { a: { b: 1 } }, { a: 'x' }, { a: 'x' }],
    ['an array replaces an object', { a: { b: 1 } }, { a: [1] }, { a: [1] }],
    ['keys only in the base are kept', { a: 1, b: 2 }, { b: 3 }, { a: 1, b: 3 }],
    ['an empty override keeps the base', { a: { b: 1 } }, {}, { a: { b: 1 } }],
  ])('%s', (_name, base, override, expected) => {
    expect(deepMerge(base, override)).toEqual(expected);
  });

  it('does not modify the base or the override', () => {
    const base: Values = { a: { b: 1 } };
    const override: Values = { a: { c: 2 } };
    deepMerge(base, override);
    expect(base).toEqual({ a: { b: 1 } });
    expect(override).toEqual({ a: { c: 2 } });
  });
});

describe('retainedOverrides', () => {
  const base: Values = {
    image: { repository: 'nats', tag: '2.10' },
    config: { cluster: { enabled: true, replicas: 1 }, jetstream: { enabled: false, fileStore: { pvc: { size: '1Gi' } } } },
    extraArgs: ['--debug'],
  };
  const jetstreamOverride = expandDottedKeys({ 'config.jetstream.enabled': true, 'config.jetstream.fileStore.pvc.size': '5Gi' });

  it('a release deployed with base + a JetStream override retains only the override', () => {
    const current = deepMerge(base, jetstreamOverride); // what `helm get values` returns
    expect(retainedOverrides(current, base)).toEqual(jetstreamOverride);
  });

  it('a later replicas change merges with the retained override without switching JetStream off', () => {
    const current = deepMerge(base, jetstreamOverride);
    const next = deepMerge(retainedOverrides(current, base), expandDottedKeys({ 'config.cluster.replicas': 3 }));
    expect(next).toEqual({ config: { jetstream: { enabled: true, fileStore: { pvc: { size: '5Gi' } } }, cluster: { replicas: 3 } } });
    expect(deepMerge(base, next)).toEqual({
      image: { repository: 'nats', tag: '2.10' },
      config: { cluster: { enabled: true, replicas: 3 }, jetstream: { enabled: true, fileStore: { pvc: { size: '5Gi' } } } },
      extraArgs: ['--debug'],
    });
  });

  it.each<[string, Values, Values]>([
    ['values equal to the base retain nothing', base, {}],
    ['an empty release retains nothing', {}, {}],
    ['a key the base does not have is retained', { ...base, podLabels: { team: 'x' } }, { podLabels: { team: 'x' } }],
    ['a changed array is retained whole', { ...base, extraArgs: ['--debug', '--trace'] }, { extraArgs: ['--debug', '--trace'] }],
    ['an equal array is not retained', { ...base, extraArgs: ['--debug'] }, {}],
    ['null over a base object is retained', { ...base, image: null }, { image: null }],
    ['a scalar over a base object is retained', { ...base, image: 'nats:2.10' }, { image: 'nats:2.10' }],
  ])('%s', (_name, current, expected) => {
    expect(retainedOverrides(current, base)).toEqual(expected);
  });
});
