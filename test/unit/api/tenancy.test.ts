// Trust boundaries of the API: roles decide which routes a principal may call, orgs which exchanges it sees and
// changes (another org's exchange answers exactly like a missing one), and a PUT or DELETE acts only on a
// registered exchange of the cluster it was deployed to.
import { randomBytes, randomUUID } from 'node:crypto';
import request from 'supertest';
import { DEFAULT_KUBECONFIG_POLICY, resolveKubeconfig } from '../../../src/domain/kubeconfig.js';
import { createApp } from '../../../src/api/app.js';
import { TokenVerifier } from '../../../src/api/auth.js';
import { clusterFingerprint } from '../../../src/api/cluster-fingerprint.js';
import { createLogger } from '../../../src/logger.js';
import { SqliteBackboneStore } from '../../../src/registry/sqlite-store.js';
import { EncryptionCodec } from '../../../src/temporal/encryption-codec.js';
import type { OperationStatus } from '../../../src/temporal/exchange-operations.js';
import { FAKE_CA_DATA, FAKE_TOKEN, tokenKubeconfig, type Kc } from '../fixtures/kubeconfig.js';
import { newBackbone } from '../registry/fixtures.js';
import { bearer, FakeDirectory, principal, RecordingOperations } from './support.js';

const PRINCIPALS = [
  principal('deployer-a', ['deployer'], ['org-a']),
  principal('deployer-b', ['deployer'], ['org-b']),
  principal('viewer-a', ['viewer'], ['org-a']),
  principal('writer', ['registry-writer']),
  principal('codec', ['codec-viewer']),
];
const ADMIN = bearer('admin'); // API_TOKENS entry: admin of every org

const ID_A = randomUUID();
const ID_B = randomUUID();
const ID_OLD = randomUUID(); // registered before fingerprints existed

/** The fixture kubeconfig with its one cluster's fields replaced. */
function kubeconfigFor(cluster: Kc, user: Kc = { token: FAKE_TOKEN }): Kc {
  return tokenKubeconfig({ clusters: [{ name: 'prod', cluster }], users: [{ name: 'deployer', user }] });
}
const PROD = { server: 'https://api.example.com:6443', 'certificate-authority-data': FAKE_CA_DATA };
const fingerprintOf = (kc: Kc) => clusterFingerprint(resolveKubeconfig(kc).minimal);

function setup(opts: { principals?: boolean } = {}) {
  const ops = new RecordingOperations();
  const directory = new FakeDirectory();
  directory.add({ system_id: ID_A, release_name: 'nats-a', namespace: 'communication', org_ids: ['org-a'], cluster_fingerprint: fingerprintOf(tokenKubeconfig()) });
  directory.add({ system_id: ID_B, release_name: 'nats-b', namespace: 'communication', org_ids: ['org-b', 'org-z'], cluster_fingerprint: fingerprintOf(tokenKubeconfig()) });
  directory.add({ system_id: ID_OLD, release_name: 'nats-old', namespace: 'communication', org_ids: ['org-a'] });
  const app = createApp({
    operations: ops,
    directory,
    kubeconfigPolicy: DEFAULT_KUBECONFIG_POLICY,
    temporalUiUrl: 'http://temporal-ui.local:8233',
    temporalNamespace: 'default',
    logger: createLogger('silent', 'test'),
    auth: opts.principals === false ? new TokenVerifier({}) : new TokenVerifier({ tokens: ['admin-token'], principals: PRINCIPALS }),
    codec: { codec: new EncryptionCodec([{ id: 'k1', key: randomBytes(32) }]), corsOrigins: [] },
  });
  return { app, ops, directory };
}

const postBody = (over: Record<string, unknown> = {}) => ({
  kubeconfig: tokenKubeconfig(),
  helm_values: {},
  release_name: 'nats-new',
  org_ids: 'org-a',
  cluster_id: 'cluster-1',
  name: 'New',
  ...over,
});
const putBody = (release: string, kubeconfig: Kc = tokenKubeconfig()) => ({ kubeconfig, release_name: release, helm_values: { 'config.cluster.replicas': 3 } });
const deleteBody = (release: string, kubeconfig: Kc = tokenKubeconfig()) => ({ kubeconfig, release_name: release });

