import { z } from 'zod';
import { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT } from './types.js';

const nonEmpty = (max: number) =>
  z
    .string()
    .max(max)
    .refine((s) => s.trim().length > 0, { message: 'must be a non-empty string' });

// Protocols a NATS client can actually connect with; also rules out javascript:/mailto: etc.
const publicUrl = z.url({ protocol: /^(nats|tls|wss?|https?)$/i, hostname: /^.+$/ }).max(2048);

export const newBackboneSchema = z.object({
  system_id: z.uuid(),
  name: nonEmpty(256),
  release_name: nonEmpty(256),
  namespace: nonEmpty(256),
  cluster_id: nonEmpty(256),
  org_ids: z.array(nonEmpty(256)).min(1).max(1000),
  public_url: publicUrl,
  metadata: z.record(z.string(), z.unknown()).default({}),
  cluster_fingerprint: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex characters').optional(),
});

const filterValue = nonEmpty(256).optional();

export const listQuerySchema = z.object({
  org_id: filterValue,
  cluster_id: filterValue,
  namespace: filterValue,
  name: filterValue,
  /** Comma-separated: records in any of these orgs. */
  org_ids: nonEmpty(4096)
    .transform((v) => v.split(',').map((x) => x.trim()).filter(Boolean))
    .optional(),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_LIMIT).default(DEFAULT_PAGE_LIMIT),
  cursor: z.string().min(1).max(1024).optional(),
});

/** Shape the client accepts from the registry; lenient on extras so the server may add fields. */
export const backboneRecordSchema = z.object({
  system_id: z.string(),
  name: z.string(),
  release_name: z.string(),
  namespace: z.string(),
  cluster_id: z.string(),
  org_ids: z.array(z.string()),
  public_url: z.string(),
  metadata: z.record(z.string(), z.unknown()),
  cluster_fingerprint: z.string().optional(),
  created_at: z.string(),
});
