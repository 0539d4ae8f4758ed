// The one error mapper every router answers through: the API's wording by default, the registry's where it mounts it.
import express from 'express';
import { pino } from 'pino';
import request from 'supertest';
import { API_WORDING, errorHandler, HttpError, ValidationError, type ErrorWording } from '../../../src/http/errors.js';
import { BackboneConflictError, BackboneInvalidCursorError, BackboneStoreUnavailableError } from '../../../src/registry/types.js';

/** An app whose one route throws `err` (after parsing a JSON body), answered by errorHandler with `wording`. */
function throwing(err: unknown, wording: ErrorWording = API_WORDING) {
  const logged: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => logged.push(JSON.parse(line) as Record<string, unknown>) });
  const app = express();
  app.post('/x', express.json(), () => {
    throw err;
  });
  app.use(errorHandler(logger, wording));
  return { app, logged };
}

const post = (app: express.Express) => request(app).post('/x').send({ kubeconfig: { token: 'tok-secret-2' } });

describe('errorHandler', () => {
  it('answers an HttpError as it says, with its headers', async () => {
    const { app, logged } = throwing(new HttpError(429, 'slow down', { org_id: 'o' }, { 'Retry-After': '10' }));
    const res = await post(app).expect(429);
    expect(res.body).toEqual({ success: false, error: 'slow down', org_id: 'o' });
    expect(res.headers['retry-after']).toBe('10');
    expect(logged).toEqual([]);
  });

  it('words a 400 naming fields the API’s way by default', async () => {
    const res = await post(throwing(new ValidationError([{ field: 'release_name', reason: 'is required' }])).app).expect(400);
    expect(res.body).toEqual({ success: false, error: 'Invalid request: release_name is required', details: [{ field: 'release_name', reason: 'is required' }] });
  });

  it('answers the registry store’s errors alike in every router', async () => {
    const cursor = await post(throwing(new BackboneInvalidCursorError()).app).expect(400);
    expect(cursor.body).toEqual({ success: false, error: 'Invalid request: cursor invalid cursor', details: [{ field: 'cursor', reason: 'invalid cursor' }] });
    const down = await post(throwing(new BackboneStoreUnavailableError('disk on fire')).app).expect(503);
    expect(down.body).toEqual({ success: false, error: 'Backbone store unavailable' });
    expect(down.headers['retry-after']).toBe('1');
    const clash = await post(throwing(new BackboneConflictError('11111111-1111-4111-8111-111111111111')).app).expect(409);
    expect(clash.body).toMatchObject({ success: false, existing_system_id: '11111111-1111-4111-8111-111111111111' });
  });

  it('logs an unexpected error (name, message, method and path, never the body) before a generic 500', async () => {
    const { app, logged } = throwing(new Error('boom token=abc123'));
    const res = await post(app).expect(500);
    expect(res.body).toEqual({ success: false, error: 'Internal error' });
    expect(logged).toEqual([expect.objectContaining({ msg: 'unhandled error', method: 'POST', path: '/x', err: expect.objectContaining({ name: 'Error' }) as unknown })]);
    expect(JSON.stringify(logged)).not.toMatch(/tok-secret-2|abc123/);
  });

  it('replaces what the JSON parser says about a broken body, in the wording given', async () => {
    const { app } = throwing(new Error('unreached'), { ...API_WORDING, notJson: { field: 'body', reason: 'malformed JSON' }, invalid: () => 'Invalid request' });
    const res = await request(app).post('/x').set('Content-Type', 'application/json').send('{"kubeconfig": ').expect(400);
    expect(res.body).toEqual({ success: false, error: 'Invalid request', details: [{ field: 'body', reason: 'malformed JSON' }] });
  });
});
