// The Dockerfile (and .dockerignore) agree with the code the image runs: entrypoints, config variables, the
// default port, the helm version scripts/toolchain.sh builds; docker-compose.yml is checked in compose.test.ts.
import { dirname } from 'node:path';
import {
  commandList,
  copyTarget,
  dockerignorePatterns,
  execForm,
  instructions,
  isIgnored,
  readRepoFile,
  repoFileExists,
  stageCopies,
  stageEnv,
  substitute,
} from './deploy-files.js';
import { configKeys, defaultPort, dockerfile, nodeScript, runtime, service, sourceOfScript } from './deployment.js';

/** Read by helm or the OS in the image, not by the application. */
const IMAGE_ONLY_ENV = new Set(['HOME', 'HELM_CACHE_HOME', 'HELM_CONFIG_HOME', 'HELM_DATA_HOME']);

describe('Dockerfile', () => {
  const env = stageEnv(runtime);
  const copies = stageCopies(runtime);

  it('runs on node:20 Debian slim (glibc for the Temporal native module)', () => {
    expect(runtime.image).toBe('node:20-bookworm-slim');
    expect(dockerfile.stages.filter((s) => s.name === 'build').map((s) => s.image)).toEqual(['node:20-bookworm-slim']);
  });

  it('copies values.yaml to /app/values.yaml and points BASE_VALUES_PATH at it', () => {
    const copy = copies.find((c) => !c.from && c.sources.includes('values.yaml'));
    expect(copy).toBeDefined();
    expect(copyTarget(copy!, 'values.yaml')).toBe('/app/values.yaml');
    expect(env.BASE_VALUES_PATH).toBe('/app/values.yaml');
    expect(repoFileExists('values.yaml')).toBe(true);
  });

  it('runs as a non-root user', () => {
    const users = instructions(runtime, 'USER');
    expect(users.length).toBeGreaterThan(0);
    const user = users.at(-1)!.args.split(':')[0]!;
    expect(['root', '0', '']).not.toContain(user);
    const userIdx = runtime.instructions.indexOf(users.at(-1)!);
    const cmdIdx = runtime.instructions.findIndex((i) => i.keyword === 'CMD');
    expect(userIdx).toBeLessThan(cmdIdx);
  });

  it('defaults to the API entrypoint, the same command compose runs for api', () => {
    const cmd = instructions(runtime, 'CMD').map((i) => execForm(i.args));
    expect(cmd).toHaveLength(1);
    expect(sourceOfScript(nodeScript(cmd[0]!))).toBe('src/main/api.ts');
    expect(commandList(service('api').command)).toEqual(cmd[0]);
  });

  it('sets only variables the config (or helm/OS) reads, with the production values', () => {
    const unknown = Object.keys(env).filter((k) => !configKeys.has(k) && !IMAGE_ONLY_ENV.has(k));
    expect(unknown).toEqual([]);
    expect(env.NODE_ENV).toBe('production');
    expect(env.HOST).toBe('0.0.0.0');
    expect(env.REGISTRY_DB_PATH).toMatch(/^\/data\//);
    expect(instructions(runtime, 'VOLUME').map((v) => v.args)).toContain(dirname(env.REGISTRY_DB_PATH!));
    for (const k of ['HELM_CACHE_HOME', 'HELM_CONFIG_HOME', 'HELM_DATA_HOME']) expect(env[k]).toMatch(new RegExp(`^${env.HOME}/`));
  });

  it('exposes the config default port and health-checks /healthz, which the app serves', () => {
    expect(instructions(runtime, 'EXPOSE').map((e) => Number(e.args))).toEqual([defaultPort]);
    const health = instructions(runtime, 'HEALTHCHECK');
    expect(health).toHaveLength(1);
    expect(health[0]!.args).toMatch(/CMD \["node",/);
    expect(health[0]!.args).toContain('/healthz');
    expect(readRepoFile('src/api/app.ts')).toMatch(/router\.get\('\/healthz'/);
  });

  it('installs helm, built from source at the toolchain version, at HELM_BIN', () => {
    const toolchainVersion = /^HELM_VERSION="\$\{HELM_VERSION:-([^}]+)\}"/m.exec(readRepoFile('scripts/toolchain.sh'))?.[1];
    expect(toolchainVersion).toBeDefined();
    expect(dockerfile.globalArgs.HELM_VERSION).toBe(toolchainVersion);
    const helmStage = dockerfile.stages.find((s) => instructions(s, 'RUN').some((r) => r.args.includes('go install')));
    expect(helmStage?.image).toMatch(/^golang:1\.26-bookworm$/);
    const install = instructions(helmStage!, 'RUN').find((r) => r.args.includes('go install'))!.args;
    const resolved = substitute(install, { HELM_VERSION: dockerfile.globalArgs.HELM_VERSION! });
    expect(resolved).toContain(`helm.sh/helm/v4/cmd/helm@v${toolchainVersion}`);
    expect(resolved).toContain(`-X helm.sh/helm/v4/internal/version.version=v${toolchainVersion}`);
    expect(stageEnv(helmStage!)).toMatchObject({ GOTOOLCHAIN: 'local', CGO_ENABLED: '0' });
    const helmCopy = copies.find((c) => c.from === helmStage!.name);
    expect(helmCopy).toBeDefined();
    expect(copyTarget(helmCopy!, helmCopy!.sources[0]!)).toBe(env.HELM_BIN);
  });

  it('builds with npm ci, tsc and a production prune', () => {
    const build = dockerfile.stages.find((s) => s.name === 'build')!;
    const runs = instructions(build, 'RUN').map((r) => r.args).join('\n');
    expect(runs).toMatch(/npm ci\b/);
    expect(runs).toMatch(/npm run build\b/);
    expect(runs).toMatch(/npm prune --omit=dev\b/);
    expect(runs).toMatch(/python3/);
    const pkg = JSON.parse(readRepoFile('package.json')) as { scripts: Record<string, string> };
    expect(pkg.scripts.build).toContain('tsconfig.build.json');
  });

  it('copies only files that exist, none of them excluded by .dockerignore', () => {
    const patterns = dockerignorePatterns(readRepoFile('.dockerignore'));
    const fromContext = dockerfile.stages.flatMap((s) => stageCopies(s)).filter((c) => !c.from).flatMap((c) => c.sources);
    expect(fromContext).toEqual(expect.arrayContaining(['package.json', 'package-lock.json', 'src', 'values.yaml']));
    for (const src of fromContext) {
      expect({ src, exists: repoFileExists(src) }).toEqual({ src, exists: true });
      expect({ src, ignored: isIgnored(patterns, src) }).toEqual({ src, ignored: false });
    }
    for (const excluded of ['node_modules', 'dist', '.git', '.run', 'node_modules/.bin/tsc']) expect(isIgnored(patterns, excluded)).toBe(true);
  });
});
