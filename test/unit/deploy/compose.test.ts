// The deployment files (docker-compose.yml, Dockerfile, .dockerignore) must agree with the code they run:
// the environment variables src/config.ts reads, its default port, the entrypoints' source files, the
// search attributes scripts/temporal-dev.sh registers and the helm version scripts/toolchain.sh builds.
// This file checks docker-compose.yml (and the config reader it is compared against); dockerfile.test.ts the image.
import { dirname } from 'node:path';
import {
  commandList,
  dependsOn,
  instructions,
  portMappings,
  readRepoFile,
  repoFileExists,
  searchAttributeLoop,
  searchAttributeSpecs,
  serviceEnv,
  stageEnv,
  volumeMounts,
  type ComposeService,
} from './deploy-files.js';
import { compose, configDefaults, configKeys, defaultPort, nodeScript, runtime, service, services, sourceOfScript } from './deployment.js';


/** `host:port` → its parts; throws on anything else. */
function hostPort(address: string): { host: string; port: number } {
  const m = /^([a-z0-9.-]+):(\d+)$/i.exec(address);
  if (!m) throw new Error(`not host:port: ${address}`);
  return { host: m[1]!, port: Number(m[2]) };
}

/**
 * The host address each published port binds to: the IP in "ip:published:target" (or host_ip in the long form),
 * undefined when it binds to every interface.
 */
function publishedHostIps(svc: ComposeService): (string | undefined)[] {
  return (svc.ports ?? []).map((p) => {
    if (typeof p === 'object') return (p as { host_ip?: string }).host_ip;
    const parts = String(p).replace(/\/(tcp|udp)$/, '').split(':');
    return parts.length === 3 ? parts[0] : undefined;
  });
}

/** Services running the Temporal server (the auto-setup image). */
const temporalServers = Object.entries(services)
  .filter(([, s]) => s.image?.startsWith('temporalio/auto-setup:'))
  .map(([n]) => n);

describe('config.ts reader (what the compose checks compare against)', () => {
  it('finds the EnvSchema keys, flag() ones included, and the default port', () => {
    expect(configKeys.size).toBeGreaterThanOrEqual(20);
    for (const k of ['NODE_ENV', 'HOST', 'PORT', 'TEMPORAL_ADDRESS', 'PAYLOAD_KEYS', 'REGISTRY_URL', 'REGISTRY_SERVE', 'KUBECONFIG_ALLOW_EXEC']) {
      expect(configKeys).toContain(k);
    }
    expect(configKeys).not.toContain('EnvSchema');
    expect(defaultPort).toBe(9000);
  });
});

