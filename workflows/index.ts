// The worker bundles this file: it lists every workflow the task queue serves.
export { deployExchange } from './deploy-exchange.js';
export { updateExchange } from './update-exchange.js';
export { removeExchange } from './remove-exchange.js';
export { progressQuery } from './progress.js';
