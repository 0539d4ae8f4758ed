// Loaded by path (failureConverterPath) in the worker, its workflow sandbox and the clients. Temporal's loader
// uses require(), so this one module is CommonJS. Failure messages and stack traces are moved into an encoded
// payload, so the payload codec encrypts them like every other payload.
const { DefaultFailureConverter } = require('@temporalio/common');

exports.failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
