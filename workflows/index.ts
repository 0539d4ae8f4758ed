// The worker bundles this file: it lists every workflow the task queue serves.
export { deployExchange } from './deploy-exchange.js';
export { updateExchange } from './update-exchange.js';
export { removeExchange } from './remove-exchange.js';
export { rollbackExchange } from './rollback-exchange.js';
export { previewExchange } from './preview-exchange.js';
export { exchangeRevisions } from './exchange-revisions.js';
export { progressQuery } from './progress.js';
