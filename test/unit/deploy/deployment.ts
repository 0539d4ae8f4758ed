// The repository's deployment files and config, read once for compose.test.ts and dockerfile.test.ts, which check
// that the deployment files (docker-compose.yml, Dockerfile, .dockerignore) agree with the code they run.
import { instructions, joinPosix, loadCompose, parseDockerfile, readRepoFile, stageCopies, type ComposeFile, type ComposeService, type Dockerfile, type Stage } from './deploy-files.js';
import { EnvSchema } from '../../../src/config.js';

// the settings and their defaults, from the schema src/config.ts parses the environment with
export const configKeys = new Set(Object.keys(EnvSchema.shape));
export const configDefaults = EnvSchema.parse({});
export const defaultPort = configDefaults.PORT;
export const compose: ComposeFile = loadCompose(readRepoFile('docker-compose.yml'));
export const services = compose.services;
export const dockerfile: Dockerfile = parseDockerfile(readRepoFile('Dockerfile'));
export const runtime: Stage = dockerfile.stages.at(-1)!;
const tsconfig = JSON.parse(readRepoFile('tsconfig.json')) as { compilerOptions: { outDir: string; rootDir: string } };
const tsconfigBuild = JSON.parse(readRepoFile('tsconfig.build.json')) as { include: string[] };

export function service(name: string): ComposeService {
  const s = services[name];
  if (!s) throw new Error(`docker-compose.yml has no service ${name}`);
  return s;
}

/** Final WORKDIR of the runtime stage. */
function runtimeWorkdir(): string {
  let wd = '/';
  for (const i of instructions(runtime, 'WORKDIR')) wd = i.args.startsWith('/') ? i.args : joinPosix(wd, i.args);
  return wd;
}

/**
 * The repository source file a `node <script>` command in the runtime image runs: the script must lie in the
 * folder the runtime stage copies from the build stage's tsc outDir; tsconfig rootDir maps it back to a .ts file.
 */
export function sourceOfScript(script: string): string {
  const abs = joinPosix(runtimeWorkdir(), script);
  const outDir = tsconfig.compilerOptions.outDir.replace(/^\.\//, '').replace(/\/$/, '');
  const copy = stageCopies(runtime).find((c) => c.from && c.sources.some((s) => s.endsWith(`/${outDir}`)) && abs.startsWith(`${c.dest.replace(/\/$/, '')}/`));
  if (!copy) throw new Error(`${script} is not inside the compiled ${outDir}/ the runtime stage copies`);
  const inOutDir = abs.slice(copy.dest.replace(/\/$/, '').length + 1);
  const source = joinPosix(tsconfig.compilerOptions.rootDir, inOutDir).slice(1).replace(/\.js$/, '.ts');
  const top = source.split('/')[0]!;
  if (!tsconfigBuild.include.includes(top)) throw new Error(`${source} is outside tsconfig.build.json include (${tsconfigBuild.include.join(', ')})`);
  return source;
}

/** `node <script>` → script. */
export function nodeScript(command: string[]): string {
  expect(command[0]).toBe('node');
  const script = command.slice(1).find((a) => !a.startsWith('-'));
  if (!script) throw new Error(`no script in ${command.join(' ')}`);
  return script;
}
