// One envelope for every failure the API and the registry answer: { success: false, error, ...details }, and one
// mapper from what a route throws to that answer, used by every router.
import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import type { FieldIssue } from '../domain/field-issues.js';
import { BackboneConflictError, BackboneInvalidCursorError, BackboneStoreUnavailableError } from '../registry/types.js';
import { scrubSecrets } from '../scrub.js';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** `Invalid request: <first field> <its reason>`, as the API answers a 400. */
export function describeIssues(issues: FieldIssue[]): string {
  const first = issues[0];
  return first ? `Invalid request: ${first.field} ${first.reason}` : 'Invalid request';
}

export class ValidationError extends HttpError {
  constructor(readonly issues: FieldIssue[]) {
    super(400, describeIssues(issues), { details: issues });
    this.name = 'ValidationError';
  }
}

export function sendError(res: Response, status: number, error: string, extra: Record<string, unknown> = {}): void {
  res.status(status).json({ success: false, error, ...extra });
}

export const notFound: RequestHandler = (req, res) => sendError(res, 404, `No route for ${req.method} ${req.path}`);

/** The texts in which the API's answers and the registry's differ; each has clients (and tests) that rely on its own. */
export interface ErrorWording {
  /** The error of a 400 that names its fields in details. */
  invalid(issues: FieldIssue[]): string;
  /** A body that is not JSON: an error of its own, or a 400 naming this field. */
  notJson: string | FieldIssue;
  tooLarge: string;
  /** A body in an encoding or charset the JSON parser does not read (415). */
  badEncoding: string;
  /** Any other 4xx of the JSON parser. */
  badRequest: string;
  /** A dependency that cannot be reached (503). */
  unavailable: string;
  internal: string;
}

export const API_WORDING: ErrorWording = {
  invalid: describeIssues,
  notJson: 'Request body is not valid JSON',
  tooLarge: 'Request body is too large',
  badEncoding: 'Unsupported request body encoding',
  badRequest: 'Bad request',
  unavailable: 'Service temporarily unavailable: the workflow engine could not be reached',
  internal: 'Internal error',
};

/** Temporal or the registry being unreachable is the service's problem, not the caller's: 503. */
function isUnavailable(err: unknown): boolean {
  const e = err as { name?: string; code?: unknown; message?: string };
  return e?.name === 'ServiceError' || e?.name === 'ConnectionError' || /UNAVAILABLE|ECONNREFUSED|connect|Connection/i.test(String(e?.message ?? ''));
}

const invalid = (w: ErrorWording, issues: FieldIssue[]) => new HttpError(400, w.invalid(issues), { details: issues });

/** The answer to a known error; undefined for one that is a 500. */
function answerFor(err: unknown, w: ErrorWording): HttpError | undefined {
  if (err instanceof ValidationError) return invalid(w, err.issues);
  if (err instanceof HttpError) return err;
  if (err instanceof BackboneConflictError) return new HttpError(409, err.message, { existing_system_id: err.existingSystemId });
  if (err instanceof BackboneInvalidCursorError) return invalid(w, [{ field: 'cursor', reason: err.message }]);
  if (err instanceof BackboneStoreUnavailableError) return new HttpError(503, 'Backbone store unavailable', {}, { 'Retry-After': '1' });
  // body-parser's own errors carry a type and a 4xx status; their messages may quote the body, so they are replaced
  const { type, status } = (err ?? {}) as { type?: unknown; status?: unknown };
  if (type === 'entity.parse.failed') return typeof w.notJson === 'string' ? new HttpError(400, w.notJson) : invalid(w, [w.notJson]);
  if (type === 'entity.too.large') return new HttpError(413, w.tooLarge);
  if (type === 'encoding.unsupported' || type === 'charset.unsupported') return new HttpError(415, w.badEncoding);
  if (typeof status === 'number' && status >= 400 && status < 500) return new HttpError(status, w.badRequest);
  if (isUnavailable(err)) return new HttpError(503, w.unavailable);
  return undefined;
}

/** Name and message (credentials cut out) of what went wrong, where: never the request's body or headers. */
function logFields(err: unknown, req: Request) {
  const e = err as Error | undefined;
  return { err: { name: e?.name, message: scrubSecrets(String(e?.message ?? err)) }, method: req.method, path: `${req.baseUrl}${req.path}` };
}

/** Maps what a route throws to its answer; 503s and unexpected errors (a 500 without details) are logged first. */
export function errorHandler(logger: Logger, wording: ErrorWording = API_WORDING): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    const answer = answerFor(err, wording);
    if (!answer) logger.error(logFields(err, req), 'unhandled error');
    else if (answer.status === 503) logger.error(logFields(err, req), 'dependency unavailable');
    // a route that failed after it answered: express ends the response
    if (res.headersSent) return next(err);
    if (!answer) return sendError(res, 500, wording.internal);
    for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
    return sendError(res, answer.status, answer.message, answer.extra);
  };
}