describe('roles', () => {
  it.each<[string, string, number]>([
    ['viewer-a', 'POST', 403],
    ['viewer-a', 'PUT', 403],
    ['viewer-a', 'DELETE', 403],
    ['writer', 'POST', 403],
    ['codec', 'DELETE', 403],
    ['deployer-a', 'PUT', 200],
    ['deployer-a', 'DELETE', 200],
  ])('%s %s /exchange answers %i', async (who, verb, status) => {
    const { app, ops } = setup();
    const send =
      verb === 'POST'
        ? request(app).post('/exchange').send(postBody())
        : verb === 'PUT'
          ? request(app).put(`/exchange/${ID_A}`).send(putBody('nats-a'))
          : request(app).delete(`/exchange/${ID_A}`).send(deleteBody('nats-a'));
    const res = await send.set(bearer(who)).expect(status);
    if (status === 403) {
      expect(res.body).toMatchObject({ success: false, error_type: 'Forbidden', error: expect.stringContaining("'deployer'") as string });
      expect(ops.calls).toBe(0);
    } else {
      expect(ops.calls).toBe(1);
    }
  });

  it.each<[string, number]>([
    ['viewer-a', 200],
    ['deployer-a', 200],
    ['writer', 403],
    ['codec', 403],
  ])('%s reading /exchange answers %i', async (who, status) => {
    const { app } = setup();
    await request(app).get('/exchange').set(bearer(who)).expect(status);
    await request(app).get(`/exchange/${ID_A}`).set(bearer(who)).expect(status);
  });

  it('checks the role before the body', async () => {
    const { app } = setup();
    await request(app).post('/exchange').set(bearer('viewer-a')).send({ nonsense: true }).expect(403);
  });
});

