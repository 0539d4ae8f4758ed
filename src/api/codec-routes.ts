// Temporal codec server protocol: the Web UI posts the payloads it shows to /codec/decode (and /encode when a
// user sends a signal), so people with the key's consent see decoded inputs while history stays encrypted.
import cors from 'cors';
import express, { Router, type RequestHandler } from 'express';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { z } from 'zod';
import { sendError } from './errors.js';

const b64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64');
const wirePayloads = z.object({
  payloads: z.array(z.object({ metadata: z.record(z.string(), b64).optional(), data: b64.optional() }).strict()).max(1000),
});
type WirePayload = z.infer<typeof wirePayloads>['payloads'][number];

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

export function createCodecRouter(codec: PayloadCodec, allowedOrigins: string[], authenticate: RequestHandler, bodyLimit: string): Router {
  const router = Router();
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
  router.use(express.json({ limit: bodyLimit }));
  for (const op of ['encode', 'decode'] as const) {
    router.post(`/${op}`, async (req, res) => {
      const parsed = wirePayloads.safeParse(req.body);
      if (!parsed.success) {
        return sendError(res, 400, 'Invalid codec request: expected { payloads: [{ metadata, data }] } with base64 values');
      }
      try {
        const out = await codec[op](parsed.data.payloads.map(fromWire));
        res.json({ payloads: out.map(toWire) });
      } catch (err) {
        // a payload sealed with an unknown key or tampered with: the caller's input, not our fault
        sendError(res, 400, `Cannot ${op} payloads: ${(err as Error).message}`);
      }
    });
  }
  return router;
}
