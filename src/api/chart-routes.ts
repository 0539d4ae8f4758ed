// What callers may send as helm_values, discoverable before they try: the chart's values schema (the same
// document every POST/PUT is validated against) and the operator's values policy.
import { Router } from 'express';
import type { ValuesGuard } from '../domain/values-guard.js';

export function createChartRouter(guard: ValuesGuard): Router {
  const router = Router();
  router.get('/values-schema', (_req, res) => {
    if (!guard.schema) {
      res.status(404).json({ success: false, error: 'This service runs without a values schema (VALUES_SCHEMA=off)' });
      return;
    }
    res.json(guard.schema.schema);
  });
  router.get('/values-policy', (_req, res) => {
    res.json({ chart_version: guard.schema?.chartVersion ?? null, ...guard.policy.document });
  });
  return router;
}