describe('orgs', () => {
  it('lists only the caller orgs; a filter for another org finds nothing; admin lists all', async () => {
    const { app } = setup();
    const ids = (res: { body: { items: Array<{ system_id: string }> } }) => res.body.items.map((r) => r.system_id).sort();
    expect(ids(await request(app).get('/exchange').set(bearer('viewer-a')).expect(200))).toEqual([ID_A, ID_OLD].sort());
    expect(ids(await request(app).get('/exchange').query({ org_id: 'org-b' }).set(bearer('viewer-a')).expect(200))).toEqual([]);
    expect(ids(await request(app).get('/exchange').set(bearer('deployer-b')).expect(200))).toEqual([ID_B]);
    expect(ids(await request(app).get('/exchange').set(ADMIN).expect(200))).toEqual([ID_A, ID_B, ID_OLD].sort());
  });

  it('answers GET of another org exchange with the same 404 as an unknown id', async () => {
    const { app } = setup();
    const foreign = await request(app).get(`/exchange/${ID_B}`).set(bearer('deployer-a')).expect(404);
    const unknownId = randomUUID();
    const unknown = await request(app).get(`/exchange/${unknownId}`).set(bearer('deployer-a')).expect(404);
    expect(foreign.body).toEqual({ success: false, error: `No exchange with system_id '${ID_B}'` });
    expect(unknown.body).toEqual({ success: false, error: `No exchange with system_id '${unknownId}'` });
    const own = await request(app).get(`/exchange/${ID_A}`).set(bearer('deployer-a')).expect(200);
    expect(own.body.exchange).toMatchObject({ system_id: ID_A, org_ids: ['org-a'] });
  });

  it.each(['PUT', 'DELETE'])('answers %s of another org exchange 404 and starts nothing', async (verb) => {
    const { app, ops } = setup();
    const res =
      verb === 'PUT'
        ? await request(app).put(`/exchange/${ID_B}`).set(bearer('deployer-a')).send(putBody('nats-b')).expect(404)
        : await request(app).delete(`/exchange/${ID_B}`).set(bearer('deployer-a')).send(deleteBody('nats-b')).expect(404);
    expect(res.body).toEqual({ success: false, error: `No exchange with system_id '${ID_B}'` });
    expect(ops.calls).toBe(0);
    // one shared org is enough: deployer-b belongs to org-b of ['org-b', 'org-z']
    await request(app).delete(`/exchange/${ID_B}`).set(bearer('deployer-b')).send(deleteBody('nats-b')).expect(200);
  });

  it('refuses a POST into an org the caller is not in with 403 naming the org, and starts nothing', async () => {
    const { app, ops } = setup();
    const res = await request(app).post('/exchange').set(bearer('deployer-a')).send(postBody({ org_ids: 'org-a,org-b' })).expect(403);
    expect(res.body).toMatchObject({ success: false, error_type: 'Forbidden', org_id: 'org-b' });
    expect(res.body.error).toContain("'org-b'");
    expect(ops.calls).toBe(0);
    await request(app).post('/exchange').set(ADMIN).send(postBody({ org_ids: 'org-a,org-b' })).expect(200);
  });

  it('hides operations of another org exchange, and of unregistered ones unless this caller org started them', async () => {
    const { app, ops } = setup();
    const op = (systemId: string, operationId = randomUUID()): OperationStatus => ({
      operation_id: operationId,
      workflow_id: `exchange-${systemId}`,
      operation: 'update',
      status: 'succeeded',
      step: 'done',
      started_at: null,
      closed_at: null,
    });
    const onB = op(ID_B);
    ops.statuses.set(ID_B, onB);
    await request(app).get(`/exchange/${ID_B}/operations/${onB.operation_id}`).set(bearer('deployer-a')).expect(404);
    await request(app).get(`/exchange/${ID_B}/operations/${onB.operation_id}`).set(bearer('deployer-b')).expect(200);

    // an operation whose exchange has no record (a failed deploy, say): nobody here knows whose it is
    const orphanId = randomUUID();
    const orphan = op(orphanId);
    ops.statuses.set(orphanId, orphan);
    await request(app).get(`/exchange/${orphanId}`).set(bearer('deployer-a')).expect(404);
    await request(app).get(`/exchange/${orphanId}/operations/${orphan.operation_id}`).set(bearer('deployer-a')).expect(404);
    await request(app).get(`/exchange/${orphanId}`).set(ADMIN).expect(200);
    await request(app).get(`/exchange/${orphanId}/operations/${orphan.operation_id}`).set(ADMIN).expect(200);
  });

  it('lets the orgs of an async deploy poll it before any record exists, and nobody else', async () => {
    const { app, ops } = setup();
    ops.pending = true;
    const post = await request(app).post('/exchange').set(bearer('deployer-a')).set('Prefer', 'respond-async').send(postBody()).expect(202);
    const { system_id: systemId, operation_id: operationId, status_url: statusUrl } = post.body as { system_id: string; operation_id: string; status_url: string };
    ops.statuses.set(systemId, { operation_id: operationId, workflow_id: `exchange-${systemId}`, operation: 'deploy', status: 'running', step: 'install', started_at: null, closed_at: null });
    await request(app).get(statusUrl).set(bearer('deployer-a')).expect(200);
    await request(app).get(`/exchange/${systemId}`).set(bearer('viewer-a')).expect(200);
    await request(app).get(statusUrl).set(bearer('deployer-b')).expect(404);
    await request(app).get(`/exchange/${systemId}`).set(bearer('deployer-b')).expect(404);
  });
});

