// Who may authenticate: API tokens (plain or as digests), principals (API_PRINCIPALS / API_PRINCIPALS_FILE) and
// the verifier the API starts with.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPrincipals, parsePrincipals, PrincipalConfigError, sha256, TokenVerifier, verifierFromSettings } from '../../../src/api/auth.js';

const TOKEN = 's3cret';

describe('TokenVerifier', () => {
  it('accepts a configured plain token and nothing else', () => {
    const v = new TokenVerifier({ tokens: [TOKEN, 'other-token'] });
    expect(v.enabled).toBe(true);
    expect(v.verify(TOKEN)).toBe(true);
    expect(v.verify('other-token')).toBe(true);
    expect(v.verify('s3cret ')).toBe(false);
    expect(v.verify('S3CRET')).toBe(false);
    expect(v.verify('')).toBe(false);
  });

  it('accepts a token given only as its SHA-256 hex digest (either case)', () => {
    const hex = sha256(TOKEN).toString('hex');
    expect(new TokenVerifier({ sha256Hex: [hex] }).verify(TOKEN)).toBe(true);
    expect(new TokenVerifier({ sha256Hex: [hex.toUpperCase()] }).verify(TOKEN)).toBe(true);
    // the digest itself is not a token
    expect(new TokenVerifier({ sha256Hex: [hex] }).verify(hex)).toBe(false);
  });

  it('combines plain tokens and digests', () => {
    const v = new TokenVerifier({ tokens: ['plain'], sha256Hex: [sha256('hashed').toString('hex')] });
    expect(v.verify('plain')).toBe(true);
    expect(v.verify('hashed')).toBe(true);
    expect(v.verify('wrong')).toBe(false);
  });

  it.each<[string, ConstructorParameters<typeof TokenVerifier>[0]]>([
    ['no options', {}],
    ['empty lists', { tokens: [], sha256Hex: [] }],
  ])('with %s is disabled and verifies nothing', (_name, opts) => {
    const v = new TokenVerifier(opts);
    expect(v.enabled).toBe(false);
    expect(v.verify(TOKEN)).toBe(false);
  });

  it.each<[string, string]>([
    ['too short', 'abc123'],
    ['not hex', 'z'.repeat(64)],
    ['63 characters', sha256(TOKEN).toString('hex').slice(1)],
  ])('refuses a digest that is %s instead of silently dropping it', (_name, hex) => {
    expect(() => new TokenVerifier({ sha256Hex: [hex] })).toThrow(/SHA-256 hex/);
  });
});

const hexOf = (token: string) => sha256(token).toString('hex');
const entry = (over: Record<string, unknown> = {}) => ({ name: 'team-a-ci', token_sha256: hexOf('team-a'), roles: ['deployer'], orgs: ['org-a'], ...over });

