// One envelope for every failure the API answers: { success: false, error, ...details }.
import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import type { FieldIssue } from './schemas.js';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export class ValidationError extends HttpError {
  constructor(readonly issues: FieldIssue[]) {
    const first = issues[0];
    super(400, first ? `Invalid request: ${first.field} ${first.reason}` : 'Invalid request', { details: issues });
    this.name = 'ValidationError';
  }
}

export function sendError(res: Response, status: number, error: string, extra: Record<string, unknown> = {}): void {
  res.status(status).json({ success: false, error, ...extra });
}

export const notFound: RequestHandler = (req, res) => sendError(res, 404, `No route for ${req.method} ${req.path}`);

/** Temporal or the registry being unreachable is the service's problem, not the caller's: 503. */
function isUnavailable(err: unknown): boolean {
  const e = err as { name?: string; code?: unknown; message?: string };
  return e?.name === 'ServiceError' || e?.name === 'ConnectionError' || /UNAVAILABLE|ECONNREFUSED|connect|Connection/i.test(String(e?.message ?? ''));
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    if (err instanceof HttpError) return sendError(res, err.status, err.message, err.extra);
    const e = err as { type?: string; status?: number };
    // body-parser's own errors carry a type and a 4xx status; their messages may quote the body, so they are replaced
    if (e?.type === 'entity.parse.failed') return sendError(res, 400, 'Request body is not valid JSON');
    if (e?.type === 'entity.too.large') return sendError(res, 413, 'Request body is too large');
    if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported') return sendError(res, 415, 'Unsupported request body encoding');
    if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) return sendError(res, e.status, 'Bad request');
    if (isUnavailable(err)) {
      logger.error({ err: { name: (err as Error).name, message: (err as Error).message }, path: req.path }, 'dependency unavailable');
      return sendError(res, 503, 'Service temporarily unavailable: the workflow engine could not be reached');
    }
    logger.error({ err: { name: (err as Error)?.name, message: (err as Error)?.message }, path: req.path }, 'unhandled error');
    return sendError(res, 500, 'Internal error');
  };
}
