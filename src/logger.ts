import { pino, type Logger } from 'pino';

/** Structured JSON logs. Request bodies are never logged (they carry kubeconfigs). */
export function createLogger(level: string, name: string): Logger {
  return pino({
    name,
    level,
    redact: { paths: ['kubeconfig', '*.kubeconfig', 'req.headers.authorization', 'headers.authorization', 'token', '*.token'], censor: '[redacted]' },
  });
}
