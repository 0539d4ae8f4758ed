// Temporal codec server protocol: the Web UI posts the payloads it shows to /codec/decode (and /encode when a
// user sends a signal), so people with the key's consent see decoded inputs while history stays encrypted.
// Decoding needs the codec-viewer role and shows credentials as "<redacted>"; encoding (making ciphertext the
// worker would trust) is for admins only.
import cors from 'cors';
import express, { type RequestHandler } from 'express';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { z } from 'zod';
import { CAN, isAdmin, principalOf, requireRole } from '../http/access.js';
import { DocumentedRouter, errors, json, reply } from '../http/documented-router.js';
import { sendError } from '../http/errors.js';
import { redactCredentials, REDACTED } from './redact.js';

const b64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64').meta({ contentEncoding: 'base64' });
/** The codec server protocol's body, of requests and answers alike. */
const CodecPayloads = z
  .object({
    payloads: z.array(z.strictObject({ metadata: z.record(z.string(), b64).optional(), data: b64.optional() })).max(1000),
  })
  .openapi('CodecPayloads');
type WirePayload = z.infer<typeof CodecPayloads>['payloads'][number];

function fromWire(p: WirePayload): Payload {
  return {
    metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
    data: p.data === undefined ? undefined : Buffer.from(p.data, 'base64'),
  };
}

function toWire(p: Payload): WirePayload {
  return {
    metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
    data: p.data ? Buffer.from(p.data).toString('base64') : undefined,
  };
}

const JSON_PLAIN = 'json/plain';

/**
 * A decoded payload as a viewer may see it: JSON inputs with credentials replaced. A payload that claims to be JSON
 * but does not parse is withheld whole, since nothing can be said about what it holds.
 */
function redactPayload(p: Payload): Payload {
  if (!p.data || Buffer.from(p.metadata?.encoding ?? []).toString() !== JSON_PLAIN) return p;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(p.data).toString('utf8'));
  } catch {
    return { ...p, data: Buffer.from(JSON.stringify(REDACTED)) };
  }
  const { value, redacted } = redactCredentials(parsed);
  // untouched payloads keep their exact bytes
  return redacted === 0 ? p : { ...p, data: Buffer.from(JSON.stringify(value)) };
}

export function createCodecRouter(codec: PayloadCodec, allowedOrigins: string[], authenticate: RequestHandler, bodyLimit: string): DocumentedRouter {
  const router = new DocumentedRouter({ tags: ['codec'] });
  router.use(
    cors({
      origin: allowedOrigins,
      methods: ['POST', 'OPTIONS'],
      allowedHeaders: ['Content-Type', 'Authorization', 'X-Namespace'],
      credentials: true,
      maxAge: 600,
    }),
  );
  router.use(authenticate);
  const parseJson = express.json({ limit: bodyLimit });
  const allowed = { encode: CAN.encodePayloads, decode: CAN.decodePayloads } as const;
  for (const op of ['encode', 'decode'] as const) {
    const doc = {
      operationId: `codec${op === 'encode' ? 'Encode' : 'Decode'}`,
      summary: `Temporal codec server: ${op} payloads`,
      description: 'Called by the Temporal Web UI (CORS) to show encrypted workflow payloads to authorized users.',
      request: { body: CodecPayloads },
      responses: { 200: json(CodecPayloads, `The ${op}d payloads.`), ...errors(400, 401, 403, 413) },
    };
    // the role is checked before the body is parsed
    router.post(`/${op}`, doc, requireRole(allowed[op]), parseJson, async (req, res) => {
      // ?redact=false is the admin's way to see a payload whole (an incident, say); nobody else gets that
      const raw = op === 'decode' && req.query.redact === 'false';
      if (raw && !isAdmin(principalOf(res))) return sendError(res, 403, "Forbidden: only the 'admin' role may decode without redaction", { error_type: 'Forbidden' });
      const parsed = CodecPayloads.safeParse(req.body);
      if (!parsed.success) {
        return sendError(res, 400, 'Invalid codec request: expected { payloads: [{ metadata, data }] } with base64 values');
      }
      try {
        const out = await codec[op](parsed.data.payloads.map(fromWire));
        reply(res, 200, CodecPayloads, { payloads: (op === 'decode' && !raw ? out.map(redactPayload) : out).map(toWire) });
      } catch (err) {
        // a payload sealed with an unknown key or tampered with: the caller's input, not our fault
        sendError(res, 400, `Cannot ${op} payloads: ${(err as Error).message}`);
      }
    });
  }
  return router;
}
