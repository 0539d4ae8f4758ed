// Configuration comes from the environment, parsed once at start; every setting has a default that works on
// a developer machine (see the README's configuration table).
import { resolve } from 'node:path';
import { z } from 'zod';
import { AllowlistError, validateAllowlist } from './domain/server-policy.js';

const flag = (fallback: 'true' | 'false') =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
    .default(fallback)
    .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** Exported so the deployment-file tests read the settings and their defaults from the schema itself. */
export const EnvSchema = z.object({
  NODE_ENV: z.string().default('development').describe("production requires PAYLOAD_KEYS, API tokens or principals and KUBE_SERVER_ALLOWLIST"),
  HOST: z.string().default('127.0.0.1').describe("API listen address (host)"),
  PORT: z.coerce.number().int().min(0).max(65535).default(9000).describe("API listen port"),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe("pino level"),

  TEMPORAL_ADDRESS: z.string().default('127.0.0.1:7233').describe("Temporal frontend"),
  TEMPORAL_NAMESPACE: z.string().default('default').describe("Temporal namespace"),
  TEMPORAL_TASK_QUEUE: z.string().default('nats-exchange-deployer').describe("task queue of the worker"),
  TEMPORAL_UI_URL: z.string().default('http://127.0.0.1:8233').describe("base of the workflow_url links"),
  /** `id:base64(32 bytes)[,…]`; the first key encrypts, all decrypt. Required when NODE_ENV=production. */
  PAYLOAD_KEYS: z.string().optional().describe("id:base64(32 bytes)[,…]: AES-256-GCM keys for Temporal payloads; the first encrypts, all decrypt (rotation)"),

  HELM_BIN: z.string().default('helm').describe("helm v4 binary"),
  HELM_CHART: z.string().default('nats').describe("chart to install: a chart name in HELM_CHART_REPO, or a path, repo/chart or oci:// reference used as is. Repository charts are pulled once per version into CHART_CACHE_DIR"),
  HELM_CHART_REPO: z.string().default('https://nats-io.github.io/k8s/helm/charts/').describe("repository HELM_CHART is pulled from when it is a plain chart name"),
  /** Pinned: an upgrade of the chart is a deliberate change (its values and objects change with it). */
  HELM_CHART_VERSION: z.string().default('2.14.2').describe("chart version (pinned: an upgrade of the chart is a deliberate change)"),
  HELM_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(3600).default(300).describe("helm --timeout: how long readiness may take; the worker kills helm 60 s after it"),
  /** Readiness is part of done: helm waits until the NATS pods are Ready (bounded by HELM_TIMEOUT_SECONDS). */
  HELM_WAIT: z.enum(['none', 'watcher', 'legacy']).default('watcher').describe("readiness is part of done: watcher (or legacy) waits for the NATS pods to be Ready; none answers once the objects exist"),
  /** helm must die with its worker (setpriv --pdeathsig): without it a crashed worker's helm can rewrite a release. */
  HELM_REQUIRE_PDEATHSIG: flag('true').describe("the worker refuses to start when setpriv --pdeathsig (util-linux) is missing: without it a crashed worker's helm can outlive it and change a release afterwards"),
  HELM_HISTORY_MAX: z.coerce.number().int().min(0).max(1000).default(10).describe("release revisions kept"),
  HELM_MEMORY_LIMIT_MB: z.coerce.number().int().min(128).max(65536).default(1024).describe("data-segment limit of each helm process in MiB (prlimit --data: the heap it may write; a values or chart bomb dies there, not the worker). helm 4 deploying the chart uses about 60 MB"),
  HELM_CPU_LIMIT_SECONDS: z.coerce.number().int().min(5).max(3600).default(120).describe("CPU-seconds limit of each helm process (prlimit --cpu): waiting for pods costs little CPU"),
  BASE_VALUES_PATH: z.string().default('values.yaml').describe("base values (/app/values.yaml in the container)"),
  /** Where chart/nats-<version>.values.schema.json files live; VALUES_SCHEMA=off deploys a version without one. */
  VALUES_SCHEMA_DIR: z.string().default('chart').describe("where nats-<version>.values.schema.json lives; a chart version without one stops the start unless VALUES_SCHEMA=off"),
  VALUES_SCHEMA: z.enum(['on', 'off']).default('on').describe("off: deploy without a values schema (for a chart version the project has none for)"),
  /** The operator's values policy: which helm value keys callers may set (format: chart/values-policy.yaml). */
  VALUES_POLICY_PATH: z.string().default('chart/values-policy.yaml').describe("the operator's values policy (format documented in the file)"),
  PUBLIC_URL_TEMPLATE: z.string().default('https://{host}/nats/{release}').describe("see docs/usage.md (public_url)"),
  KUBECONFIG_ALLOW_EXEC: flag('false').describe("allow exec/auth-provider users (they run commands on the worker)"),
  KUBECONFIG_ALLOW_FILE_REFERENCES: flag('false').describe("allow tokenFile, client-key, … (they read worker files)"),
  KUBECONFIG_TEMP_DIR: z.string().optional().describe("where the worker writes kubeconfig temp dirs (default: the OS temp dir)"),
  /** Repository charts are pulled here once per version (owner-only directory); default <tmpdir>/ned-charts. */
  CHART_CACHE_DIR: z.string().optional().describe("Repository charts are pulled here once per version (owner-only directory); default <tmpdir>/ned-charts."),

  /** Root URL of the Backbone Registry service (its API is under /backbones); by default the one this service serves. */
  REGISTRY_URL: z.string().optional().describe("Backbone Registry the worker writes to"),
  REGISTRY_TOKEN: z.string().optional().describe("bearer token the worker sends to the registry: a registry-writer principal's (or an admin token)"),
  /** How long the worker keeps retrying an unavailable registry before a deploy is compensated. */
  REGISTRY_RETRY_WINDOW_SECONDS: z.coerce.number().int().min(1).max(86_400).default(600).describe("how long an unavailable registry is retried (one HTTP call per attempt, backoff 1 s doubling to 1 min) before a deploy is compensated"),
  /** Embedded registry store (SQLite file) served at /backbones by the API process. */
  REGISTRY_DB_PATH: z.string().default('data/registry.sqlite').describe("embedded registry store"),
  /** Serve /backbones from this process; turn off when an external registry is used. */
  REGISTRY_SERVE: flag('true').describe("serve /backbones from the API process"),
  /** When set, the registry store is MongoDB (official driver) instead of the embedded SQLite file. */
  MONGODB_URI: z.string().optional().describe("use MongoDB as the registry store instead of SQLite"),
  MONGODB_DB: z.string().default('backbone').describe("database of the MongoDB registry store"),

  /** Bearer tokens accepted by the API, comma-separated; hashed at start and never kept in the clear. */
  API_TOKENS: z.string().optional().describe("admin bearer tokens, comma-separated; some principal or token is required in production"),
  /** The same, given as SHA-256 hex digests (preferred in production: the config holds no usable token). */
  API_TOKEN_SHA256: z.string().optional().describe("admin bearer tokens given as SHA-256 hex digests (the config then holds no usable token)"),
  /** JSON list of principals `[{ name, token_sha256, roles, orgs }]` (src/api/auth.ts checks it at start). */
  API_PRINCIPALS: z.string().optional().describe("principals with roles and orgs, as a JSON list"),
  /** The same list in a JSON or YAML file. */
  API_PRINCIPALS_FILE: z.string().optional().describe("principals with roles and orgs, in a JSON or YAML file (joined with API_PRINCIPALS)"),
  /** Browser origins allowed to call the codec endpoints (the Temporal Web UI), comma-separated. */
  CODEC_CORS_ORIGINS: z.string().default('http://127.0.0.1:8233,http://localhost:8233').describe("browser origins allowed to call /codec"),
  BODY_LIMIT: z.string().default('1mb').describe("request body limit"),
  /** Worker's Prometheus endpoint (GET /metrics); 0 = off. The API serves /metrics on its own port. */
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9464).describe("the worker's Prometheus endpoint port (0 = off)"),
  METRICS_HOST: z.string().optional().describe("the worker's Prometheus endpoint host (default: HOST)"),
  /** A mutation that takes longer answers 202 with a status URL instead of holding the connection (0 = always wait). */
  ORG_MAX_OPERATIONS: z.coerce.number().int().min(0).max(10_000).default(6).describe("operations on the worker (deploys, updates, rollbacks, previews, revision reads) in flight per org, counted across every API replica from Temporal's visibility, before 429 TooManyOperations with Retry-After; DELETE is never limited; 0 = no limit"),
  SYNC_WAIT_SECONDS: z.coerce.number().int().min(0).max(86_400).default(600).describe("longest synchronous wait before a mutation answers 202 (0 = no limit)"),
  /**
   * Hosts, `*.suffix`, IPs or CIDRs a kubeconfig's server (and proxy-url) may point at, comma-separated; empty = any
   * public host. Loopback, link-local, private and metadata addresses are refused unless listed here.
   */
  KUBE_SERVER_ALLOWLIST: z.string().default('').describe("hosts, *.suffix, IPs or CIDRs a kubeconfig server/proxy-url may name. Empty: any public host, and no loopback, private, link-local or metadata address (in any spelling); non-empty: only these. Bad entries stop the start. npm run dev and the tests set 127.0.0.1"),
  /** Longest time a client may take to send a whole request (slow bodies); answers may take longer. */
  REQUEST_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(3600).default(30).describe("time to receive a whole request (slow bodies get 408); answers may take longer"),
});

