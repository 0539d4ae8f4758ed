// What callers may send as helm_values, discoverable before they try: the chart's values schema (the same
// document every POST/PUT is validated against) and the operator's values policy.
import { z } from 'zod';
import type { ValuesGuard } from '../domain/values-guard.js';
import { DocumentedRouter, errors, json, reply } from '../http/documented-router.js';
import { sendError } from '../http/errors.js';

/** A JSON object documented as just that: its shape is the chart's or the operator's, not the API's. */
const JsonObject = z.record(z.string(), z.unknown()).openapi({ type: 'object' });

export function createChartRouter(guard: ValuesGuard): DocumentedRouter {
  const router = new DocumentedRouter({ tags: ['chart'] });
  router.get(
    '/values-schema',
    {
      operationId: 'getValuesSchema',
      summary: 'The JSON Schema helm_values are validated against',
      description:
        'The project’s schema for the pinned official nats chart (generated from the chart’s values.yaml, refined). POST/PUT validate base + current + new values against it: unknown keys and wrong types answer 400 naming the key, with a suggestion for typos.',
      responses: { 200: json(JsonObject, 'A JSON Schema (draft-07).'), ...errors(404) },
    },
    (_req, res) => {
      if (!guard.schema) return sendError(res, 404, 'This service runs without a values schema (VALUES_SCHEMA=off)');
      reply(res, 200, JsonObject, guard.schema.schema);
    },
  );
  router.get(
    '/values-policy',
    {
      operationId: 'getValuesPolicy',
      summary: 'Which helm value keys callers may set',
      description:
        'The operator’s values policy (VALUES_POLICY_PATH): rules of globs over key paths, evaluated in order; a refused key answers 422 `ValuesPolicy` naming the key and the rule. `templateStrings: deny` refuses any string with `{{` or `$tplYaml`.',
      responses: { 200: json(JsonObject, 'The policy document.') },
    },
    (_req, res) => {
      reply(res, 200, JsonObject, { chart_version: guard.schema?.chartVersion ?? null, ...guard.policy.document });
    },
  );
  return router;
}
