import axios, { AxiosError } from 'axios';
import type { AxiosInstance, AxiosResponse, Method } from 'axios';
import { scrubSecrets } from '../scrub.js';
import { backboneRecordSchema } from './schema.js';
import type { BackboneFilter, BackboneRecord, NewBackbone, Page, PageRequest } from './types.js';

export interface BackboneDBClientOptions {
  /** Registry service root, e.g. http://backbone-registry:8080 (basePath is appended). */
  baseUrl: string;
  /** Where the registry router is mounted; default '/backbones'. */
  basePath?: string;
  /** Per attempt; default 5000. */
  timeoutMs?: number;
  /** Extra attempts after the first, for network errors and 5xx only; default 3. */
  retries?: number;
  /** First backoff delay, doubled per retry (with jitter); default 200. */
  retryBaseDelayMs?: number;
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
}

export type BackboneRegistryErrorCode = 'conflict' | 'rejected' | 'unavailable' | 'network' | 'invalid_response';

export class BackboneRegistryError extends Error {
  override readonly name = 'BackboneRegistryError';
  readonly status?: number;
  readonly retryable: boolean;
  readonly code: BackboneRegistryErrorCode;
  readonly method: string;
  readonly path: string;
  /** Attempts made before giving up (1 = no retry). */
  readonly attempts: number;
  /** Set for code 'conflict' when the registry reported the clashing id. */
  readonly existingSystemId?: string;

  constructor(init: {
    message: string;
    code: BackboneRegistryErrorCode;
    retryable: boolean;
    method: string;
    path: string;
    attempts: number;
    status?: number;
    existingSystemId?: string;
  }) {
    super(init.message);
    this.code = init.code;
    this.retryable = init.retryable;
    this.method = init.method;
    this.path = init.path;
    this.attempts = init.attempts;
    if (init.status !== undefined) this.status = init.status;
    if (init.existingSystemId !== undefined) this.existingSystemId = init.existingSystemId;
  }
}

const SUMMARY_MAX = 200;
const MAX_DELAY_MS = 10_000;
// Transient transport failures worth another attempt. ENOTFOUND is left out on purpose: a
// misspelt host should fail fast rather than burn the backoff budget.
const RETRYABLE_NET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ERR_NETWORK',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
]);

