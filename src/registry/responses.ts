// The Backbone Registry's answers (a record, a page of records), as its REST router and GET /exchange show them.
import { z } from 'zod';
// extends zod with .openapi() before the schemas below use it
import '../http/documented-router.js';
import { backboneRecordSchema } from './schema.js';

export const Backbone = backboneRecordSchema
  .extend({ created_at: z.string().meta({ format: 'date-time', description: 'Assigned by the registry.' }) })
  .openapi('Backbone');

export const BackboneList = z
  .object({
    success: z.literal(true),
    items: z.array(Backbone),
    next_cursor: z.string().nullable().meta({ description: 'Pass as cursor for the next page; null on the last page.' }),
  })
  .openapi('BackboneList');
