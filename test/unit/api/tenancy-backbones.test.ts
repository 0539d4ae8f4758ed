// Tenancy of the registry routes (/backbones) mounted in the app.
import request from 'supertest';
import { DEFAULT_KUBECONFIG_POLICY } from '../../../src/domain/kubeconfig.js';
import { createApp } from '../../../src/api/app.js';
import { TokenVerifier } from '../../../src/api/auth.js';
import { createLogger } from '../../../src/logger.js';
import { SqliteBackboneStore } from '../../../src/registry/sqlite-store.js';
import { newBackbone } from '../registry/fixtures.js';
import { bearer, RecordingOperations } from './support.js';
import { PRINCIPALS } from './tenancy-setup.js';

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
