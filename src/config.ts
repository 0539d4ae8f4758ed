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
  NODE_ENV: z.string().default('development'),
  HOST: z.string().default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(9000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  TEMPORAL_ADDRESS: z.string().default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_TASK_QUEUE: z.string().default('nats-exchange-deployer'),
  TEMPORAL_UI_URL: z.string().default('http://127.0.0.1:8233'),
  /** `id:base64(32 bytes)[,…]`; the first key encrypts, all decrypt. Required when NODE_ENV=production. */
  PAYLOAD_KEYS: z.string().optional(),

  HELM_BIN: z.string().default('helm'),
  HELM_CHART: z.string().default('nats'),
  HELM_CHART_REPO: z.string().default('https://nats-io.github.io/k8s/helm/charts/'),
  /** Pinned: an upgrade of the chart is a deliberate change (its values and objects change with it). */
  HELM_CHART_VERSION: z.string().default('2.14.2'),
  HELM_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(3600).default(300),
  /** Readiness is part of done: helm waits until the NATS pods are Ready (bounded by HELM_TIMEOUT_SECONDS). */
  HELM_WAIT: z.enum(['none', 'watcher', 'legacy']).default('watcher'),
  /** helm must die with its worker (setpriv --pdeathsig): without it a crashed worker's helm can rewrite a release. */
  HELM_REQUIRE_PDEATHSIG: flag('true'),
  HELM_HISTORY_MAX: z.coerce.number().int().min(0).max(1000).default(10),
  /** Address-space limit of each helm process (prlimit --as), in MiB: a values or chart bomb dies there, not the worker. */
  HELM_MEMORY_LIMIT_MB: z.coerce.number().int().min(512).max(65536).default(2048),
  /** CPU-seconds limit of each helm process (prlimit --cpu): helm waiting for pods uses little CPU. */
  HELM_CPU_LIMIT_SECONDS: z.coerce.number().int().min(5).max(3600).default(120),
  BASE_VALUES_PATH: z.string().default('values.yaml'),
  /** Where chart/nats-<version>.values.schema.json files live; VALUES_SCHEMA=off deploys a version without one. */
  VALUES_SCHEMA_DIR: z.string().default('chart'),
  VALUES_SCHEMA: z.enum(['on', 'off']).default('on'),
  /** The operator's values policy: which helm value keys callers may set (format: chart/values-policy.yaml). */
  VALUES_POLICY_PATH: z.string().default('chart/values-policy.yaml'),
  PUBLIC_URL_TEMPLATE: z.string().default('https://{host}/nats/{release}'),
  KUBECONFIG_ALLOW_EXEC: flag('false'),
  KUBECONFIG_ALLOW_FILE_REFERENCES: flag('false'),
  KUBECONFIG_TEMP_DIR: z.string().optional(),
  /** Repository charts are pulled here once per version (owner-only directory); default <tmpdir>/ned-charts. */
  CHART_CACHE_DIR: z.string().optional(),

  /** Root URL of the Backbone Registry service (its API is under /backbones); by default the one this service serves. */
  REGISTRY_URL: z.string().optional(),
  REGISTRY_TOKEN: z.string().optional(),
  /** How long the worker keeps retrying an unavailable registry before a deploy is compensated. */
  REGISTRY_RETRY_WINDOW_SECONDS: z.coerce.number().int().min(1).max(86_400).default(600),
  /** Embedded registry store (SQLite file) served at /backbones by the API process. */
  REGISTRY_DB_PATH: z.string().default('data/registry.sqlite'),
  /** Serve /backbones from this process; turn off when an external registry is used. */
  REGISTRY_SERVE: flag('true'),
  /** When set, the registry store is MongoDB (official driver) instead of the embedded SQLite file. */
  MONGODB_URI: z.string().optional(),
  MONGODB_DB: z.string().default('backbone'),

  /** Bearer tokens accepted by the API, comma-separated; hashed at start and never kept in the clear. */
  API_TOKENS: z.string().optional(),
  /** The same, given as SHA-256 hex digests (preferred in production: the config holds no usable token). */
  API_TOKEN_SHA256: z.string().optional(),
  /** JSON list of principals `[{ name, token_sha256, roles, orgs }]` (src/api/auth.ts checks it at start). */
  API_PRINCIPALS: z.string().optional(),
  /** The same list in a JSON or YAML file. */
  API_PRINCIPALS_FILE: z.string().optional(),
  /** Browser origins allowed to call the codec endpoints (the Temporal Web UI), comma-separated. */
  CODEC_CORS_ORIGINS: z.string().default('http://127.0.0.1:8233,http://localhost:8233'),
  BODY_LIMIT: z.string().default('1mb'),
  /** Worker's Prometheus endpoint (GET /metrics); 0 = off. The API serves /metrics on its own port. */
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
  METRICS_HOST: z.string().optional(),
  /** A mutation that takes longer answers 202 with a status URL instead of holding the connection (0 = always wait). */
  /** Operations on the worker in flight per org (counted across every API replica) before 429; 0 = no limit. Below the worker's 8 activity slots. */
  ORG_MAX_OPERATIONS: z.coerce.number().int().min(0).max(10_000).default(6),
  SYNC_WAIT_SECONDS: z.coerce.number().int().min(0).max(86_400).default(600),
  /**
   * Hosts, `*.suffix`, IPs or CIDRs a kubeconfig's server (and proxy-url) may point at, comma-separated; empty = any
   * public host. Loopback, link-local, private and metadata addresses are refused unless listed here.
   */
  KUBE_SERVER_ALLOWLIST: z.string().default(''),
  /** Longest time a client may take to send a whole request (slow bodies); answers may take longer. */
  REQUEST_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
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
      limits: { addressSpaceBytes: e.HELM_MEMORY_LIMIT_MB * 1024 * 1024, cpuSeconds: e.HELM_CPU_LIMIT_SECONDS },
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