function truncate(s: string, max = SUMMARY_MAX): string {
  const flat = s.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

/** Only the response's `error` field is echoed — bodies may carry whatever the server chose. */
function summarizeBody(data: unknown): string {
  if (data && typeof data === 'object' && 'error' in data) {
    const e = data.error;
    if (typeof e === 'string') return truncate(scrubSecrets(e));
  }
  return 'no error message';
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

type Outcome = { response: AxiosResponse<unknown> } | { netError: { code: string; retryable: boolean } };

export class BackboneDBClient {
  private readonly http: AxiosInstance;
  private readonly basePath: string;
  private readonly retries: number;
  private readonly retryBaseDelayMs: number;

  constructor(opts: BackboneDBClientOptions) {
    this.retries = Math.max(0, Math.floor(opts.retries ?? 3));
    this.retryBaseDelayMs = Math.max(0, opts.retryBaseDelayMs ?? 200);
    const base = (opts.basePath ?? '/backbones').replace(/\/+$/, '');
    this.basePath = base === '' || base.startsWith('/') ? base : `/${base}`;
    this.http = axios.create({
      baseURL: opts.baseUrl.replace(/\/+$/, ''),
      timeout: opts.timeoutMs ?? 5000,
      headers: {
        Accept: 'application/json',
        ...(opts.token ? { Authorization: `Bearer ${opts.token}` } : {}),
      },
      // Status handling is ours; axios only throws for transport failures.
      validateStatus: () => true,
      // Don't follow redirects: a redirected POST/DELETE would silently change meaning.
      maxRedirects: 0,
    });
  }

  async createBackbone(rec: NewBackbone): Promise<BackboneRecord> {
    // Safe to retry: the registry answers an identical repeated create with the stored record.
    const path = this.basePath || '/';
    const { response: res, attempts } = await this.send('POST', path, { data: rec });
    if (res.status === 200 || res.status === 201) return this.parseRecord(res, 'POST', path, attempts);
    if (res.status === 409) {
      const existing = (res.data as { existing_system_id?: unknown } | null)?.existing_system_id;
      throw this.httpError('POST', path, res, attempts, 'conflict', typeof existing === 'string' ? existing : undefined);
    }
    throw this.httpError('POST', path, res, attempts);
  }

  async getBackbone(systemId: string): Promise<BackboneRecord | null> {
    const path = this.itemPath(systemId);
    const { response: res, attempts } = await this.send('GET', path);
    if (res.status === 200) return this.parseRecord(res, 'GET', path, attempts);
    if (res.status === 404) return null;
    throw this.httpError('GET', path, res, attempts);
  }

  /** false when the registry has no such backbone (including a retry after a lost 204). */
  async deleteBackbone(systemId: string): Promise<boolean> {
    const path = this.itemPath(systemId);
    const { response: res, attempts } = await this.send('DELETE', path);
    if (res.status === 204 || res.status === 200) return true;
    if (res.status === 404) return false;
    throw this.httpError('DELETE', path, res, attempts);
  }

  async listBackbones(filter: BackboneFilter = {}, page: Partial<PageRequest> = {}): Promise<Page<BackboneRecord>> {
    const path = this.basePath || '/';
    // an empty any-of list matches nothing: no need to ask
    if (filter.org_ids?.length === 0) return { items: [], next_cursor: null };
    const params: Record<string, string | number> = {};
    for (const [k, v] of Object.entries(filter)) {
      if (typeof v === 'string') params[k] = v;
      else if (Array.isArray(v)) params[k] = v.join(',');
    }
    if (page.limit !== undefined) params.limit = page.limit;
    if (page.cursor !== undefined) params.cursor = page.cursor;
    const { response: res, attempts } = await this.send('GET', path, { params });
    if (res.status !== 200) throw this.httpError('GET', path, res, attempts);
    const body = res.data as { items?: unknown; next_cursor?: unknown } | null;
    const items = backboneRecordSchema.array().safeParse(body?.items);
    const next = body?.next_cursor;
    if (!items.success || !(next === null || typeof next === 'string')) {
      throw this.invalidResponse('GET', path, res.status, attempts);
    }
    return { items: items.data, next_cursor: next };
  }

  private itemPath(systemId: string): string {
    return `${this.basePath}/${encodeURIComponent(systemId)}`;
  }

  private async send(
    method: Method,
    path: string,
    extra: { data?: unknown; params?: Record<string, string | number> } = {},
  ): Promise<{ response: AxiosResponse<unknown>; attempts: number }> {
    const maxAttempts = this.retries + 1;
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.attempt(method, path, extra);
      const retryable =
        'netError' in outcome ? outcome.netError.retryable : outcome.response.status >= 500;
      if (!retryable || attempt >= maxAttempts) {
        if ('response' in outcome) return { response: outcome.response, attempts: attempt };
        throw this.networkError(method, path, outcome.netError, attempt);
      }
      await sleep(this.backoff(attempt));
    }
  }

  private async attempt(
    method: Method,
    path: string,
    extra: { data?: unknown; params?: Record<string, string | number> },
  ): Promise<Outcome> {
    try {
      return { response: await this.http.request<unknown>({ method, url: path, ...extra }) };
    } catch (err) {
      // The AxiosError itself is dropped: its config holds the request body and the token.
      const code = err instanceof AxiosError && err.code ? err.code : 'UNKNOWN';
      return { netError: { code, retryable: RETRYABLE_NET_CODES.has(code) } };
    }
  }

  private backoff(attempt: number): number {
    const ceiling = Math.min(MAX_DELAY_MS, this.retryBaseDelayMs * 2 ** (attempt - 1));
    // Half fixed, half jitter: spreads retries from parallel activities without going to zero.
    return ceiling / 2 + Math.random() * (ceiling / 2);
  }

  private parseRecord(res: AxiosResponse<unknown>, method: string, path: string, attempts: number): BackboneRecord {
    const parsed = backboneRecordSchema.safeParse((res.data as { backbone?: unknown } | null)?.backbone);
    if (!parsed.success) throw this.invalidResponse(method, path, res.status, attempts);
    return parsed.data;
  }

  private httpError(
    method: string,
    path: string,
    res: AxiosResponse<unknown>,
    attempts: number,
    code?: BackboneRegistryErrorCode,
    existingSystemId?: string,
  ): BackboneRegistryError {
    const status = res.status;
    const resolved: BackboneRegistryErrorCode = code ?? (status >= 500 ? 'unavailable' : 'rejected');
    const tries = attempts > 1 ? ` after ${attempts} attempts` : '';
    return new BackboneRegistryError({
      message: `${method} ${path} failed with HTTP ${status}${tries}: ${summarizeBody(res.data)}`,
      code: resolved,
      retryable: status >= 500,
      method,
      path,
      attempts,
      status,
      ...(existingSystemId !== undefined ? { existingSystemId } : {}),
    });
  }

  private networkError(
    method: string,
    path: string,
    net: { code: string; retryable: boolean },
    attempts: number,
  ): BackboneRegistryError {
    const tries = attempts > 1 ? ` after ${attempts} attempts` : '';
    return new BackboneRegistryError({
      message: `${method} ${path} failed: network error ${net.code}${tries}`,
      code: 'network',
      retryable: net.retryable,
      method,
      path,
      attempts,
    });
  }

  private invalidResponse(method: string, path: string, status: number, attempts: number): BackboneRegistryError {
    return new BackboneRegistryError({
      message: `${method} ${path} returned HTTP ${status} with an unexpected body`,
      code: 'invalid_response',
      retryable: false,
      method,
      path,
      attempts,
      status,
    });
  }
}
