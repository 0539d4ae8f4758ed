// Small readers for the deployment files (Dockerfile, .dockerignore, compose) and the sources they must agree with.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { SearchAttr } from '../../../workflows/shared.js';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export const repoPath = (rel: string): string => join(REPO_ROOT, rel);
export const readRepoFile = (rel: string): string => readFileSync(repoPath(rel), 'utf8');
export const repoFileExists = (rel: string): boolean => existsSync(repoPath(rel));

// ---------- shell scripts ----------

/** Words of the first `for sa in ...; do` loop in a shell text (compose `$$` escapes are irrelevant to it). */
export function searchAttributeLoop(shell: string): string[] {
  const m = /for sa in ([^;]+);\s*do/.exec(shell);
  if (!m?.[1]) throw new Error('no `for sa in ...; do` loop found');
  return m[1].trim().split(/\s+/);
}

/** SearchAttr of workflows/shared.ts as the CLI's `Name=Type` (KEYWORD_LIST → KeywordList). */
export function searchAttributeSpecs(): string[] {
  const cliType = (t: string) => t.toLowerCase().replace(/(^|_)([a-z])/g, (_m, _s, c: string) => c.toUpperCase());
  return Object.values(SearchAttr).map((k) => `${k.name}=${cliType(k.type)}`);
}

// ---------- Dockerfile ----------

export interface Instruction {
  keyword: string;
  args: string;
}

export interface Stage {
  image: string;
  name?: string;
  instructions: Instruction[];
}

export interface Dockerfile {
  globalArgs: Record<string, string>;
  stages: Stage[];
}

/** Instructions with continuation lines joined and comment lines dropped, split into stages at each FROM. */
export function parseDockerfile(text: string): Dockerfile {
  const logical: string[] = [];
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    if (/^\s*#/.test(line)) continue; // comments (also inside continuations, as Docker does)
    if (line.endsWith('\\')) {
      current += line.slice(0, -1) + ' ';
      continue;
    }
    current += line;
    if (current.trim()) logical.push(current.trim());
    current = '';
  }
  if (current.trim()) logical.push(current.trim());

  const df: Dockerfile = { globalArgs: {}, stages: [] };
  for (const l of logical) {
    const m = /^(\S+)\s*(.*)$/.exec(l);
    if (!m?.[1]) continue;
    const ins: Instruction = { keyword: m[1].toUpperCase(), args: (m[2] ?? '').replace(/\s+/g, ' ').trim() };
    if (ins.keyword === 'FROM') {
      const f = /^(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args);
      if (!f?.[1]) throw new Error(`cannot read FROM ${ins.args}`);
      df.stages.push({ image: substitute(f[1], df.globalArgs), name: f[2], instructions: [] });
      continue;
    }
    const stage = df.stages.at(-1);
    if (stage) stage.instructions.push(ins);
    else if (ins.keyword === 'ARG') Object.assign(df.globalArgs, parseAssignments(ins.args));
  }
  return df;
}

export function substitute(s: string, vars: Record<string, string>): string {
  return s.replace(/\$\{(\w+)\}|\$(\w+)/g, (whole, a?: string, b?: string) => vars[(a ?? b)!] ?? whole);
}

/** `K=V K2="V 2"` (ENV/ARG); the legacy `ENV K V` form too. */
export function parseAssignments(args: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!args.includes('=')) {
    const [k, ...rest] = args.split(' ');
    if (k) out[k] = rest.join(' ');
    return out;
  }
  for (const m of args.matchAll(/(\w+)=("([^"]*)"|'([^']*)'|\S*)/g)) {
    out[m[1]!] = m[3] ?? m[4] ?? m[2] ?? '';
  }
  return out;
}

export const instructions = (stage: Stage, keyword: string): Instruction[] => stage.instructions.filter((i) => i.keyword === keyword);

export function stageEnv(stage: Stage): Record<string, string> {
  return Object.assign({}, ...instructions(stage, 'ENV').map((i) => parseAssignments(i.args))) as Record<string, string>;
}

export interface CopyInstruction {
  from?: string;
  sources: string[];
  /** absolute, resolved against the WORKDIR in effect; a trailing `/` kept when the destination is a directory */
  dest: string;
}