describe('docker-compose.yml', () => {
  it('is a compose-spec file (no version key) with the whole stack', () => {
    expect(compose).not.toHaveProperty('version');
    for (const name of ['postgresql', 'temporal', 'temporal-setup', 'temporal-ui', 'mongodb', 'api', 'worker']) {
      expect(Object.keys(services)).toContain(name);
    }
    expect(temporalServers).toEqual(['temporal']);
  });

  it('every depends_on names an existing service with a valid condition; service_healthy targets have a healthcheck', () => {
    const dockerfileHasHealthcheck = instructions(runtime, 'HEALTHCHECK').some((h) => !/^NONE$/i.test(h.args));
    let edges = 0;
    for (const [name, svc] of Object.entries(services)) {
      for (const [dep, condition] of Object.entries(dependsOn(svc))) {
        edges++;
        expect({ service: name, dependsOn: dep, exists: dep in services }).toEqual({ service: name, dependsOn: dep, exists: true });
        expect(['service_started', 'service_healthy', 'service_completed_successfully']).toContain(condition);
        if (condition === 'service_healthy') {
          const target = service(dep);
          const hasCheck = target.healthcheck?.disable !== true && (target.healthcheck?.test !== undefined || (target.build !== undefined && dockerfileHasHealthcheck));
          expect({ service: name, dependsOn: dep, healthcheck: hasCheck }).toEqual({ service: name, dependsOn: dep, healthcheck: true });
        }
      }
    }
    expect(edges).toBeGreaterThan(5);
  });

  it('api and worker set only variables the config reads', () => {
    const known = configKeys;
    for (const name of ['api', 'worker']) {
      const keys = Object.keys(serviceEnv(service(name)));
      expect(keys.length).toBeGreaterThan(3);
      expect({ service: name, unknown: keys.filter((k) => !known.has(k)) }).toEqual({ service: name, unknown: [] });
    }
  });

  it('api and worker run the same image built from this repo, with the entrypoints that exist in src/', () => {
    const api = service('api');
    const worker = service('worker');
    expect(api.build).toBeDefined();
    expect(worker.image).toBe(api.image);
    expect(worker.build).toEqual(api.build);
    const apiScript = nodeScript(commandList(api.command));
    const workerScript = nodeScript(commandList(worker.command));
    expect(sourceOfScript(apiScript)).toBe('src/main/api.ts');
    expect(sourceOfScript(workerScript)).toBe('src/main/worker.ts');
    for (const s of [apiScript, workerScript]) expect(repoFileExists(sourceOfScript(s))).toBe(true);
  });

  it('api listens on 0.0.0.0 at the config default port and publishes it as such', () => {
    const api = service('api');
    const env = serviceEnv(api);
    expect(env.HOST).toBe('0.0.0.0');
    const containerPort = env.PORT === undefined ? defaultPort : Number(env.PORT);
    expect(containerPort).toBe(defaultPort);
    expect(portMappings(api)).toContainEqual({ published: defaultPort, target: containerPort });
  });

  it('api and worker reach Temporal at the temporal service port 7233, in the namespace auto-setup creates', () => {
    const temporal = service('temporal');
    expect(portMappings(temporal).map((p) => p.target)).toContain(7233);
    const namespaces = new Set<string>([serviceEnv(temporal).DEFAULT_NAMESPACE ?? 'default']);
    for (const name of ['api', 'worker', 'temporal-setup']) {
      const env = serviceEnv(service(name));
      expect(env.TEMPORAL_ADDRESS).toBeDefined();
      expect(hostPort(env.TEMPORAL_ADDRESS!)).toEqual({ host: 'temporal', port: 7233 });
      namespaces.add(env.TEMPORAL_NAMESPACE ?? 'default');
    }
    expect([...namespaces]).toHaveLength(1);
  });

  it('api and worker share the payload keys, and compose refuses to start without them', () => {
    const apiKeys = serviceEnv(service('api')).PAYLOAD_KEYS;
    const workerKeys = serviceEnv(service('worker')).PAYLOAD_KEYS;
    expect(apiKeys).toMatch(/^\$\{PAYLOAD_KEYS:\?[^}]*\}$/);
    expect(workerKeys).toBe(apiKeys);
  });

  it('the production api cannot start without bearer tokens, and the worker brings one for /backbones', () => {
    // src/main/api.ts refuses NODE_ENV=production without API_TOKENS / API_TOKEN_SHA256: compose fails early instead
    const required = /^\$\{(\w+):\?[^}]*\}$/;
    const api = serviceEnv(service('api'));
    expect(api.NODE_ENV).toBe('production');
    const tokenVars = ['API_TOKENS', 'API_TOKEN_SHA256'].filter((k) => api[k] !== undefined);
    expect(tokenVars.length).toBeGreaterThan(0);
    expect(tokenVars.some((k) => required.test(api[k]!) || (api[k] !== '' && !api[k]!.includes('$')))).toBe(true);
    expect(serviceEnv(service('worker')).REGISTRY_TOKEN).toMatch(required);
  });

  it('api and worker connect only to the clusters the operator names: compose refuses to start without an allow-list', () => {
    const required = /^\$\{KUBE_SERVER_ALLOWLIST:\?[^}]*\}$/;
    expect(serviceEnv(service('api')).KUBE_SERVER_ALLOWLIST).toMatch(required);
    expect(serviceEnv(service('worker')).KUBE_SERVER_ALLOWLIST).toMatch(required);
  });

  it("lets the Web UI's browser origin call the api's codec (CORS)", () => {
    const api = serviceEnv(service('api'));
    const origins = (api.CODEC_CORS_ORIGINS ?? configDefaults.CODEC_CORS_ORIGINS).split(',').map((o) => o.trim());
    const uiUrl = new URL(api.TEMPORAL_UI_URL!);
    expect(portMappings(service('temporal-ui')).map((p) => p.published)).toContain(Number(uiUrl.port));
    expect(origins).toContain(uiUrl.origin);
  });

  it("worker's REGISTRY_URL is the api service's container port, and the worker does not serve a registry", () => {
    const api = service('api');
    const env = serviceEnv(service('worker'));
    const url = new URL(env.REGISTRY_URL!);
    expect(url.protocol).toBe('http:');
    expect(url.hostname).toBe('api');
    expect(Number(url.port || 80)).toBe(Number(serviceEnv(api).PORT ?? defaultPort));
    expect(portMappings(api).map((p) => p.target)).toContain(Number(url.port));
    expect(env.REGISTRY_SERVE).toBe('false');
  });

  it('the api keeps its SQLite registry on a declared volume mounted at the REGISTRY_DB_PATH folder', () => {
    const api = service('api');
    const dbPath = serviceEnv(api).REGISTRY_DB_PATH ?? stageEnv(runtime).REGISTRY_DB_PATH;
    expect(dbPath).toBeDefined();
    const mount = volumeMounts(api).find((v) => v.target === dirname(dbPath!));
    expect(mount?.source).toBeDefined();
    expect(Object.keys(compose.volumes ?? {})).toContain(mount!.source);
  });

  it('every named volume a service mounts is declared', () => {
    const declared = Object.keys(compose.volumes ?? {});
    const named = Object.values(services)
      .flatMap((s) => volumeMounts(s))
      .map((v) => v.source)
      .filter((s): s is string => s !== undefined && !s.startsWith('.') && !s.startsWith('/'));
    expect(named.length).toBeGreaterThanOrEqual(3);
    for (const v of named) expect(declared).toContain(v);
  });

  it("temporal-ui talks to temporal:7233 and decodes payloads through the api's host-visible /codec", () => {
    const ui = serviceEnv(service('temporal-ui'));
    expect(hostPort(ui.TEMPORAL_ADDRESS!)).toEqual({ host: 'temporal', port: 7233 });
    const codec = new URL(ui.TEMPORAL_CODEC_ENDPOINT!);
    expect(['localhost', '127.0.0.1']).toContain(codec.hostname);
    const apiPublished = portMappings(service('api')).map((p) => p.published);
    expect(apiPublished).toContain(Number(codec.port));
    expect(codec.pathname).toBe('/codec');
    expect(ui.TEMPORAL_CODEC_PASS_ACCESS_TOKEN).toBe('true');
    // the API's links into the UI use the UI's published port
    const uiUrl = new URL(serviceEnv(service('api')).TEMPORAL_UI_URL!);
    expect(portMappings(service('temporal-ui')).map((p) => p.published)).toContain(Number(uiUrl.port));
  });

  it('publishes the unauthenticated Temporal frontend and Web UI on the host loopback only', () => {
    for (const name of ['temporal', 'temporal-ui']) {
      const ips = publishedHostIps(service(name));
      for (const ip of ips) expect({ service: name, hostIp: ip }).toEqual({ service: name, hostIp: '127.0.0.1' });
    }
    // the published ports the API's links and the UI's codec CORS use are still there
    expect(portMappings(service('temporal')).map((p) => p.published)).toContain(7233);
    expect(portMappings(service('temporal-ui')).map((p) => p.published)).toContain(8080);
  });

  it('temporal-setup registers exactly the search attributes scripts/temporal-dev.sh registers', () => {
    const setup = service('temporal-setup');
    const script = [...commandList(setup.entrypoint), ...commandList(setup.command)].join('\n');
    const fromCompose = searchAttributeLoop(script);
    const fromDevScript = searchAttributeLoop(readRepoFile('scripts/temporal-dev.sh'));
    expect(fromDevScript.length).toBeGreaterThanOrEqual(6);
    expect([...fromCompose].sort()).toEqual([...fromDevScript].sort());
    for (const sa of fromCompose) expect(sa).toMatch(/^[A-Za-z]\w*=(Keyword|KeywordList|Text|Int|Double|Bool|Datetime)$/);
    expect(script).toMatch(/temporal operator search-attribute create/);
    // and both are the list the workflows define (workflows/shared.ts SearchAttr), the one source
    expect([...fromDevScript].sort()).toEqual(searchAttributeSpecs().sort());
  });
});