describe('ownership before action', () => {
  it.each(['PUT', 'DELETE'])('%s of an id the registry does not hold answers 404 and starts nothing', async (verb) => {
    const { app, ops } = setup();
    const id = randomUUID();
    const res =
      verb === 'PUT'
        ? await request(app).put(`/exchange/${id}`).set(ADMIN).send(putBody('nats-a')).expect(404)
        : await request(app).delete(`/exchange/${id}`).set(ADMIN).send(deleteBody('nats-a')).expect(404);
    expect(res.body).toEqual({ success: false, error: `No exchange with system_id '${id}'` });
    expect(ops.calls).toBe(0);
  });

  it('still validates first: an invalid body for an unknown id is 400', async () => {
    const { app, ops } = setup();
    await request(app).put(`/exchange/${randomUUID()}`).set(ADMIN).send({ release_name: 'x' }).expect(400);
    expect(ops.calls).toBe(0);
  });

  it('keeps the 409 for a body that names another release than the record', async () => {
    const { app, ops } = setup();
    const res = await request(app).delete(`/exchange/${ID_A}`).set(ADMIN).send(deleteBody('nats-b')).expect(409);
    expect(res.body).toMatchObject({ success: false, error_type: 'ExchangeMismatch' });
    expect(ops.calls).toBe(0);
  });

  it('records the target cluster fingerprint at deploy, computed from the minimal kubeconfig', async () => {
    const { app, ops } = setup();
    await request(app).post('/exchange').set(bearer('deployer-a')).send(postBody()).expect(200);
    expect(ops.deployCalls[0]?.clusterFingerprint).toBe(fingerprintOf(tokenKubeconfig()));
    expect(ops.deployCalls[0]?.clusterFingerprint).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each<[string, Kc]>([
    ['another port', kubeconfigFor({ ...PROD, server: 'https://api.example.com:7443' })],
    ['another host', kubeconfigFor({ ...PROD, server: 'https://other.example.com:6443' })],
    ['another CA', kubeconfigFor({ ...PROD, 'certificate-authority-data': Buffer.from('another CA').toString('base64') })],
    ['no CA', kubeconfigFor({ server: PROD.server })],
  ])('answers 409 ClusterMismatch to PUT and DELETE with a kubeconfig for %s, and starts nothing', async (_name, kubeconfig) => {
    const { app, ops } = setup();
    const put = await request(app).put(`/exchange/${ID_A}`).set(bearer('deployer-a')).send(putBody('nats-a', kubeconfig)).expect(409);
    expect(put.body).toMatchObject({ success: false, error_type: 'ClusterMismatch', system_id: ID_A });
    const del = await request(app).delete(`/exchange/${ID_A}`).set(bearer('deployer-a')).send(deleteBody('nats-a', kubeconfig)).expect(409);
    expect(del.body).toMatchObject({ success: false, error_type: 'ClusterMismatch' });
    expect(ops.calls).toBe(0);
  });

  it('accepts the same cluster spelled differently and with other credentials', async () => {
    const { app, ops } = setup();
    const sameCluster = kubeconfigFor({ server: 'HTTPS://API.example.com:6443/', 'certificate-authority-data': FAKE_CA_DATA }, { token: 'another-token' });
    await request(app).put(`/exchange/${ID_A}`).set(bearer('deployer-a')).send(putBody('nats-a', sameCluster)).expect(200);
    expect(ops.updateCalls).toHaveLength(1);
  });

  it('lets a record without a fingerprint (written before they existed) be changed from any cluster', async () => {
    const { app, ops } = setup();
    const elsewhere = kubeconfigFor({ ...PROD, server: 'https://other.example.com:6443' });
    await request(app).put(`/exchange/${ID_OLD}`).set(bearer('deployer-a')).send(putBody('nats-old', elsewhere)).expect(200);
    expect(ops.updateCalls).toHaveLength(1);
  });
});

describe('a DELETE while the deploy still runs (no record yet)', () => {
  async function deploying(release = 'nats-new') {
    const ctx = setup();
    ctx.ops.pending = true;
    const post = await request(ctx.app).post('/exchange').set(bearer('deployer-a')).set('Prefer', 'respond-async').send(postBody({ release_name: release })).expect(202);
    const { system_id: systemId, operation_id: operationId } = post.body as { system_id: string; operation_id: string };
    const running: OperationStatus = { operation_id: operationId, workflow_id: `exchange-${systemId}`, operation: 'deploy', status: 'running', step: 'install', started_at: null, closed_at: null };
    ctx.ops.statuses.set(systemId, running);
    ctx.ops.pending = false;
    return { ...ctx, systemId, running };
  }
  const body = { kubeconfig: tokenKubeconfig(), release_name: 'nats-new' };

  it('is allowed for the orgs that started it, with the same release and cluster: the removal cancels it', async () => {
    const { app, ops, systemId } = await deploying();
    await request(app).delete(`/exchange/${systemId}`).set(bearer('deployer-a')).send(body).expect(200);
    expect(ops.removeCalls).toEqual([expect.objectContaining({ systemId, releaseName: 'nats-new', namespace: 'communication' })]);
  });

  it('answers 404 to another org and to a PUT, 409 to another release or cluster', async () => {
    const { app, ops, systemId } = await deploying();
    await request(app).delete(`/exchange/${systemId}`).set(bearer('deployer-b')).send(body).expect(404);
    await request(app).put(`/exchange/${systemId}`).set(bearer('deployer-a')).send(putBody('nats-new')).expect(404);
    const mismatch = await request(app).delete(`/exchange/${systemId}`).set(bearer('deployer-a')).send({ ...body, release_name: 'nats-a' }).expect(409);
    expect(mismatch.body).toMatchObject({ error_type: 'ExchangeMismatch' });
    const elsewhere = kubeconfigFor({ ...PROD, server: 'https://api.example.com:7443' });
    const cluster = await request(app).delete(`/exchange/${systemId}`).set(bearer('deployer-a')).send({ ...body, kubeconfig: elsewhere }).expect(409);
    expect(cluster.body).toMatchObject({ error_type: 'ClusterMismatch' });
    expect(ops.removeCalls).toHaveLength(0);
  });

  it('is allowed while a synchronous POST of the same orgs still waits on its deploy', async () => {
    const { app, ops } = setup();
    let release!: () => void;
    ops.deployGate = new Promise<void>((ok) => (release = ok));
    const post = request(app).post('/exchange').set(bearer('deployer-a')).send(postBody()).then((r) => r);
    while (ops.deployCalls.length === 0) await new Promise((ok) => setTimeout(ok, 5));
    const systemId = ops.deployCalls[0]!.systemId;
    ops.statuses.set(systemId, { operation_id: randomUUID(), workflow_id: `exchange-${systemId}`, operation: 'deploy', status: 'running', step: 'install', started_at: null, closed_at: null });
    await request(app).delete(`/exchange/${systemId}`).set(bearer('deployer-b')).send(body).expect(404);
    await request(app).delete(`/exchange/${systemId}`).set(bearer('deployer-a')).send(body).expect(200);
    release();
    expect((await post).status).toBe(200);
    // once the POST has answered, its run id is what identifies the deploy; an unknown one is nobody's
    await request(app).delete(`/exchange/${systemId}`).set(bearer('deployer-a')).send(body).expect(404);
    expect(ops.removeCalls).toHaveLength(1);
  });

  it('answers 404 once the deploy has ended without a record', async () => {
    const { app, ops, systemId, running } = await deploying();
    ops.statuses.set(systemId, { ...running, status: 'failed' });
    await request(app).delete(`/exchange/${systemId}`).set(bearer('deployer-a')).send(body).expect(404);
    expect(ops.removeCalls).toHaveLength(0);
  });
});

describe('/backbones through the app', () => {
  let store: SqliteBackboneStore;
  beforeEach(() => {
    store = new SqliteBackboneStore(':memory:');
  });
  afterEach(async () => {
    await store.close();
  });

  const appWithRegistry = () =>
    createApp({
      operations: new RecordingOperations(),
      registryStore: store,
      kubeconfigPolicy: DEFAULT_KUBECONFIG_POLICY,
      temporalUiUrl: 'http://temporal-ui.local:8233',
      temporalNamespace: 'default',
      logger: createLogger('silent', 'test'),
      auth: new TokenVerifier({ tokens: ['admin-token'], principals: PRINCIPALS }),
    });

  it('refuses writes without registry-writer (403) and accepts them with it', async () => {
    const app = appWithRegistry();
    const rec = newBackbone({ org_ids: ['org-a'] });
    await request(app).post('/backbones').set(bearer('deployer-a')).send(rec).expect(403);
    expect(await store.get(rec.system_id)).toBeNull();
    await request(app).post('/backbones').set(bearer('writer')).send(rec).expect(201);
    await request(app).delete(`/backbones/${rec.system_id}`).set(bearer('deployer-a')).expect(403);
    await request(app).get(`/backbones/${rec.system_id}`).set(bearer('deployer-a')).expect(200);
    await request(app).get(`/backbones/${rec.system_id}`).set(bearer('deployer-b')).expect(404);
  });
});

describe('/codec', () => {
  const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
  const input = {
    systemId: ID_A,
    releaseName: 'nats-a',
    kubeconfig: {
      clusters: [{ name: 'prod', cluster: { server: 'https://api.example.com:6443', 'certificate-authority-data': FAKE_CA_DATA } }],
      users: [
        { name: 'deployer', user: { token: FAKE_TOKEN, 'client-key-data': 'S0VZ', 'client-certificate-data': 'Q0VSVA==', username: 'ops', password: 'hunter2' } },
        { name: 'plugin', user: { exec: { command: 'aws', args: ['eks', 'get-token'] }, 'auth-provider': { name: 'oidc', config: { 'id-token': 'x' } } } },
      ],
    },
    helmValues: { config: { merge: { authorization: { token: 'nats-secret' } } } },
  };
  const plain = { metadata: { encoding: b64('json/plain') }, data: b64(JSON.stringify(input)) };

  async function sealed(app: ReturnType<typeof setup>['app']) {
    const res = await request(app).post('/codec/encode').set(ADMIN).send({ payloads: [plain] }).expect(200);
    return res.body.payloads as unknown[];
  }
  const decodedInput = (res: { body: { payloads: Array<{ data: string }> } }) => JSON.parse(Buffer.from(res.body.payloads[0]!.data, 'base64').toString()) as typeof input;

  it.each(['deployer-a', 'viewer-a', 'writer'])('refuses decode to %s (403)', async (who) => {
    const { app } = setup();
    const payloads = await sealed(app);
    await request(app).post('/codec/decode').set(bearer(who)).send({ payloads }).expect(403);
  });

  it('decodes for codec-viewer with every credential redacted, the cluster still visible', async () => {
    const { app } = setup();
    const payloads = await sealed(app);
    const res = await request(app).post('/codec/decode').set(bearer('codec')).send({ payloads }).expect(200);
    const out = decodedInput(res);
    expect(res.text).not.toContain(b64(FAKE_TOKEN).slice(0, 20));
    expect(JSON.stringify(out)).not.toMatch(new RegExp(`${FAKE_TOKEN}|hunter2|nats-secret|get-token|S0VZ|Q0VSVA`));
    expect(out.kubeconfig.users[0]!.user).toEqual({ token: '<redacted>', 'client-key-data': '<redacted>', 'client-certificate-data': '<redacted>', username: 'ops', password: '<redacted>' });
    expect(out.kubeconfig.users[1]!.user).toEqual({ exec: '<redacted>', 'auth-provider': '<redacted>' });
    expect(out.kubeconfig.clusters).toEqual(input.kubeconfig.clusters);
    expect(out.helmValues.config.merge.authorization.token).toBe('<redacted>');
    expect(out.releaseName).toBe('nats-a');
  });

  it('redacts for admin too unless the admin asks for ?redact=false, which nobody else may', async () => {
    const { app } = setup();
    const payloads = await sealed(app);
    const byDefault = await request(app).post('/codec/decode').set(ADMIN).send({ payloads }).expect(200);
    expect(decodedInput(byDefault).kubeconfig.users[0]!.user.token).toBe('<redacted>');
    const raw = await request(app).post('/codec/decode?redact=false').set(ADMIN).send({ payloads }).expect(200);
    expect(raw.body.payloads).toEqual([plain]);
    await request(app).post('/codec/decode?redact=false').set(bearer('codec')).send({ payloads }).expect(403);
  });

  it('keeps payloads without credentials byte for byte', async () => {
    const { app } = setup();
    const harmless = { metadata: { encoding: b64('json/plain') }, data: b64('{ "b": 1,  "a": [true] }') };
    const res = await request(app).post('/codec/decode').set(bearer('codec')).send({ payloads: [harmless] }).expect(200);
    expect(res.body.payloads).toEqual([harmless]);
  });

  it('withholds a json/plain payload that does not parse', async () => {
    const { app } = setup();
    const broken = { metadata: { encoding: b64('json/plain') }, data: b64('{"token": "abc"') };
    const res = await request(app).post('/codec/decode').set(bearer('codec')).send({ payloads: [broken] }).expect(200);
    expect(Buffer.from(res.body.payloads[0].data as string, 'base64').toString()).toBe('"<redacted>"');
  });

  it('leaves encode to admins', async () => {
    const { app } = setup();
    await request(app).post('/codec/encode').set(bearer('codec')).send({ payloads: [plain] }).expect(403);
    await request(app).post('/codec/encode').set(bearer('deployer-a')).send({ payloads: [plain] }).expect(403);
  });
});

describe('without principals (development)', () => {
  it('treats every caller as admin', async () => {
    const { app, ops } = setup({ principals: false });
    await request(app).post('/exchange').send(postBody({ org_ids: 'org-q' })).expect(200);
    await request(app).get(`/exchange/${ID_B}`).expect(200);
    await request(app).delete(`/exchange/${ID_B}`).send(deleteBody('nats-b')).expect(200);
    expect(ops.calls).toBe(2);
  });
});