/** COPY instructions of a stage with their destinations resolved against WORKDIR. */
export function stageCopies(stage: Stage): CopyInstruction[] {
  let workdir = '/';
  const out: CopyInstruction[] = [];
  for (const ins of stage.instructions) {
    if (ins.keyword === 'WORKDIR') workdir = ins.args.startsWith('/') ? ins.args : joinPosix(workdir, ins.args);
    if (ins.keyword !== 'COPY' && ins.keyword !== 'ADD') continue;
    const words = ins.args.split(' ');
    const flags = words.filter((w) => w.startsWith('--'));
    const paths = words.filter((w) => !w.startsWith('--'));
    const dest = paths.pop();
    if (!dest || paths.length === 0) throw new Error(`cannot read ${ins.keyword} ${ins.args}`);
    const from = flags.find((f) => f.startsWith('--from='))?.slice('--from='.length);
    const resolved = dest.startsWith('/') ? dest : joinPosix(workdir, dest) + (dest.endsWith('/') ? '/' : '');
    out.push({ from, sources: paths, dest: resolved });
  }
  return out;
}

/** Where a copied source ends up: the destination itself, or `<dest>/<basename>` when dest is a directory (`/`). */
export function copyTarget(copy: CopyInstruction, source: string): string {
  return copy.dest.endsWith('/') ? joinPosix(copy.dest, source.split('/').pop()!) : copy.dest;
}

export function joinPosix(...parts: string[]): string {
  const segs: string[] = [];
  for (const seg of parts.join('/').split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') segs.pop();
    else segs.push(seg);
  }
  return '/' + segs.join('/');
}

/** A JSON exec-form (`["a","b"]`) argument list; shell form is refused so the test sees exactly what runs. */
export function execForm(args: string): string[] {
  const parsed: unknown = JSON.parse(args);
  if (!Array.isArray(parsed) || !parsed.every((a) => typeof a === 'string')) throw new Error(`not an exec-form list: ${args}`);
  return parsed;
}

// ---------- .dockerignore ----------

export function dockerignorePatterns(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.replace(/^\/+/, '').replace(/\/+$/, ''));
}

function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      re += '.*';
      i++;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** Whether a context path (or one of its parent folders) is excluded by the .dockerignore patterns (no `!` support). */
export function isIgnored(patterns: string[], path: string): boolean {
  const segs = path.replace(/^\.\//, '').replace(/\/+$/, '').split('/');
  for (let n = 1; n <= segs.length; n++) {
    const prefix = segs.slice(0, n).join('/');
    if (patterns.some((p) => !p.startsWith('!') && globToRegExp(p).test(prefix))) return true;
  }
  return false;
}

// ---------- compose ----------

export interface ComposeService {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  command?: string | string[];
  entrypoint?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  ports?: (string | number | { target: number; published?: string | number })[];
  volumes?: (string | { type?: string; source?: string; target: string })[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: { test?: string | string[]; disable?: boolean };
}

export interface ComposeFile {
  name?: string;
  version?: unknown;
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

export function loadCompose(text: string): ComposeFile {
  const doc = yaml.load(text) as ComposeFile | undefined;
  if (!doc || typeof doc !== 'object' || !doc.services) throw new Error('docker-compose.yml has no services');
  return doc;
}

/** `environment` as a map whichever form (map or `K=V` list) the file uses. */
export function serviceEnv(svc: ComposeService): Record<string, string> {
  const env = svc.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((e) => {
        const i = e.indexOf('=');
        return i < 0 ? [e, ''] : [e.slice(0, i), e.slice(i + 1)];
      }),
    );
  }
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === null ? '' : String(v)]));
}

export function dependsOn(svc: ComposeService): Record<string, string> {
  const d = svc.depends_on ?? [];
  if (Array.isArray(d)) return Object.fromEntries(d.map((n) => [n, 'service_started']));
  return Object.fromEntries(Object.entries(d).map(([n, v]) => [n, v.condition ?? 'service_started']));
}

export interface PortMapping {
  published?: number;
  target: number;
}

/** Short (`[ip:]host:container[/proto]`, `container`) and long port syntax. */
export function portMappings(svc: ComposeService): PortMapping[] {
  return (svc.ports ?? []).map((p) => {
    if (typeof p === 'object') return { target: Number(p.target), published: p.published === undefined ? undefined : Number(p.published) };
    const parts = String(p).replace(/\/(tcp|udp)$/, '').split(':');
    const target = Number(parts.pop());
    const published = parts.length ? Number(parts.pop()) : undefined;
    return { target, published };
  });
}

export function volumeMounts(svc: ComposeService): { source?: string; target: string }[] {
  return (svc.volumes ?? []).map((v) => {
    if (typeof v === 'object') return { source: v.source, target: v.target };
    const [source, target] = v.split(':');
    return target === undefined ? { target: source! } : { source, target };
  });
}

export function commandList(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : value.split(/\s+/).filter(Boolean);
}
