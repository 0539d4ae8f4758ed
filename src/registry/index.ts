export * from './types.js';
export { SqliteBackboneStore } from './sqlite-store.js';
export type { SqliteBackboneStoreOptions } from './sqlite-store.js';
export { createRegistryRouter } from './router.js';
export type { RegistryRouterOptions } from './router.js';
export { BackboneDBClient, BackboneRegistryError } from './client.js';
export type { BackboneDBClientOptions, BackboneRegistryErrorCode } from './client.js';
export { newBackboneSchema, listQuerySchema, backboneRecordSchema } from './schema.js';