describe('principals (API_PRINCIPALS / API_PRINCIPALS_FILE)', () => {
  it('parses the documented JSON form', () => {
    const parsed = parsePrincipals(JSON.stringify([entry(), entry({ name: 'registry', token_sha256: hexOf('reg'), roles: ['registry-writer'], orgs: undefined })]), 'API_PRINCIPALS');
    expect(parsed).toEqual([
      { name: 'team-a-ci', token_sha256: hexOf('team-a'), roles: ['deployer'], orgs: ['org-a'] },
      { name: 'registry', token_sha256: hexOf('reg'), roles: ['registry-writer'], orgs: [] },
    ]);
  });

  it('reads a YAML file, and combines it with the inline list', () => {
    const dir = mkdtempSync(join(tmpdir(), 'principals-'));
    try {
      const file = join(dir, 'principals.yaml');
      writeFileSync(file, `- name: viewer
  token_sha256: "${hexOf('v')}"
  roles: [viewer]
  orgs: [org-a, org-b]
`);
      const all = loadPrincipals({ json: JSON.stringify([entry()]), file });
      expect(all.map((p) => p.name)).toEqual(['team-a-ci', 'viewer']);
      expect(all[1]).toEqual({ name: 'viewer', token_sha256: hexOf('v'), roles: ['viewer'], orgs: ['org-a', 'org-b'] });
      expect(() => loadPrincipals({ file: join(dir, 'missing.yaml') })).toThrow(/API_PRINCIPALS_FILE: cannot read .*missing\.yaml \(ENOENT\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is empty when neither is set', () => {
    expect(loadPrincipals({})).toEqual([]);
    expect(loadPrincipals({ json: '  ' })).toEqual([]);
  });

  it.each<[string, string, RegExp]>([
    ['not JSON', '[{', /API_PRINCIPALS: not valid JSON or YAML/],
    ['an object instead of a list', JSON.stringify(entry()), /must be a list of principals/],
    ['an unknown role', JSON.stringify([entry({ roles: ['root'] })]), /entry 0 \(team-a-ci\) roles\.0: each role must be one of admin, deployer, viewer, registry-writer, codec-viewer/],
    ['no roles', JSON.stringify([entry({ roles: [] })]), /roles: must name at least one role/],
    ['a short digest', JSON.stringify([entry({ token_sha256: 'abc' })]), /token_sha256: must be the SHA-256 of the token as 64 hex characters/],
    ['a plain token in place of the digest', JSON.stringify([entry({ token_sha256: undefined, token: 'team-a' })]), /unrecognized key|token/i],
    ['a deployer without orgs', JSON.stringify([entry({ orgs: [] })]), /orgs: must name at least one org for the deployer and viewer roles/],
    ['a blank name', JSON.stringify([entry({ name: '' })]), /entry 0 name: must be 1-128 letters/],
    ['a name used twice', JSON.stringify([entry(), entry({ token_sha256: hexOf('other') })]), /principal name 'team-a-ci' is used twice/],
    ['a token used twice', JSON.stringify([entry(), entry({ name: 'other' })]), /principal 'other' has the same token_sha256/],
  ])('refuses %s with a message naming entry and field', (_name, text, message) => {
    let caught: unknown;
    try {
      parsePrincipals(text, 'API_PRINCIPALS');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(PrincipalConfigError);
    expect((caught as Error).message).toMatch(message);
    expect((caught as Error).message).not.toContain(hexOf('team-a'));
  });

  it('an unquoted all-digit digest in YAML is a number, and the message says to quote it', () => {
    const digits = '1'.repeat(64);
    expect(() => parsePrincipals(`- name: x\n  token_sha256: ${digits}\n  roles: [admin]\n`, 'file')).toThrow(/token_sha256: must be a quoted string/);
  });
});

describe('verifierFromSettings (what src/main/api.ts starts with)', () => {
  it('is anonymous (every caller admin) without principals or tokens outside production', () => {
    const { verifier, anonymous } = verifierFromSettings({ production: false });
    expect(anonymous).toBe(true);
    expect(verifier.enabled).toBe(false);
  });

  it('refuses to start in production without principals or tokens', () => {
    expect(() => verifierFromSettings({ production: true, tokens: [], tokenSha256: [], principals: '' })).toThrow(PrincipalConfigError);
    expect(() => verifierFromSettings({ production: true })).toThrow(/anonymous access is refused when NODE_ENV=production/);
  });

  it('starts in production with principals only, or with API tokens only', () => {
    expect(verifierFromSettings({ production: true, principals: JSON.stringify([entry()]) }).anonymous).toBe(false);
    expect(verifierFromSettings({ production: true, tokens: ['t'] }).verifier.authenticate('t')).toMatchObject({ roles: ['admin'] });
  });

  it('stops on a bad entry or a malformed API_TOKEN_SHA256, in development too', () => {
    expect(() => verifierFromSettings({ production: false, principals: JSON.stringify([entry({ roles: ['root'] })]) })).toThrow(PrincipalConfigError);
    expect(() => verifierFromSettings({ production: false, tokenSha256: ['abc'] })).toThrow(/SHA-256 hex/);
  });
});

describe('TokenVerifier with principals', () => {
  const principals = parsePrincipals(JSON.stringify([entry(), entry({ name: 'viewer', token_sha256: hexOf('view'), roles: ['viewer'], orgs: ['org-a', 'org-a'] })]), 'test');

  it('maps each token to its principal; API_TOKENS entries are admins', () => {
    const v = new TokenVerifier({ tokens: ['legacy'], sha256Hex: [hexOf('hashed-legacy')], principals });
    expect(v.authenticate('team-a')).toEqual({ name: 'team-a-ci', roles: ['deployer'], orgs: ['org-a'] });
    expect(v.authenticate('view')).toEqual({ name: 'viewer', roles: ['viewer'], orgs: ['org-a'] });
    expect(v.authenticate('legacy')).toMatchObject({ roles: ['admin'] });
    expect(v.authenticate('hashed-legacy')).toMatchObject({ roles: ['admin'] });
    expect(v.authenticate('nope')).toBeUndefined();
    expect(JSON.stringify(v.describe())).not.toContain(hexOf('team-a'));
  });

  it('refuses a principal whose token is also an API token', () => {
    expect(() => new TokenVerifier({ tokens: ['team-a'], principals })).toThrow(/principal 'team-a-ci' has a token that another configured token already has/);
  });

  it('accepts the same admin token listed plain and hashed', () => {
    expect(new TokenVerifier({ tokens: ['t'], sha256Hex: [hexOf('t')] }).verify('t')).toBe(true);
  });
});