export type Config = ReturnType<typeof loadConfig>;

function list(v: string | undefined): string[] {
  return (v ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** An allow-list entry that is not a hostname, IP or CIDR stops the process at start, naming the entry. */
function checkedAllowlist(entries: string[]): string[] {
  try {
    return validateAllowlist(entries);
  } catch (err) {
    if (err instanceof AllowlistError) throw new ConfigError(`invalid configuration: ${err.message}`);
    throw err;
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env) {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration: ${lines.join('; ')}`);
  }
  const e = parsed.data;
  if (e.NODE_ENV === 'production' && !e.PAYLOAD_KEYS) throw new ConfigError('PAYLOAD_KEYS is required when NODE_ENV=production');
  // a shared worker in production connects only where the operator said: name the clusters' API server hosts
  if (e.NODE_ENV === 'production' && !list(e.KUBE_SERVER_ALLOWLIST).length)
    throw new ConfigError('KUBE_SERVER_ALLOWLIST is required when NODE_ENV=production (the hosts, *.suffixes or CIDRs of the clusters callers may target)');
  const serverAllowlist = checkedAllowlist(list(e.KUBE_SERVER_ALLOWLIST));
  return {
    env: e.NODE_ENV,
    host: e.HOST,
    port: e.PORT,
    logLevel: e.LOG_LEVEL,
    temporal: { address: e.TEMPORAL_ADDRESS, namespace: e.TEMPORAL_NAMESPACE, taskQueue: e.TEMPORAL_TASK_QUEUE, uiUrl: e.TEMPORAL_UI_URL.replace(/\/$/, '') },
    payloadKeys: e.PAYLOAD_KEYS,
    helm: {
      helmBin: e.HELM_BIN,
      source: {
        chart: e.HELM_CHART,
        // a local chart path or oci:// reference is not fetched from a repository
        repoUrl: e.HELM_CHART.startsWith('oci://') || e.HELM_CHART.startsWith('/') || e.HELM_CHART.startsWith('.') || e.HELM_CHART.includes('/') ? undefined : e.HELM_CHART_REPO || undefined,
        version: e.HELM_CHART_VERSION || undefined,
      },
      baseValuesPath: resolve(e.BASE_VALUES_PATH),
      timeoutSeconds: e.HELM_TIMEOUT_SECONDS,
      wait: e.HELM_WAIT === 'none' ? undefined : e.HELM_WAIT,
      historyMax: e.HELM_HISTORY_MAX,
      requirePdeathsig: e.HELM_REQUIRE_PDEATHSIG,
      limits: { memoryBytes: e.HELM_MEMORY_LIMIT_MB * 1024 * 1024, cpuSeconds: e.HELM_CPU_LIMIT_SECONDS },
    },
    publicUrlTemplate: e.PUBLIC_URL_TEMPLATE,
    values: {
      baseValuesPath: resolve(e.BASE_VALUES_PATH),
      chartVersion: e.HELM_CHART_VERSION,
      schemaDir: resolve(e.VALUES_SCHEMA_DIR),
      schemaOptOut: e.VALUES_SCHEMA === 'off',
      policyPath: resolve(e.VALUES_POLICY_PATH),
    },
    kubeconfigPolicy: { allowExec: e.KUBECONFIG_ALLOW_EXEC, allowFileReferences: e.KUBECONFIG_ALLOW_FILE_REFERENCES, serverAllowlist },
    kubeconfigTempDir: e.KUBECONFIG_TEMP_DIR,
    chartCacheDir: e.CHART_CACHE_DIR,
    auth: { tokens: list(e.API_TOKENS), tokenSha256: list(e.API_TOKEN_SHA256), principals: e.API_PRINCIPALS, principalsFile: e.API_PRINCIPALS_FILE || undefined },
    codecCorsOrigins: list(e.CODEC_CORS_ORIGINS),
    bodyLimit: e.BODY_LIMIT,
    metrics: { port: e.METRICS_PORT, host: e.METRICS_HOST ?? e.HOST },
    orgMaxOperations: e.ORG_MAX_OPERATIONS,
    syncWaitMs: e.SYNC_WAIT_SECONDS === 0 ? undefined : e.SYNC_WAIT_SECONDS * 1000,
    requestTimeoutMs: e.REQUEST_TIMEOUT_SECONDS * 1000,
    mongo: e.MONGODB_URI ? { uri: e.MONGODB_URI, db: e.MONGODB_DB } : undefined,
    registry: {
      url: (e.REGISTRY_URL ?? `http://127.0.0.1:${e.PORT}`).replace(/\/$/, ''),
      token: e.REGISTRY_TOKEN,
      retryWindowMs: e.REGISTRY_RETRY_WINDOW_SECONDS * 1000,
      dbPath: e.REGISTRY_DB_PATH,
      serve: e.REGISTRY_SERVE,
    },
  };
}
